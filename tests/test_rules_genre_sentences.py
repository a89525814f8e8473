"""Rule instances that only one source exercised, tried on sentences of the genre written for these tests
(phrased as a 部门决算 is phrased, with other bodies' figures): each once as a careful author would print it,
and once with one figure wrong, so that every test could fail in both directions."""
from __future__ import annotations

import pytest

from juesuan.classification import load_classification
from juesuan.extract import default_lexicon, extract
from juesuan.rules.checks import Check
from juesuan.rules.context import Document
from juesuan.rules.engine import run
from juesuan.rules.findings import finding_rows
from juesuan.rules.loader import load_rules


def audit(text: str, year: int = 2021) -> list[Check]:
    facts = extract(text, "g", default_lexicon(), year)
    return run(facts, [Document("g", year, "e", text, "", "部门决算")], load_classification(), load_rules())


def of(checks: list[Check], *rules: str) -> list[Check]:
    return [c for c in checks if c.rule in rules]


# -- budget_increase: 决算数 − 预算数 = the stated increase by budget adjustment --------------------------
BUDGET = ("二、一般公共预算财政拨款支出决算情况\n本单位年初预算数为 250.40 万元，支出决算数为 281.90 万元。"
          "决算数大于年初预算数的主要原因是：调整预算增加了 {increase} 万元，用于医保信息系统运行维护。")


@pytest.mark.parametrize("increase,outcome", [("31.50", "pass"), ("31.05", "fail"), ("13.50", "fail")])
def test_stated_budget_increase_is_actual_less_budget(increase: str, outcome: str) -> None:
    [c] = of(audit(BUDGET.format(increase=increase)), "budget_increase")
    assert c.outcome == outcome
    assert c.lhs == pytest.approx(31.5) and str(c.rhs) == increase


# -- headcount_parts: 编制 N 名（parts in parentheses） ----------------------------------------------------
@pytest.mark.parametrize("career,outcome", [("18", "pass"), ("16", "fail")])
def test_parenthesised_headcount_parts_make_the_total(career: str, outcome: str) -> None:
    text = f"（三）人员情况\n本单位核定编制数28名（行政编制10名、事业编制{career}名），年末实有人员26人。"
    [c] = of(audit(text), "headcount_parts")
    assert c.outcome == outcome and c.rhs == 28


def test_a_parenthesis_that_lists_only_some_parts_is_incomplete_not_an_error() -> None:
    text = "（三）人员情况\n本单位在职人员26人（其中党员12人、女性10人），退休人员9人。"
    [c] = of(audit(text), "headcount_parts")
    assert c.outcome == "incomplete" and c.rhs == 26


# -- staff_in_post_parts: 在编在职 = 公务员 + 参公 + 事业 (retirees listed after are no part) ---------------
@pytest.mark.parametrize("career,outcome", [("25", "pass"), ("24", "fail")])
def test_staff_in_post_are_civil_servants_plus_reference_plus_institution_staff(career: str, outcome: str) -> None:
    text = f"截至年末，本单位在编在职人数42人，其中公务员6人、参公人员11人、事业人员{career}人，离休人员1人，退休人员9人。"
    [c] = of(audit(text), "staff_in_post_parts")
    assert c.outcome == outcome and c.rhs == 42


def test_staff_by_funding_type_is_a_partition() -> None:
    """全额/差额/自收自支 partition the staff: a type not named has none, so a shortfall is an error."""
    ok = of(audit("本单位在职职工 24 人，全额 20 人、差额 4 人。"), "staff_by_funding")
    short = of(audit("本单位在职职工 24 人，全额 18 人、差额 4 人。"), "staff_by_funding")
    assert [c.outcome for c in ok] == ["pass"] and [c.outcome for c in short] == ["fail"]


