"""The bigram search and the cell conventions, checked without a server."""
from __future__ import annotations

import random
import sqlite3
import unicodedata

import pytest

from juesuan.paths import SOURCES
from juesuan.publish.cells import column_order, highlight, number, raw
from juesuan.publish.search import match_expression, register_functions, segment


@pytest.fixture(scope="module")
def index() -> tuple[sqlite3.Connection, list[str]]:
    """Every line of the real sources in an in-memory bigram index, built as the site builds it."""
    lines = [line for path in sorted(SOURCES.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]
    con = sqlite3.connect(":memory:")
    register_functions(con)
    con.execute("create virtual table s using fts5(text, content='', tokenize='unicode61')")
    con.executemany("insert into s (rowid, text) values (?, ?)", [(i, segment(t)) for i, t in enumerate(lines)])
    return con, lines


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def hits(con: sqlite3.Connection, query: str) -> set[int]:
    return {r[0] for r in con.execute("select rowid from s where s match juesuan_match(?)", (query,))}


def test_random_substrings_are_found_exactly_where_they_occur(index):
    """Any run of 1 to 6 letters/digits cut from a real line matches exactly the lines containing it
    (compared after the same NFKC folding the index applies: full-width ２０２２ is 2022, ① is 1)."""
    con, lines = index
    rng = random.Random(20241123)
    candidates = [t for t in lines if len(t) >= 8]
    tried = 0
    while tried < 120:
        line = rng.choice(candidates)
        n = rng.randint(1, 6)
        start = rng.randrange(0, len(line) - n)
        term = line[start:start + n]
        if not term.isalnum():  # punctuation separates runs (tested below)
            continue
        tried += 1
        expected = {i for i, t in enumerate(lines) if fold(term) in fold(t)}
        assert hits(con, term) == expected, term


def test_two_character_terms_and_several_words(index):
    con, lines = index
    for term in ("医保", "三公"):
        assert hits(con, term) == {i for i, t in enumerate(lines) if term in t} != set()
    both = hits(con, "医保 基金")
    assert both == {i for i, t in enumerate(lines) if "医保" in t and "基金" in t} != set()


def test_punctuation_only_matches_nothing_and_quotes_are_safe(index):
    con, _ = index
    assert match_expression("。，!") is None
    assert hits(con, "。，") == set()
    assert hits(con, '"医保" OR') == hits(con, "医保") & hits(con, "or")  # operators are just words


def test_segment_is_bigrams_and_the_run_end():
    assert segment("医疗保障局，2022年") == "医疗 疗保 保障 障局 局 20 02 22 2年 年"
    assert segment("") == "" and segment(None) == ""


def test_numbers_read_as_printed_with_unit_and_direction():
    assert str(number(22.0, None)) == "22"
    assert str(number(453.44, "453.44", "万元")) == "453.44 万元"
    shown = str(number(-2233.37, "2233.37", "万元", "change_amount"))
    assert shown.startswith("−2233.37 万元") and "减少" in shown
    assert "增加" in str(number(2.0, "2", "人", "change_amount"))
    assert "减少" not in str(number(-5.0, "-5", "万元", "amount"))


def test_foreign_key_cells_and_highlight_and_order():
    assert raw({"value": "kaijiang-2022", "label": "开江县医疗保障局 2022"}) == "kaijiang-2022"
    assert raw("x") == "x"
    assert str(highlight("<医保>医保", ["医保"])) == '&lt;<mark class="hit">医保</mark>&gt;<mark class="hit">医保</mark>'
    names = ["fact_id", "value_text", "quote", "doc_id", "value", "metric"]
    ordered = [names[i] for i in column_order("facts", names)]
    assert ordered[:5] == ["doc_id", "metric", "value", "quote", "fact_id"] and sorted(ordered) == sorted(names)
