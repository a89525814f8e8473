"""DuckDB holds DECIMAL truth; SQLite serves search; both come from the package."""
from __future__ import annotations

import csv
import sqlite3
from decimal import Decimal

import duckdb
import yaml

from juesuan.paths import DATA, METADATA_YML, SOURCES
from juesuan.publish.search import match_expression, register_functions


def test_duckdb_money_is_decimal_and_exact(built):
    con = duckdb.connect(str(built["duckdb"]), read_only=True)
    types = dict((r[0], r[1]) for r in con.execute("DESCRIBE facts").fetchall())
    assert types["value"].startswith("DECIMAL") and types["value_wan"].startswith("DECIMAL")
    total = con.execute("SELECT sum(value_wan) FROM facts WHERE measure = 'amount'").fetchone()[0]
    with open(DATA / "facts.csv", encoding="utf-8") as fh:
        expected = sum(Decimal(r["value_wan"]) for r in csv.DictReader(fh) if r["measure"] == "amount" and r["value_wan"])
    assert isinstance(total, Decimal) and total == expected


def test_parquet_exports_every_table(built):
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM read_parquet('{built['parquet'] / 'facts.parquet'}')").fetchone()[0]
    with open(DATA / "facts.csv", encoding="utf-8") as fh:
        assert n == sum(1 for _ in csv.DictReader(fh))


def test_sqlite_keeps_printed_digits_and_finds_chinese(built):
    con = sqlite3.connect(built["sqlite"])
    row = con.execute("SELECT value, value_text, value_wan_text FROM facts WHERE unit='元' AND metric='basic_personnel'").fetchone()
    assert row[1] == "118.44" and row[2] == "0.011844"
    hits = con.execute("SELECT count(*) FROM source_text_search WHERE source_text_search MATCH ?",
                       (match_expression("公务接待"),)).fetchone()[0]
    assert hits > 5


def test_canned_search_finds_what_grep_finds(built):
    """Terms of one, two and more characters: the canned query returns exactly the lines
    of the source files that contain them (a grep of data/sources)."""
    sql = yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))["databases"]["juesuan"]["queries"]["search_sentences"]["sql"]
    con = sqlite3.connect(built["sqlite"])
    register_functions(con)
    for term in ("医保", "三公", "公务接待", "局"):
        found = {(r[0], r[1]) for r in con.execute(sql, {"q": term})}
        expected = {(doc, n) for doc, file in con.execute("SELECT doc_id, file FROM documents")
                    for n, text in enumerate((SOURCES / file).read_text(encoding="utf-8").splitlines(), 1) if term in text}
        assert expected and found == expected, term


def test_views_agree_between_duckdb_and_sqlite(built):
    d = duckdb.connect(str(built["duckdb"]), read_only=True)
    s = sqlite3.connect(built["sqlite"])
    for view in ("facts_labelled", "income_vs_expenditure", "three_public", "disagreements"):
        assert d.execute(f"SELECT count(*) FROM {view}").fetchone()[0] == s.execute(f"SELECT count(*) FROM {view}").fetchone()[0], view


def test_every_canned_query_runs_and_answers(built):
    queries = yaml.safe_load(METADATA_YML.read_text(encoding="utf-8"))["databases"]["juesuan"]["queries"]
    assert len(queries) >= 6
    params = {"metric": "reception", "measure": "amount", "doc_id": "pingchang-2019", "name": "医疗救助",
              "q": "医保", "body": "平昌"}
    con = sqlite3.connect(built["sqlite"])
    register_functions(con)
    for name, spec in queries.items():
        rows = con.execute(spec["sql"], params).fetchall()
        assert rows, f"canned query {name} returned nothing"
        assert spec["title"].count(" / ") >= 1, f"{name} needs a bilingual title"