# -- heading_codes: a heading printed with a code of another level ----------------------------------------
def test_a_kuan_code_printed_with_the_name_of_its_lei_is_a_finding() -> None:
    text = "卫生健康支出（21011）：主要用于机关事业单位职工医疗费用，支出决算为12.30万元。"
    [c] = of(audit(text, 2021), "heading_level_mismatch")
    assert c.outcome == "fail" and c.family == "classification"
    assert c.facts[0].quote == "卫生健康支出（21011）"
    assert "210" in c.detail and "行政事业单位医疗" in c.detail


def test_a_heading_printed_with_its_own_code_passes() -> None:
    checks = audit("行政事业单位医疗（21011）：主要用于机关事业单位职工医疗费用，支出决算为12.30万元。", 2021)
    assert not of(checks, "heading_level_mismatch", "heading_code_mismatch")


def test_a_heading_valid_in_another_year_only_is_judged_by_the_fiscal_year() -> None:
    """医疗卫生与计划生育支出 is the 2014–2018 name of 210: printed with 21001 in 2018 it is still the 类's name."""
    [c] = of(audit("医疗卫生与计划生育支出（21001）：支出决算为5.60万元。", 2018), "heading_level_mismatch")
    assert "210" in c.detail and "(类)" in c.detail


# -- stray_punctuation: a comma between a cue and its figure ----------------------------------------------
def test_stray_punctuation_between_cue_and_figure_is_information() -> None:
    text = "（一）机关运行经费\n本年度机关运行经费支出决算为，16.20万元，比上年减少1.10万元。"
    [c] = of(audit(text), "stray_punctuation")
    assert c.values["found"] == "，" and "决算为，16.20万元" in c.facts[0].quote
    rows, _ = finding_rows([c], [], load_rules().explanations)
    assert rows[0]["severity"] == "info" and "多余的标点" in rows[0]["explanation_zh"]


def test_no_stray_punctuation_where_the_figure_follows_its_cue() -> None:
    assert not of(audit("（一）机关运行经费\n本年度机关运行经费支出决算为16.20万元，比上年减少1.10万元。"),
                  "stray_punctuation")


# -- typos: the genre's words with a mis-typed character (information; the quote keeps what was printed) ---
def test_a_mistyped_word_of_the_genre_is_information_with_the_word_meant() -> None:
    text = "一、部门职责\n负贵全县医疗保障基金监管，依法查处医疗保障领堿违法违规行为。"
    found = {c.values["found"]: c for c in of(audit(text), "typos")}
    assert set(found) == {"负贵", "领堿"}
    assert "负责" in found["负贵"].values["what_zh"] and found["负贵"].facts[0].value_text == "负贵"
    rows, _ = finding_rows(list(found.values()), [], load_rules().explanations)
    assert {r["severity"] for r in rows} == {"info"}


def test_the_words_meant_raise_nothing() -> None:
    assert not of(audit("一、部门职责\n负责全县医疗保障基金监管，依法查处医疗保障领域违法违规行为。"), "typos")


# -- item_without_amount: a numbered project list where one project has no amount ------------------------
PROJECTS = ("附件2\n项目支出绩效评价报告\n"
            "1. 医保信息系统运维经费12万元，用于系统运行维护，已全部完成。\n"
            "2. 基金监管专项检查经费{amount}，用于定点医药机构检查，已全部完成。\n"
            "3. 医保政策宣传经费5万元，用于多渠道宣传，已全部完成。\n"
            "二、评价结论\n")


def test_a_listed_project_without_an_amount_is_information() -> None:
    [c] = of(audit(PROJECTS.format(amount="")), "item_without_amount")
    assert c.values["found"] == "基金监管专项检查经费" and c.facts[0].line == 4 and c.severity == "info"


def test_a_list_whose_projects_all_print_amounts_raises_nothing() -> None:
    assert not of(audit(PROJECTS.format(amount="8万元")), "item_without_amount")


def test_a_numbered_list_of_prose_is_not_a_project_list() -> None:
    text = "（三）改进建议\n1. 加强预算编制工作经费管理，提高预算质量。\n2. 加大人员培训力度。\n"
    assert not of(audit(text), "item_without_amount")


