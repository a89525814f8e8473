"""The genre's phrasings, one sentence each. Most sentences are written here
in the style of the genre (not copied from the five sources), so the
extractor is tested on text it has never seen."""
from __future__ import annotations

from decimal import Decimal

import pytest

from juesuan.extract import extract


def facts_of(text, lex, year=2022):
    return [(f.metric, f.measure, f.value, f.unit) for f in extract(text, "t", lex, year)]


CASES = [
    # (text, expected (metric, measure, value, unit) facts — a subset that must be present)
    ("2020年本年收入合计356.71万元，其中：一般公共预算财政拨款收入356.71万元，占100%。",
     [("income_total", "amount", "356.71", "万元"), ("income_general_budget_grant", "amount", "356.71", "万元"),
      ("income_general_budget_grant", "share_pct", "100", "%")]),
    ("2020年本年支出合计356.71万元，其中：基本支出300.5万元，占84.24%；项目支出56.21万元，占15.76%。",
     [("expenditure_basic", "amount", "300.5", "万元"), ("expenditure_basic", "share_pct", "84.24", "%"),
      ("expenditure_project", "amount", "56.21", "万元"), ("expenditure_project", "share_pct", "15.76", "%")]),
    # spaces between number and unit (PDF conversion)
    ("本年收入合计 7 940.39 万元。".replace("7 940", "7940"), [("income_total", "amount", "7940.39", "万元")]),
    # full-width digits and punctuation
    ("２０２１年本年支出合计１２３．４５万元，其中：基本支出１００万元。",
     [("expenditure_total", "amount", "123.45", "万元"), ("expenditure_basic", "amount", "100", "万元")]),
    # traditional characters
    ("本年支出合計88.8萬元，其中：基本支出80萬元，項目支出8.8萬元。",
     [("expenditure_total", "amount", "88.8", "万元"), ("expenditure_project", "amount", "8.8", "万元")]),
    ("人員經費66.1萬元，公用經費12.3萬元。",
     [("basic_personnel", "amount", "66.1", "万元"), ("basic_public", "amount", "12.3", "万元")]),
    # docx residue
    ("[bookmark: _Toc15396600][bookmark: _Toc1]2020年机关运行经费支出12.5万元。",
     [("office_operation_cost", "amount", "12.5", "万元")]),
    # thousands separators and 亿元
    ("2020年度收、支总计各1,234.56万元。", [("grand_total", "amount", "1234.56", "万元")]),
    ("本年收入合计1.2亿元。", [("income_total", "amount", "1.2", "亿元")]),
    # 各减少 applying to two totals, with the compared year and a percentage
    ("2021年财政拨款收、支总计各300万元。与2020年相比，财政拨款收、支总计各减少20万元，下降6.25%。",
     [("fiscal_grant_income_total", "amount", "300", "万元"), ("fiscal_grant_expenditure_total", "amount", "300", "万元"),
      ("fiscal_grant_income_total", "change_amount", "-20", "万元"), ("fiscal_grant_expenditure_total", "change_pct", "-6.25", "%")]),
    # increase, completion, 三公 with parts
    ("2021年“三公”经费财政拨款支出决算为1.2万元，完成预算60%。",
     [("three_public_total", "amount", "1.2", "万元"), ("three_public_total", "completion_pct", "60", "%")]),
    ("公务接待费支出决算比2020年增加0.3万元，增长33.33%。",
     [("reception", "change_amount", "0.3", "万元"), ("reception", "change_pct", "33.33", "%")]),
    ("国内公务接待5批次，40人次（不包括陪同人员），共计支出0.8万元。",
     [("reception_batches", "count", "5", "批次"), ("reception_persons", "count", "40", "人次")]),
    # budget, adjusted budget, actual in one sentence
    ("公务接待费支出预算为2万元，调整预算数为1.5万元，支出决算为1.2万元，完成预算的60%。",
     [("reception", "budget", "2", "万元"), ("reception", "budget_adjusted", "1.5", "万元"),
      ("reception", "amount", "1.2", "万元"), ("reception", "completion_pct", "60", "%")]),
    # line break between number and unit, and inside a sentence (PDF)
    ("2021年部门决算收入是 512.3 万元，财政拨款收入 500 万元，其他收入是卫健局拨入的工作经费，合计如上所述的全部资金来源 12.3\n\n万元。",
     [("income_total", "amount", "512.3", "万元"), ("fiscal_grant_income_total", "amount", "500", "万元")]),
    # functional headings with codes and with markers
    ("1.社会保障和就业（208）行政事业单位养老支出（20805）机关事业单位基本养老保险缴费支出（2080505）：支出决算为20.5万元，完成预算100%。",
     [("function_expenditure", "amount", "20.5", "万元"), ("function_expenditure", "completion_pct", "100", "%")]),
    # counts: staff and insured persons
    ("本单位编制人数12人，年末在职职工15人，退休人员3人。",
     [("staff_authorized", "count", "12", "人"), ("staff_actual", "count", "15", "人"), ("retirees", "count", "3", "人")]),
    ("2022年城乡居民参保人数达56.7万人。", [("insured_persons_resident", "count", "56.7", "万人")]),
    # assets
    ("年末资产总额100万元，负债总额20万元，净资产80万元。",
     [("assets_total", "amount", "100", "万元"), ("liabilities_total", "amount", "20", "万元"), ("net_assets", "amount", "80", "万元")]),
    # flat: 持平 gives a zero change
    ("因公出国（境）费支出决算与2020年持平，公务用车运行维护费支出决算比2020年持平0万元。",
     [("vehicle_operation", "change_amount", "0", "万元")]),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:18] for c in CASES])
