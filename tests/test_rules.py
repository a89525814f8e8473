"""Each rule family on small fixtures: pass, pass within rounding, fail, incomplete."""
from __future__ import annotations

from decimal import Decimal

import pytest

from juesuan.classification import load_classification
from juesuan.model import Fact
from juesuan.rules.context import Document
from juesuan.rules.engine import run as run_engine
from juesuan.rules.findings import Ack, as_rows, finding_rows, gate
from juesuan.rules.intervals import Interval
from juesuan.rules.loader import load_rules

LINE = 1000          # the fixture documents have lines of 1000 characters
_pos = [0]


def doc(doc_id="d", year=2021, entity="e", report_date="", text=None, kind="部门决算"):
    return Document(doc_id, year, entity, text if text is not None else ("x" * (LINE - 1) + "\n") * 40, report_date, kind)


DOCS = [doc()]


def fact(metric, value, measure="amount", unit="万元", line=1, code="", base="", name="", section="s", flags="", year=None):
    _pos[0] = _pos[0] % 900 + 10
    start = (line - 1) * LINE + _pos[0]
    v = Decimal(value)
    decimals = len(value.split(".")[1]) if "." in value else 0
    return Fact("d", metric, measure, v, value.lstrip("-"), unit, None, decimals, function_code=code, function_name=name,
                function_level={3: "类", 5: "款", 7: "项"}.get(len(code), ""), base_metric=base, compared_year=year,
                char_start=start, char_end=start + 5, value_start=start, value_end=start + 5, quote=f"{metric}{value}",
                section=section, flags=[x for x in flags.split(";") if x])


def run(*facts, docs=None):
    return run_engine(list(facts), docs or DOCS, load_classification(), load_rules())


def outcome(checks, rule):
    found = [c.outcome for c in checks if c.rule == rule]
    assert found, f"no {rule} check in {[c.rule for c in checks]}"
    return found[0]


def test_interval_from_printed_precision():
    assert Interval.printed(Decimal("12.3"), 1) == Interval(Decimal("12.25"), Decimal("12.35"))
    assert Interval.printed(Decimal("0"), 0) == Interval(Decimal(0), Decimal(0))
    assert Interval.printed(Decimal("118.44"), 2, Decimal("0.0001")).hi == Decimal("0.0118445")


@pytest.mark.parametrize("basic,project,total,expected", [
    ("100.00", "50.00", "150.00", "pass"),
    ("100.01", "50.00", "150.00", "pass_within_rounding"),   # 2-decimal parts, 3 intervals of ±0.005
    ("100.10", "50.00", "150.00", "fail"),
])
def test_parts_sum(basic, project, total, expected):
    checks = run(fact("expenditure_total", total), fact("expenditure_basic", basic), fact("expenditure_project", project))
    assert outcome(checks, "basic_plus_project") == expected


def test_partial_breakdown_is_incomplete_not_error():
    checks = run(fact("income_total", "100"), fact("income_other", "20"))
    assert outcome(checks, "income_sources") == "incomplete"


def test_missing_parts_are_zero_when_the_sum_meets():
    checks = run(fact("income_total", "100.00"), fact("income_general_budget_grant", "100.00"))
    assert outcome(checks, "income_sources") == "pass"


def test_five_terms_may_miss_by_rounding():
    parts = [fact("function_expenditure", v, code=c, line=2) for v, c in
             [("384.36", "2080109"), ("39.53", "2080505"), ("6.18", "2080506"), ("0.14", "2082701"), ("1.35", "2082703")]]
    checks = run(fact("function_expenditure", "431.57", code="208", line=1), *parts)
    assert outcome(checks, "children_to_class") == "pass_within_rounding"


def test_share_rounded_to_whole_percent_passes():
    # 431.57 / 560.24 = 77.03 %, printed as 77%
    checks = run(fact("general_budget_expenditure", "560.24"),
                 fact("function_expenditure", "431.57", code="208"),
                 fact("function_expenditure", "77", measure="share_pct", unit="%", code="208", base="general_budget_expenditure"))
    assert outcome(checks, "share") == "pass"   # the quotient rounds to the printed value