# -- heading_labels: one heading under two labels is one figure ----------------------------------------
LABELS = ("（二）一般公共预算财政拨款支出决算情况\n"
          "2022 年度财政拨款支出 96.40 万元，主要用于以下方面：住房保障(类)支出 6.20 万元，占 6.43%。\n"
          "（五）部门整体支出绩效自评\n基本支出中，住房保障支出 {restated} 万元。\n")


@pytest.mark.parametrize("restated,outcome", [("6.20", "pass"), ("8.20", "fail")])
def test_a_heading_restated_under_a_longer_label_is_compared_with_itself(restated: str, outcome: str) -> None:
    same = [c for c in of(audit(LABELS.format(restated=restated), 2022), "same_figure_twice") if "(221)" in c.key]
    assert [c.outcome for c in same] == [outcome]


def test_heading_labels_are_data() -> None:
    labels = load_rules().heading_labels
    assert labels.normal("住房保障支出") == labels.normal("住房保障") == "住房保障"
    assert labels.normal("卫生与健康支出") == "卫生健康"
    assert labels.normal("其他支出") == "其他支出"   # too short to be a name without its ending


# -- general_budget_is_total: with no other income, the fiscal grants are the general-budget grants ------
SCOPE = ("一、收入决算情况\n2022年本年收入合计96.40万元，其中：一般公共预算财政拨款收入96.40万元，占100%。\n"
         "二、支出决算情况\n2022年一般公共预算财政拨款支出96.40万元，占本年支出合计的100%。\n"
         "三、财政拨款收入支出决算总体情况\n2022年度财政拨款支出{grant}万元。\n")


@pytest.mark.parametrize("grant,outcome", [("96.40", "pass"), ("96.04", "fail")])
def test_fiscal_grants_are_the_general_budget_grants_when_all_income_is_general_budget(grant: str, outcome: str) -> None:
    [c] = [c for c in of(audit(SCOPE.format(grant=grant), 2022), "general_budget_is_total")
           if "fiscal_grant_expenditure_total" in c.key]
    assert c.outcome == outcome


# -- parts_sum across subsections: （一）总体情况 states the total, （二）具体情况 its parts ------------------
THREE = ("七、“三公”经费财政拨款支出决算情况说明\n（一）“三公”经费财政拨款支出决算总体情况说明\n"
         "2022年“三公”经费财政拨款支出决算为{total}万元，完成预算60%。\n"
         "（二）“三公”经费财政拨款支出决算具体情况说明\n"
         "2022年“三公”经费财政拨款支出决算中，因公出国（境）费支出决算0万元，占0%；"
         "公务用车购置及运行维护费支出决算1.20万元，占40%；公务接待费支出决算1.80万元，占60%。\n")


@pytest.mark.parametrize("total,outcome", [("3.00", "pass"), ("3.60", "fail")])
def test_the_three_public_parts_in_the_next_subsection_make_the_total(total: str, outcome: str) -> None:
    assert outcomes_of(audit(THREE.format(total=total), 2022), "three_public_parts") == [outcome]


# -- grand_total_holds_the_spending: 总支出 … 其中：基本支出 … 项目支出 ----------------------------------
GRAND = "二、收入支出决算总体情况\n2023年决算总收入96.40万元，总支出96.40万元，其中：基本支出{basic}万元；项目支出20.10万元。\n"


@pytest.mark.parametrize("basic,outcome", [("76.30", "pass"), ("76.90", "fail"), ("70.30", "incomplete")])
def test_basic_and_project_never_exceed_the_grand_total(basic: str, outcome: str) -> None:
    """A shortfall may be an unstated carry-over (information); an excess is an error."""
    assert outcome in outcomes_of(audit(GRAND.format(basic=basic), 2023), "grand_total_holds_the_spending")


def outcomes_of(checks: list[Check], rule: str) -> list[str]:
    return [c.outcome for c in checks if c.rule == rule]


