"""The rule families on real sentences of the sources, and on the same sentences with an error injected.

Each test reads a passage exactly as printed in data/sources/, runs the extractor and the whole rule set on
it, and asserts what a careful auditor would say; then it changes one figure and asserts the verdict moves.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from juesuan.classification import load_classification
from juesuan.errors import JuesuanError
from juesuan.extract import default_lexicon, extract
from juesuan.paths import SOURCES
from juesuan.rules.context import Document
from juesuan.rules.engine import run
from juesuan.rules.findings import finding_rows, load_acks
from juesuan.rules.loader import RULES_YML, load_rules


def lines(doc_id: str, first: int, last: int) -> str:
    """Lines first..last (1-based) of a source, as printed."""
    return "\n".join((SOURCES / f"{doc_id}.txt").read_text(encoding="utf-8").split("\n")[first - 1: last])


def audit(text: str, year: int, kind: str = "部门决算"):
    facts = extract(text, "t", default_lexicon(), year)
    return run(facts, [Document("t", year, "e", text, "", kind)], load_classification(), load_rules())


def outcomes(checks, rule: str) -> list[str]:
    return [c.outcome for c in checks if c.rule == rule]


# -- loading -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("old,new,message", [
    ("parts: [expenditure_basic, expenditure_project]", "parts: [expenditure_basic, expenditure_projet]",
     "unknown metric 'expenditure_projet'"),
    ("    exhaustive: false\n", "    exhaustive: false\n    exhaustve: true\n", "exhaustve"),
    ("family: share\n", "family: shares\n", "unknown rule family 'shares'"),
    ("informational: [plausibility, text, disclosure]", "informational: [plausibility, texts, disclosure]",
     "unknown check family texts"),
])
def test_a_misspelt_rule_stops_at_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = RULES_YML.read_text(encoding="utf-8")
    if old not in text:   # make the edit applicable to this rule file
        text = text.replace("family: parts_sum\n", "family: parts_sum\n    exhaustive: false\n", 1)
    assert old in text
    bad = tmp_path / "rules.yml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    with pytest.raises(JuesuanError, match=re.escape(message)) as err:
        load_rules(bad)
    assert err.value.line is not None and abs(err.value.line - line) <= 4   # the instance's first line


def test_one_list_of_informational_families_feeds_the_gx_suite_and_the_bench() -> None:
    from juesuan.bench.rules import NOT_VERIFYING
    from juesuan.rules.gx_suites import integrity_suite

    fams = load_rules().check_families
    gx = " ".join(e["kwargs"]["unexpected_rows_query"] for e in integrity_suite()["expectations"])
    assert "family = 'parts_sum'" in gx and "family = 'classification'" in gx
    for fam in fams.informational:
        assert f"family = '{fam}'" not in gx          # never errors: no integrity expectation
        assert fam in NOT_VERIFYING
    assert "classification" in NOT_VERIFYING and "parts_sum" not in NOT_VERIFYING


def test_every_family_is_used_by_some_rule() -> None:
    from juesuan.rules.registry import FAMILIES

    assert {r.family for r in load_rules().instances} == set(FAMILIES)


# -- itemised and listed breakdowns --------------------------------------------------------------------------
def test_reception_items_persons_do_not_add_up_pingchang() -> None:
    text = lines("pingchang-2019", 74, 74)
    checks = audit(text, 2019)
    by_rule = {c.rule: c for c in checks}
    assert by_rule["reception_items_persons"].outcome == "fail"
    assert by_rule["reception_items_persons"].lhs == 59 and by_rule["reception_items_persons"].rhs == 54
    assert by_rule["reception_items_batches"].outcome == "pass" and by_rule["reception_items_amount"].outcome == "pass"
    fixed = audit(text.replace("54人次", "59人次"), 2019)
    assert outcomes(fixed, "reception_items_persons") == ["pass"]
    injected = audit(text.replace("0.13万元", "0.43万元"), 2019)
    assert outcomes(injected, "reception_items_amount") == ["fail"]


def test_staff_in_post_parts_unnamed_county() -> None:
    text = lines("unnamed-county-2023", 35, 35)
    assert outcomes(audit(text, 2023), "staff_in_post_parts") == ["fail"]
    assert outcomes(audit(text.replace("在编在职人数75人", "在编在职人数76人"), 2023), "staff_in_post_parts") == ["pass"]


def test_parenthesised_headcount_pingchang() -> None:
    text = lines("pingchang-2019", 30, 30)
    assert outcomes(audit(text, 2019), "headcount_parts") == ["pass"]
    assert outcomes(audit(text.replace("行政编制6名", "行政编制7名"), 2019), "headcount_parts") == ["fail"]
    partial = "在职人员30人（其中党员12人、女性10人）。"
    assert outcomes(audit(partial, 2019), "headcount_parts") == ["incomplete"]


# -- unit slip masking arithmetic, scopes that coincide ---------------------------------------------------
def test_unit_slip_masks_an_arithmetic_error_kaijiang() -> None:
    text = lines("kaijiang-2022", 39, 41)
    checks = audit(text, 2022)
    assert outcomes(checks, "personnel_plus_public") == ["fail"]
    corrected = next(c for c in checks if c.rule == "personnel_plus_public_unit_corrected")
    assert corrected.outcome == "fail" and str(corrected.lhs) == "127.72" and str(corrected.difference) == "-0.02"
    assert "118.44元" in corrected.detail
    # with the self-evaluation's 118.46 the slip is the only error left
    assert outcomes(audit(text.replace("118.44元", "118.46元"), 2022), "personnel_plus_public_unit_corrected") == ["pass"]


def test_general_budget_scope_coincides_kaijiang() -> None:
    text = "\n".join([lines("kaijiang-2022", 23, 25), lines("kaijiang-2022", 39, 39)])
    checks = audit(text, 2022)
    assert outcomes(checks, "general_budget_is_total") == ["fail"]
    assert outcomes(audit(text.replace("127.75", "127.74"), 2022), "general_budget_is_total") == ["pass"]


# -- completion rates and the budgets they imply ---------------------------------------------------------
def test_part_implies_a_larger_budget_than_its_whole_kaijiang() -> None:
    text = lines("kaijiang-2022", 44, 50)
    checks = audit(text, 2022)
    assert outcomes(checks, "implied_budget_part_within_whole") == ["fail"]
    assert outcomes(audit(text.replace("46.63%", "89.47%"), 2022), "implied_budget_part_within_whole") == ["pass"]


# -- classification ------------------------------------------------------------------------------------------
def test_code_printed_with_the_name_of_another_level_dachuan() -> None:
    text = lines("dachuan-2018", 49, 49)
    checks = audit(text, 2018)
    assert [c.key.split("@")[0] for c in checks if c.rule == "heading_level_mismatch"] == ["21001"]
    fixed = text.replace("医疗卫生与计划生育支出（21001）", "医疗卫生与计划生育管理事务（21001）")
    assert outcomes(audit(fixed, 2018), "heading_level_mismatch") == []


def test_code_printed_with_another_codes_name_dachuan() -> None:
    text = lines("dachuan-2018", 48, 48)
    assert [c.outcome for c in audit(text, 2018) if c.rule == "heading_code_mismatch"] == ["fail"]
    assert outcomes(audit(text.replace("（2080102）", "（2080109）"), 2018), "heading_code_mismatch") == []


# -- text quality --------------------------------------------------------------------------------------------
def test_stray_comma_between_cue_and_figure_kaijiang() -> None:
    text = lines("kaijiang-2022", 37, 37)
    checks = audit(text, 2022)
    stray = [c for c in checks if c.rule == "stray_punctuation"]
    assert len(stray) == 1 and stray[0].severity == "info" and stray[0].facts[0].quote.count("为,8.64") == 1
    assert not [c for c in audit(text.replace("为,8.64", "为8.64"), 2022) if c.rule == "stray_punctuation"]


def test_doubled_words_but_not_rhetoric() -> None:
    checks = audit(lines("kaijiang-2022", 110, 110) + "\n" + lines("pingchang-2019", 74, 74), 2022)
    found = sorted(c.values["found"] for c in checks if c.rule == "doubled_word")
    assert set(found) == {"预算预算", "具体内容包括：具体内容包括"} and len(found) == 2
    # 资金来源为财政资金，资金管理制度健全: a word repeated after a comma is not a typo
    assert not [c for c in audit(lines("dachuan-2018", 287, 287), 2018) if c.rule == "doubled_word"]


@pytest.mark.parametrize("date,flagged", [("2019年2月30日", True), ("2021年13月", True), ("2025年1月5日", True),
                                          ("2020年7月23日", False), ("2025年", False)])
def test_impossible_dates(date: str, flagged: bool) -> None:
    checks = audit(f"本报告于{date}发布。", 2019)
    assert bool([c for c in checks if c.rule == "impossible_date"]) is flagged


# -- restated figures -------------------------------------------------------------------------------------
def test_restated_with_another_last_digit() -> None:
    text = ("2021年本年收入合计7940.39万元，比去年减少36680.54万元，下降82.2%。\n"
            "2021年总收入为7940.39万元，比去年减少36680.53万元，下降了82.2%。")
    checks = audit(text, 2021)
    assert outcomes(checks, "change_amount_restated") == ["fail"]
    assert outcomes(audit(text.replace("36680.53", "36680.54"), 2021), "change_amount_restated") == []


# -- disclosures ---------------------------------------------------------------------------------------------
def test_missing_template_section_is_information() -> None:
    text = lines("pingchang-2019", 34, 104)
    checks = [c for c in audit(text, 2019) if c.rule == "disclosures"]
    missing = {c.key for c in checks if c.outcome == "incomplete"}
    assert "tables" in missing and "three_public" not in missing and "glossary" not in missing
    assert not [c for c in audit(text.replace("名词解释", "术语"), 2019, kind="部门整体支出绩效自评报告") if c.rule == "disclosures"]
    assert "glossary" in {c.key for c in audit(text.replace("名词解释", "术语"), 2019) if c.outcome == "incomplete"}


# -- findings ------------------------------------------------------------------------------------------------
def test_one_finding_per_cause_and_chinese_explanations() -> None:
    text = lines("kaijiang-2022", 20, 27)
    checks = audit(text, 2022)
    rows, finding_of = finding_rows(checks, [], load_rules().explanations)
    pct = [c for c in checks if c.rule == "change_amount_vs_percent" and c.outcome == "fail"]
    # the repeated 收、支总计 sentence read under two metrics is one finding per printed number
    assert len({finding_of[c.check_id] for c in pct}) == len({c.facts[0].value_start for c in pct})
    for r in rows:
        assert not re.search(r"[A-Za-z]", r["explanation_zh"]), r["explanation_zh"]
        if r["unit"] == "万元" and r["family"] != "text":
            assert "万元" in r["explanation_en"]


def test_published_findings_are_acknowledged_with_checkable_reasons() -> None:
    import csv

    from juesuan.paths import DATA

    rows = list(csv.DictReader(open(DATA / "findings.csv", encoding="utf-8")))
    errors = [r for r in rows if r["severity"] == "error"]
    assert errors and all(r["acknowledged"] == "true" for r in errors)
    assert all(re.search(r"\d", a.reason) for a in load_acks())   # a reason quotes the figures it is about
    assert {r["severity"] for r in rows} == {"error", "warning", "info"}
    assert not [r["finding_id"] for r in rows if re.search(r"[A-Za-z]", r["explanation_zh"])]   # wholly Chinese


CITED_LINES = re.compile(r"\b[Ll]ines? (\d+(?:\s*(?:,|and|-|–)\s*\d+)*)")


def test_every_acknowledgement_quotes_the_lines_it_cites() -> None:
    """A reader checks an acknowledgement against the source: it starts with the line(s) it is about, and
    every line or passage (39-41) it cites holds a figure or phrase the reason quotes."""
    wrong = []
    for a in load_acks():
        lines = (SOURCES / f"{a.doc_id}.txt").read_text(encoding="utf-8").split("\n")
        if not CITED_LINES.match(a.reason):
            wrong.append((a.line, "does not start with the line it is about"))
        quoted = set(re.findall(r"\d+\.\d+|\d+(?:万元|万|元|人|%)|[\u4e00-\u9fff]{3,}", a.reason))
        for m in CITED_LINES.finditer(a.reason):
            for part in re.split(r"\s*(?:,|and)\s*", m.group(1)):
                lo, _, hi = re.sub(r"\s", "", part).replace("–", "-").partition("-")
                passage = "\n".join(lines[int(lo) - 1:int(hi or lo)])
                if not any(q in passage for q in quoted):
                    wrong.append((a.line, f"line {part} quotes nothing of the reason"))
    assert wrong == []


def test_disagreements_view_respects_rounding(built) -> None:
    import sqlite3

    con = sqlite3.connect(built["sqlite"])
    rows = con.execute("SELECT value_a, value_b, difference, tolerance FROM disagreements").fetchall()
    assert rows
    assert all(a != b for a, b, _, _ in rows)
    pairs = {frozenset((a, b)) for a, b, _, _ in rows}
    # printed to different precision, these agree within rounding: not disagreements
    assert frozenset((7822.51, 7822.5)) not in pairs and frozenset((1.0, 0.97)) not in pairs


def test_figures_without_unit_each_occurrence() -> None:
    text = lines("dachuan-2018", 44, 44) + "\n" + lines("heshan-2021", 175, 175)
    found = sorted(c.values["found"] for c in audit(text, 2021) if c.rule == "figure_without_unit")
    assert found == ["30.59", "543.37"]
    fixed = text.replace("543.37，", "543.37万元，").replace("30.59 相比", "30.59 万元相比")
    assert not [c for c in audit(fixed, 2021) if c.rule == "figure_without_unit"]


def test_unusual_number_of_decimals_kaijiang() -> None:
    text = lines("kaijiang-2022", 20, 60)
    found = [c.values["found"] for c in audit(text, 2022) if c.rule == "unusual_decimals"]
    assert found == ["180.399万元"]
    assert not [c for c in audit(text.replace("180.399", "180.39"), 2022) if c.rule == "unusual_decimals"]


def test_validate_gate_fails_only_on_an_unacknowledged_error(tmp_path: Path) -> None:
    from juesuan.rules.findings import ACK_CSV, gate
    from juesuan.validate import published_checks

    checks = published_checks()
    assert gate(checks, load_acks()) == []
    rows = ACK_CSV.read_text(encoding="utf-8").split("\n")
    dropped = next(i for i, r in enumerate(rows) if r.startswith("pingchang-2019,reception_items_persons"))
    fewer = tmp_path / "acknowledged.csv"
    fewer.write_text("\n".join(rows[:dropped] + rows[dropped + 1:]), encoding="utf-8")
    problems = gate(checks, load_acks(fewer))
    assert len(problems) == 1 and "UNEXPLAINED" in problems[0] and "59人次" in problems[0]
    # warnings and information never need an acknowledgement: failing warning checks exist, the gate passed above
    assert [c for c in checks if c.outcome == "fail" and c.severity == "warning"]


def test_text_rules_read_traditional_script_and_full_width_forms() -> None:
    """The same passage in traditional characters: the text rules match the normalised view and
    quote the original characters at the same offsets."""
    import opencc

    text = opencc.OpenCC("s2t").convert(lines("pingchang-2019", 74, 74))
    checks = audit(text, 2019)
    persons = next(c for c in checks if c.rule == "reception_items_persons")
    assert persons.outcome == "fail" and persons.lhs == 59
    assert all(text[f.char_start:f.char_end] == f.quote for f in persons.facts)
    assert "萬元" in next(c for c in checks if c.rule == "reception_items_amount").facts[0].quote


def test_a_class_the_classification_does_not_know_leaves_the_class_list_incomplete() -> None:
    text = lines("pingchang-2019", 49, 49)
    assert outcomes(audit(text, 2019), "classes_to_total") == ["pass"]
    unknown = text.replace("农林水支出4.8万元", "城乡社区支出4.8万元")
    assert outcomes(audit(unknown, 2019), "classes_to_total") == ["incomplete"]
    assert outcomes(audit(text.replace("431.57万元", "481.57万元"), 2019), "classes_to_total") == ["fail"]


def test_a_share_printed_in_the_text_against_a_named_total_heshan() -> None:
    text = "\n".join([lines("heshan-2021", 83, 85), lines("heshan-2021", 337, 337)])
    checks = [c for c in audit(text, 2021) if c.rule == "text_share"]
    assert [(str(c.rhs), c.outcome) for c in checks] == [("0.09", "fail")]
    assert [c.outcome for c in audit(text.replace("0.09%", "0.98%"), 2021) if c.rule == "text_share"] == ["pass"]


def test_the_same_change_amount_with_another_last_digit_in_the_text_heshan() -> None:
    text = "\n".join([lines("heshan-2021", 77, 77), lines("heshan-2021", 329, 329)])
    checks = [c for c in audit(text, 2021) if c.rule == "change_amount_restated_text"]
    assert [(str(c.lhs), str(c.rhs)) for c in checks] == [("36680.54", "36680.53")]
    assert not [c for c in audit(text.replace("36680.53", "36680.54"), 2021) if c.rule == "change_amount_restated_text"]


def test_one_label_two_amounts_heshan() -> None:
    text = "\n".join([lines("heshan-2021", 129, 131), lines("heshan-2021", 331, 331)])
    checks = [c for c in audit(text, 2021) if c.rule == "label_conflict_text"]
    assert [(str(c.lhs), str(c.rhs), c.outcome) for c in checks] == [("406.37", "505.42", "fail")]
    assert not [c for c in audit(text.replace("行政运行支出是 505.42", "行政运行支出是 406.37"), 2021)
                if c.rule == "label_conflict_text"]


def test_office_cost_and_public_cost_one_digit_apart_is_a_warning_pingchang() -> None:
    text = "\n".join([lines("pingchang-2019", 61, 64), lines("pingchang-2019", 81, 82)])
    checks = [c for c in audit(text, 2019) if c.rule == "office_cost_vs_public_cost"]
    assert [(c.outcome, c.severity, str(c.lhs), str(c.rhs)) for c in checks] == [("fail", "warning", "137.57", "137.56")]
    assert not [c for c in audit(text.replace("137.56", "137.57"), 2019) if c.rule == "office_cost_vs_public_cost"]


def test_stated_budget_increase_is_actual_less_budget_heshan() -> None:
    text = lines("heshan-2021", 129, 131)
    assert outcomes(audit(text, 2021), "budget_increase") == ["pass"]
    assert outcomes(audit(text.replace("406.37", "408.37"), 2021), "budget_increase") == ["fail"]