def test_share_within_rounding_of_its_inputs():
    # 127.75 / 174.94 = 73.025…%, which rounds to 73.03, printed 73.02: only the inputs' rounding explains it
    checks = run(fact("expenditure_total", "174.94"), fact("expenditure_basic", "127.75"),
                 fact("expenditure_basic", "73.02", measure="share_pct", unit="%", base="expenditure_total"))
    assert outcome(checks, "share") == "pass_within_rounding"


def test_wrong_share_fails():
    checks = run(fact("expenditure_total", "7919.57"), fact("expenditure_basic", "505.42"),
                 fact("expenditure_basic", "1.36", measure="share_pct", unit="%", base="expenditure_total"))
    assert outcome(checks, "share") == "fail"


def test_shares_of_a_breakdown_sum_to_100():
    checks = run(fact("expenditure_total", "10.00"),
                 fact("expenditure_basic", "6.00"), fact("expenditure_basic", "60", "share_pct", "%", base="expenditure_total"),
                 fact("expenditure_project", "4.00"), fact("expenditure_project", "42", "share_pct", "%", base="expenditure_total"))
    assert outcome(checks, "shares_sum_to_100") == "fail"


def test_completion_rate():
    checks = run(fact("three_public_budget", "15.5"), fact("three_public_total", "0.9"),
                 fact("three_public_total", "5.8", "completion_pct", "%"))
    assert outcome(checks, "completion_rate") == "pass"


@pytest.mark.parametrize("pct,expected", [("-4.17", "pass"), ("-8.01", "fail")])
def test_change_amount_and_percent_agree(pct, expected):
    checks = run(fact("grand_total", "349.88"), fact("grand_total", "-15.24", "change_amount", year=2021),
                 fact("grand_total", pct, "change_pct", "%", year=2021))
    assert outcome(checks, "change_amount_vs_percent") == expected


def test_implied_previous_compared_with_previous_report():
    docs = [doc(), doc("p", 2020)]
    prev = fact("office_operation_cost", "134.21")
    prev.doc_id = "p"
    checks = run(fact("office_operation_cost", "137.56"), fact("office_operation_cost", "3.35", "change_amount", year=2020),
                 prev, docs=docs)
    assert outcome(checks, "implied_previous_vs_previous_report") == "pass"


def test_identity_with_unstated_carryover_is_incomplete():
    checks = run(fact("grand_total", "349.88"), fact("income_total", "174.94"))
    assert outcome(checks, "grand_total_income_side") == "incomplete"


def test_assets_identity_fails():
    checks = run(fact("assets_total", "160.01"), fact("liabilities_total", "0"), fact("net_assets", "159.83"))
    assert outcome(checks, "assets_minus_liabilities") == "fail"


def test_same_figure_twice_compares_in_wan():
    checks = run(fact("basic_personnel", "118.44", unit="元"), fact("basic_personnel", "118.46", line=9))
    assert outcome(checks, "same_figure_twice") == "fail"
    checks = run(fact("fiscal_grant_expenditure_total", "7822.51"), fact("fiscal_grant_expenditure_total", "7822.5", line=9))
    assert outcome(checks, "same_figure_twice") == "pass_within_rounding"


def test_plausibility_warnings():
    checks = run(fact("expenditure_total", "174.94"), fact("procurement_total", "180.399"),
                 fact("staff_actual", "10.5", "count", "人"), fact("basic_personnel", "118.44", unit="元", flags="unit_suspect:万元"),
                 docs=[doc(report_date="2021-07-23")])
    rules = {c.rule for c in checks if c.outcome == "warning"}
    assert {c.severity for c in checks if c.rule == "unit_suspect"} == {"info"}
    assert {"part_exceeds_total_expenditure", "non_integer_count", "unit_suspect", "report_before_year_end"} <= rules


def test_classification_checks():
    checks = run(fact("function_expenditure", "40.70", code="2080102", name="一般行政管理事务"),
                 fact("function_expenditure", "19.85", code="2080102", name="社会保险经办机构"),
                 fact("function_expenditure", "1.44", code="2100199", name="其他医疗卫生与计划生育管理事务支出"))
    assert outcome(checks, "code_names_two_headings") == "fail"
    by_key = {c.key: c.outcome for c in checks if c.rule == "code_name_matches_year"}
    assert by_key["2080102:社会保险经办机构"] == "fail" and by_key["2080102:一般行政管理事务"] == "pass"
    # in 2021 the 2018 name of 2100199 is outdated
    assert by_key["2100199:其他医疗卫生与计划生育管理事务支出"] == "fail"


