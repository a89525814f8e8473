"""The SQLite build indexes what the site filters, groups and sorts on (issue 12):
every facet's GROUP BY reads an index, and no canned query makes SQLite build
a temporary index of its own (its sign of a missing one)."""
from __future__ import annotations

import json
import re
import sqlite3

import pytest

from juesuan.publish.search import register_functions


@pytest.fixture(scope="module")
def served(built):
    conn = sqlite3.connect(f"file:{built['sqlite']}?mode=ro", uri=True)
    register_functions(conn)  # juesuan_match(), which the search canned query calls, as the site registers it
    meta = json.loads(built["metadata"].read_text(encoding="utf-8"))["databases"]["juesuan"]
    yield conn, meta
    conn.close()


def plan(conn: sqlite3.Connection, sql: str, params: dict | None = None) -> list[str]:
    return [row[3] for row in conn.execute("explain query plan " + sql, params or {})]


def test_every_facet_groups_by_an_index(served):
    conn, meta = served
    facets = [(t, c) for t, cfg in meta["tables"].items() for c in cfg.get("facets", []) if isinstance(c, str)]
    assert facets
    for table, column in facets:
        # the shape of Datasette 0.65's facet query
        sql = (f'select "{column}" as value, count(*) as count from (select * from "{table}") '
               f'where "{column}" is not null group by "{column}" order by count desc, value limit 31')
        steps = plan(conn, sql)
        assert any("USING COVERING INDEX" in s for s in steps), (table, column, steps)
        assert not any("TEMP B-TREE FOR GROUP BY" in s for s in steps), (table, column, steps)


def test_no_canned_query_needs_an_automatic_index(served):
    conn, meta = served
    assert meta["queries"]
    for name, query in meta["queries"].items():
        params = {p: "x" for p in re.findall(r":(\w+)", query["sql"])}
        steps = plan(conn, query["sql"], params)
        assert not any("AUTOMATIC" in s for s in steps), (name, steps)


def test_the_views_find_a_documents_first_statement_by_index(served):
    conn, _ = served
    for view in ("income_vs_expenditure", "three_public"):
        steps = plan(conn, f"select * from {view}")
        assert not any("AUTOMATIC" in s for s in steps), (view, steps)
        facts_steps = [s for s in steps if re.search(r"\b(f|facts)\b", s)]
        assert facts_steps and all(s.startswith("SEARCH") for s in facts_steps), (view, steps)


def test_the_planner_has_statistics(served):
    conn, _ = served
    tables = {row[0] for row in conn.execute("select tbl from sqlite_stat1")}
    assert {"facts", "checks", "source_text"} <= tables


@pytest.mark.parametrize("term", ["医保", "医疗保障", "医"])
def test_search_reads_the_bigram_index_not_every_line(served, term):
    """A search of any length, two characters and one included, is a lookup in the bigram
    index (a MATCH on the FTS table), never a scan of source_text."""
    conn, meta = served
    sql = meta["queries"]["search_sentences"]["sql"]
    steps = plan(conn, sql, {"q": term})
    assert any("VIRTUAL TABLE INDEX" in s and ":M" in s for s in steps), steps
    assert not any(s.startswith("SCAN") and "VIRTUAL TABLE" not in s for s in steps), steps
    hits = conn.execute(sql, {"q": term}).fetchall()
    assert hits and all(term in text for _, _, text in hits)


def test_the_facts_page_filtered_by_a_metric_counts_its_facets_from_indexes(served):
    """A click on the metric facet: every facet of that page is counted from an index
    alone (no row read, no temporary grouping), and its rows come in the table's order."""
    conn, meta = served
    facets = meta["tables"]["facts"]["facets"]
    for column in facets:
        sql = (f'select "{column}" as value, count(*) as count from (select * from facts where "metric" = :p0) '
               f'where "{column}" is not null group by "{column}" order by count desc, value limit 9')
        steps = plan(conn, sql, {"p0": "x"})
        assert any("USING COVERING INDEX" in s and "metric=?" in s for s in steps), (column, steps)
        assert not any("TEMP B-TREE FOR GROUP BY" in s for s in steps), (column, steps)
    sort = meta["tables"]["facts"]["sort"]
    steps = plan(conn, f'select * from facts where "metric" = :p0 order by "{sort}" limit 101', {"p0": "x"})
    assert not any("TEMP B-TREE FOR ORDER BY" in s for s in steps), steps