# -- identities with an unstated carry-over: it can close a shortfall, never an excess -------------------
IDENTITY = "一、收入支出决算总体情况\n2022年度收、支总计各{grand}万元。2022年本年收入合计96.40万元，其中：一般公共预算财政拨款收入96.40万元。\n"


@pytest.mark.parametrize("grand,outcome", [("96.40", "pass"), ("99.40", "incomplete"), ("96.10", "fail")])
def test_an_unstated_carryover_closes_only_a_shortfall(grand: str, outcome: str) -> None:
    assert outcomes_of(audit(IDENTITY.format(grand=grand), 2022), "grand_total_income_side") == [outcome]


# -- same_figure_twice on one line for the grand totals: 收入总计 … 支出总计 balance ---------------------
@pytest.mark.parametrize("spent,outcome", [("96.40", "pass"), ("94.60", "fail")])
def test_the_two_grand_totals_of_one_sentence_balance(spent: str, outcome: str) -> None:
    text = f"一、收入支出决算总体情况\n2022 年度收入总计 96.40 万元，支出总计 {spent} 万元。\n"
    same = [c for c in audit(text, 2022) if c.rule == "same_figure_twice" and c.key.startswith("grand_total:amount")]
    assert [c.outcome for c in same] == [outcome]


def test_one_figure_restated_wrongly_in_two_places_is_two_findings() -> None:
    text = ("一、收入支出决算总体情况\n2022 年度收入总计 96.40 万元，支出总计 94.60 万元。\n"
            "五、部门整体支出绩效自评\n2022 年总收入为 96.30 万元。\n")
    checks = [c for c in audit(text, 2022) if c.rule == "same_figure_twice" and c.outcome == "fail"]
    assert len(checks) == 2
    rows, finding_of = finding_rows(checks, [], load_rules().explanations)
    assert len(rows) == 2 and len(set(finding_of.values())) == 2


# -- a figure stated twice is tested at its more precise statement ---------------------------------------
REFINED = "二、支出决算情况\n2022年本年支出合计96.4万元，其中：基本支出76.33万元，项目支出20.10万元。\n"


def test_a_coarse_total_is_read_at_the_precision_of_its_restatement() -> None:
    alone = outcomes_of(audit(REFINED, 2022), "basic_plus_project")
    restated = outcomes_of(audit(REFINED + "五、部门整体支出绩效自评\n2022年本年支出合计96.40万元。\n", 2022), "basic_plus_project")
    assert alone == ["pass_within_rounding"]          # 96.43 against 96.4 ± 0.05
    assert "fail" in restated                          # 96.43 against 96.40 ± 0.005
    same = [c for c in audit(REFINED + "五、部门整体支出绩效自评\n2022年本年支出合计96.40万元。\n", 2022)
            if c.rule == "same_figure_twice" and c.key.startswith("expenditure_total:amount")]
    assert [c.outcome for c in same] == ["pass"]   # the two statements themselves agree


# -- shares_sum_to_100 within one breakdown ---------------------------------------------------------------
@pytest.mark.parametrize("pct,outcome", [("20.85", "pass"), ("20.80", "fail")])
def test_basic_and_project_shares_make_100_when_both_are_stated(pct: str, outcome: str) -> None:
    text = f"二、支出决算情况\n2022年本年支出合计96.40万元，其中：基本支出76.30万元，占79.15%；项目支出20.10万元，占{pct}%。\n"
    assert outcomes_of(audit(text, 2022), "shares_sum_to_100") == [outcome]


def test_shares_of_some_functional_classes_only_are_incomplete() -> None:
    text = ("三、一般公共预算财政拨款支出决算情况\n2022年一般公共预算财政拨款支出96.40万元，主要用于以下方面："
            "社会保障和就业支出6.20万元，占6.43%；卫生健康支出80.10万元，占83.09%。\n")
    assert outcomes_of(audit(text, 2022), "shares_sum_to_100") == ["incomplete"]