def gate_of(checks, acks):
    _, finding_of = finding_rows(checks, acks, load_rules().explanations)
    return gate(as_rows(checks, finding_of), acks)


def test_gate_reports_unexplained_and_stale():
    checks = run(fact("assets_total", "160.01"), fact("liabilities_total", "0"), fact("net_assets", "159.83"))
    failing = next(c for c in checks if c.outcome == "fail")
    assert any("UNEXPLAINED" in p for p in gate_of(checks, []))
    ack = Ack(failing.doc_id, failing.rule, failing.key, "because the document prints 159.83", 2)
    assert gate_of(checks, [ack]) == []
    stale = Ack("d", "assets_minus_liabilities", "gone@1", "old", 3)
    assert any("STALE" in p and "acknowledged.csv:3" in p for p in gate_of(checks, [ack, stale]))


def test_label_conflict_one_heading_two_amounts():
    # 行政运行 under 2101501 in one place, the same heading mapped from the classification elsewhere
    checks = run(fact("function_expenditure", "406.37", code="2101501", name="行政运行", line=2),
                 fact("function_expenditure", "505.42", code="2101501", name="行政运行", line=9, flags="code_from_classification"))
    assert [c.outcome for c in checks if c.rule == "label_conflict"] == []   # same code: same_figure_twice's
    assert outcome(checks, "same_figure_twice") == "fail"
    checks = run(fact("function_expenditure", "406.37", code="2101501", name="行政运行", line=2),
                 fact("function_expenditure", "505.42", code="21015", name="行政运行", line=9))
    assert outcome(checks, "label_conflict") == "fail"
    checks = run(fact("function_expenditure", "406.37", code="2101501", name="行政运行", line=2),
                 fact("function_expenditure", "40.70", code="2080101", name="行政运行", line=9))
    assert [c for c in checks if c.rule == "label_conflict"] == []   # two headings of two classes


def test_two_completion_rates_of_one_actual_imply_two_budgets():
    checks = run(fact("three_public_total", "0.09"), fact("three_public_total", "89.47", "completion_pct", "%"),
                 fact("three_public_total", "0.09", line=5), fact("three_public_total", "46.63", "completion_pct", "%", line=5))
    assert outcome(checks, "implied_budget") == "fail"
    checks = run(fact("three_public_total", "0.09"), fact("three_public_total", "89.47", "completion_pct", "%"),
                 fact("three_public_total", "0.09", line=5), fact("three_public_total", "89.5", "completion_pct", "%", line=5))
    assert outcome(checks, "implied_budget") == "pass_within_rounding"


def test_spending_kinds_a_body_may_not_have_are_optional_parts():
    # 本年支出合计1610.40 = 基本820.60 + 项目560.80 + 经营支出229.00
    total, basic, project = fact("expenditure_total", "1610.40"), fact("expenditure_basic", "820.60"), fact("expenditure_project", "560.80")
    assert outcome(run(total, basic, project, fact("expenditure_operating", "229.00")), "basic_plus_project") == "pass"
    # without a 经营支出 the two kinds must make the whole: a shortfall is an error, not an omission
    assert outcome(run(total, basic, project), "basic_plus_project") == "fail"
    other_total = fact("expenditure_total", "1381.40", line=5)
    assert outcome(run(other_total, fact("expenditure_basic", "820.60", line=5), fact("expenditure_project", "560.80", line=5)),
                   "basic_plus_project") == "pass"


@pytest.mark.parametrize("measure", ["share_pct", "change_pct", "completion_pct", "budget_diff_pct"])
def test_a_percent_without_a_printed_unit_is_still_a_percent(measure):
    """Every *_pct measure of the fact model is a percent to the rules, even printed without `%`
    (the rules once kept their own list and missed budget_diff_pct)."""
    from juesuan.rules.checks import RF

    rf = RF(fact("expenditure_total", "12.5", measure=measure, unit=""), line=1)
    assert rf.interval is not None and rf.interval.meets(Interval.printed(Decimal("12.5"), 1))
    assert RF(fact("expenditure_total", "12.5", unit=""), line=1).interval is None
