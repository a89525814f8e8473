"""The hand-curated tables: checked against the source text, parsed, and checked for sums."""
from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from juesuan.errors import JuesuanError
from juesuan.package.curated import INDICATORS_CSV, SCORES_CSV, TOTALS_CSV, load_indicators, load_scores, meets, parse_value
from juesuan.paths import DATA
from juesuan.classification import load_classification
from juesuan.extract import default_lexicon, extract
from juesuan.rules.context import Context
from juesuan.rules.curated_checks import indicator_checks, score_checks
from juesuan.rules.tables import documents_of
from juesuan.sources import load_sources

SOURCES = load_sources()
TEXTS = {s.doc_id: s.text for s in SOURCES}
DOCS = {d.doc_id: d for d in documents_of(SOURCES)}


def _copy_with(src, tmp_path, row_index, column, value):
    rows = list(csv.DictReader(open(src, encoding="utf-8", newline="")))
    rows[row_index][column] = value
    out = tmp_path / src.name
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return out


@pytest.mark.parametrize("text,op,value,unit", [
    ("≥47万人", "≥", "47", "万人"), ("100%", "=", "100", "%"), ("12月", "=", "12", "月"), ("≤47.2", "≤", "47.2", ""),
])
def test_parse_value(text, op, value, unit):
    v = parse_value(text)
    assert (v["op"], v["value"], v["unit"]) == (op, Decimal(value), unit)


def test_qualitative_value():
    assert parse_value("高")["numeric"] is False


@pytest.mark.parametrize("target,actual,expected", [
    ("≥47万人", "47.11万人", "yes"), ("≥47万人", "46.9万人", "no"), ("≤47.2", "47.2", "yes"), ("≤47.2", "48", "no"),
    ("≥90%", "≥90%", "yes"), ("100%", "99%", "no"), ("高", "高", "yes"), ("高", "较高", "unknown"), ("≥90%", "12月", "unknown"),
])
def test_meets(target, actual, expected):
    assert meets(parse_value(target), parse_value(actual), target, actual) == expected


def test_a_typo_in_curation_stops_the_build(tmp_path):
    bad = _copy_with(SCORES_CSV, tmp_path, 1, "points_given", "4")   # the sheet says 3
    with pytest.raises(JuesuanError, match=r"score_items.csv:3: points_given 4 is not printed on line 318"):
        load_scores(TEXTS, bad, TOTALS_CSV)
    bad = _copy_with(INDICATORS_CSV, tmp_path, 0, "actual_text", "47.12万人")
    with pytest.raises(JuesuanError, match=r"performance_indicators.csv:2: actual_text"):
        load_indicators(TEXTS, {"insured_persons_resident", "expenditure_project"}, bad)
    bad = _copy_with(TOTALS_CSV, tmp_path, 0, "total_stated", "95")
    with pytest.raises(JuesuanError, match=r"score_totals.csv:2: total 95"):
        load_scores(TEXTS, SCORES_CSV, bad)


def test_score_sheet_adds_up_and_a_changed_point_is_caught():
    items, totals = load_scores(TEXTS)
    checks = score_checks(items, totals, DOCS)
    total = next(c for c in checks if c.rule == "score_total")
    assert total.outcome == "pass" and total.lhs == Decimal(93)
    items[0]["points_given"] += 1
    checks = score_checks(items, totals, DOCS)
    assert next(c for c in checks if c.rule == "score_total").outcome == "fail"
    items[0]["points_given"] = Decimal(3)   # more than its 2-point maximum
    assert next(c for c in score_checks(items, totals, DOCS) if c.key == "item01").outcome == "fail"


def test_level_maxima_add_up():
    items, totals = load_scores(TEXTS)
    by_rule = {(c.doc_id, c.rule, c.key): c.outcome for c in score_checks(items, totals, DOCS)}
    assert by_rule[("dachuan-2018", "score_level1_max_sum", "综合管理")] == "pass"
    assert by_rule[("dachuan-2018", "score_level2_max_sum", "预算执行/行政成本")] == "pass"


def test_indicator_against_the_figure_stated_elsewhere():
    metrics = {r["metric"] for r in csv.DictReader(open(DATA / "metrics.csv", encoding="utf-8"))}
    indicators = load_indicators(TEXTS, metrics)
    facts = [f for s in SOURCES for f in extract(s.text, s.doc_id, default_lexicon(), s.fiscal_year)]
    ctx = Context(facts, DOCS.values(), load_classification())
    checks = indicator_checks(indicators, ctx)
    assert {c.outcome for c in checks} == {"pass"} and len(checks) == 2
    ind = next(i for i in indicators if i["metric"] == "insured_persons_resident")
    ind["actual_value"] = Decimal("48.11")
    assert next(c for c in indicator_checks([ind], ctx)).outcome == "fail"


def test_line_items_one_row_per_heading():
    rows = list(csv.DictReader(open(DATA / "line_items.csv", encoding="utf-8")))
    keys = [(r["doc_id"], r["function_code"], r["name_stated"]) for r in rows]
    assert len(keys) == len(set(keys))
    pc = {(r["doc_id"], r["function_code"]): r for r in rows}
    assert pc[("pingchang-2019", "2101301")]["amount"] == "102" and pc[("pingchang-2019", "2101301")]["completion_pct"] == "100"
    assert pc[("heshan-2021", "2210201")]["budget"] == "23.48"


@pytest.mark.parametrize("row,message", [
    ({"code": "20801", "level": "项", "parent_code": "208", "valid_from": "2007", "valid_to": ""}, "digits"),
    ({"code": "2090101", "level": "项", "parent_code": "20801", "valid_from": "2007", "valid_to": ""}, "does not extend"),
    ({"code": "2080101", "level": "项", "parent_code": "20899", "valid_from": "2007", "valid_to": ""}, "does not extend|not in the classification"),
])
def test_bad_classification_rows_are_refused(row, message):
    from juesuan.classification import load_classification
    from juesuan.package.curated import check_classification

    rows = load_classification() + [dict(row, name="x", source="", note="", _line="99")]
    with pytest.raises(JuesuanError, match=message):
        check_classification(rows)