def test_phrasing(text, expected, lex):
    got = facts_of(text, lex)
    for metric, measure, value, unit in expected:
        assert (metric, measure, Decimal(value), unit) in got, f"missing {metric}/{measure}={value}{unit} in {got}"


@pytest.mark.parametrize("text,expected", [
    ("2021年个人缴费标准由280元提高到320元。", []),                     # no metric named
    ("主要原因是人员增加，比上年增加15.2万元。", []),                   # a reason clause
    ("全县基金征收达5.8亿元，住院总费用10703万元。", []),                # figures outside the vocabulary
    ("2023年决算总收入1134.78万元，较预算增加157.17万元。",              # a change against the budget, not a year
     [("grand_total", "amount", Decimal("1134.78"), "万元"),
      ("grand_total", "budget_diff_amount", Decimal("157.17"), "万元")]),
    ("第1部分 2021年度部门决算 第3页", []),
])
def test_no_false_figures(text, expected, lex):
    assert facts_of(text, lex) == expected


def test_unit_missing_is_flagged_not_rescaled(lex):
    facts = extract("2020年一般公共预算支出决算数为543.37，完成预算100%。", "t", lex, 2020)
    f = next(f for f in facts if f.measure == "amount")
    assert f.unit == "" and f.value_wan is None and "unit_missing" in f.flags


def test_yuan_inside_wan_paragraph_is_suspect(lex):
    text = ("2022年一般公共预算财政拨款基本支出127.74万元，其中：\n人员经费118.44元，主要包括基本工资。\n"
            "公用经费9.28万元，主要包括办公费。")
    facts = extract(text, "t", lex, 2022)
    p = next(f for f in facts if f.metric == "basic_personnel")
    assert p.unit == "元" and p.value == Decimal("118.44") and p.value_wan == Decimal("0.011844")
    assert any(fl.startswith("unit_suspect") for fl in p.flags)
    assert not any(fl.startswith("unit_suspect") for fl in next(f for f in facts if f.metric == "basic_public").flags)


def test_stray_character_is_read_and_flagged(lex):
    f = next(iter(extract("2021年本年支出合计488.8. 万元。", "t", lex, 2021)))
    assert f.value == Decimal("488.8") and "stray_character" in f.flags


def test_template_residue_sign_unresolved(lex):
    facts = extract("机关运行经费支出12万元，比2020年增加(减少)2万元。", "t", lex, 2021)
    ch = next(f for f in facts if f.measure == "change_amount")
    assert ch.value == Decimal("2") and "sign_unresolved" in ch.flags


def test_share_base_from_breakdown_head(lex):
    facts = extract("2019年一般公共预算财政拨款支出100万元，主要用于以下方面:社会保障和就业（类）支出60万元，占60%；卫生健康支出40万元，占40%。", "t", lex, 2019)
    shares = [f for f in facts if f.measure == "share_pct"]
    assert [f.base_metric for f in shares] == ["general_budget_expenditure"] * 2
    assert {f.function_code for f in facts if f.metric == "function_expenditure"} == {"208", "210"}


def test_same_figure_twice_kept_twice(lex):
    text = "本年收入合计50万元。\n\n附件\n本年收入合计50万元。"
    facts = [f for f in extract(text, "t", lex, 2020) if f.metric == "income_total"]
    assert len(facts) == 2 and facts[0].char_start != facts[1].char_start


def test_heading_line_then_figures(lex):
    text = ("1. 卫生健康支出(类)医疗救助(款)城乡医疗救助(项)。\n\n预算批复数为 10 万元，决算支出数据为 12.5 万元。")
    facts = extract(text, "t", lex, 2021)
    got = {(f.measure, f.value, f.function_name) for f in facts}
    assert ("budget", Decimal("10"), "城乡医疗救助") in got and ("amount", Decimal("12.5"), "城乡医疗救助") in got


def test_one_unit_shared_by_two_numbers(lex):
    facts = extract("2020年度收、支总计各是356.2、350.1万元。", "t", lex, 2020)
    assert [(f.metric, f.value, f.unit) for f in facts] == [
        ("grand_total", Decimal("356.2"), "万元"), ("grand_total", Decimal("350.1"), "万元")]


def test_pdf_break_after_decimal_point(lex):
    text = "2021 年度本年收入合计 7940.\n39 万元，其中：其他收入 50 万元，占 0.6%。"
    facts = extract(text, "t", lex, 2021)
    f = next(f for f in facts if f.metric == "income_total")
    assert f.value == Decimal("7940.39") and text[f.value_start:f.value_end] == "7940.\n39"


def test_heading_styles_become_sections(lex):
    from juesuan.extract.text import normalise, sentences

    text = ("第二部分 2021年度部门决算情况说明\n一、收入支出决算总体情况说明\n（二）结构情况\n1、具体情况\n"
            "(3) 细项\n本年收入合计10万元。\n9、 其他事项\n机关运行经费支出2万元。\n")
    sents = sentences(normalise(text, lex), lex)
    body = [s for s in sents if "万元" in text[s.start:s.end]]
    assert body[0].section == ("第二部分2021年度部门决算情况说明", "一、收入支出决算总体情况说明", "(二)结构情况", "1、具体情况", "(3)细项")
    assert body[1].section[-1] == "9、其他事项"
