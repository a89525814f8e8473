"""Sentence facts and flattened-table facts meet in `extract()`: a number
read by both is one fact, the table's; the offsets contract holds for both."""
from __future__ import annotations

from decimal import Decimal

from juesuan.extract import extract
from juesuan.extract.facts import Fact


def _table_reader(monkeypatch, read):
    """Stand in for the flattened-table reader that extract() merges."""
    monkeypatch.setattr("juesuan.extract.facts.read_tables", read)


def test_a_number_read_by_both_readers_is_the_tables_fact(lex, monkeypatch):
    text = "本年收入合计100万元。\n项目\t决算数\n基本支出\t80\n"
    cell = text.index("80")

    def read(text, doc_id, lex, fiscal_year, norm=None):
        return [Fact(doc_id=doc_id, metric="expenditure_basic", measure="amount", value=Decimal(80), value_text="80",
                     unit="万元", value_wan=Decimal(80), decimals=0, char_start=cell - 5, char_end=cell + 2,
                     value_start=cell, value_end=cell + 2, quote=text[cell - 5:cell + 2], origin="extracted")]

    _table_reader(monkeypatch, read)
    facts = extract(text, "t", lex, 2021)
    spans = [(f.value_start, f.value_end) for f in facts]
    assert len(spans) == len(set(spans))                       # never two facts for one printed number
    at_cell = [f for f in facts if f.value_start == cell]
    assert [(f.metric, f.unit) for f in at_cell] == [("expenditure_basic", "万元")]
    assert ("income_total", Decimal(100)) in [(f.metric, f.value) for f in facts]   # sentence facts stay
    assert all(text[f.char_start:f.char_end] == f.quote for f in facts)


def test_without_the_table_reader_sentences_are_read_alone(lex, monkeypatch):
    _table_reader(monkeypatch, lambda text, doc_id, lex, fiscal_year, norm=None: [])
    facts = extract("本年收入合计100万元。", "t", lex, 2021)
    assert [(f.metric, f.value) for f in facts] == [("income_total", Decimal(100))]
