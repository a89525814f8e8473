"""The phrasing families of issue 9, one test per family, each asserting the
EXACT facts (metric, measure, value, unit) a sentence yields — no more, no
fewer. Sentences are real ones from data/sources/*.txt (read from the file,
by line) and sentences written here in the 部门决算公开 template's phrasing,
in simplified and traditional characters, with PDF-style line breaks."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from juesuan.extract import extract

SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources"


def exact(text: str, lex, year: int = 2021) -> list[tuple[str, str, Decimal, str]]:
    return [(f.metric, f.measure, f.value, f.unit) for f in extract(text, "t", lex, year)]


def F(metric: str, measure: str, value: str, unit: str) -> tuple[str, str, Decimal, str]:
    return (metric, measure, Decimal(value), unit)


def source_line(doc: str, line: int) -> str:
    return (SOURCES / f"{doc}.txt").read_text(encoding="utf-8").split("\n")[line - 1]


# -- family 1: traditional characters and conversion residue ---------------

def test_traditional_with_pinyin_residue_and_mojibake(lex):
    text = ("2020年度本年收入合計3,210.50萬元，其中：一般公共預算財政撥款收入3,000.00萬元，佔93.44%；"
            "事業收入210.50萬元，佔6.56%。衛(wèi)生健康支出(類)300萬元錕斤拷。")
    assert exact(text, lex, 2020) == [
        F("income_total", "amount", "3210.50", "万元"),
        F("income_general_budget_grant", "amount", "3000.00", "万元"),
        F("income_general_budget_grant", "share_pct", "93.44", "%"),
        F("income_business", "amount", "210.50", "万元"),
        F("income_business", "share_pct", "6.56", "%"),
        F("function_expenditure", "amount", "300", "万元"),
    ]
    # the unit is read in its simplified form; the quote keeps the printed one
    assert extract(text, "t", lex, 2020)[0].quote == "2020年度本年收入合計3,210.50萬元"


def test_quotes_stay_original_after_conversion(lex):
    text = "公務(wù)接待費支出決算1.2萬元，較上年減(jiǎn)少0.3萬元。"
    facts = extract(text, "t", lex, 2021)
    assert [(f.metric, f.measure, f.value) for f in facts] == [
        ("reception", "amount", Decimal("1.2")), ("reception", "change_amount", Decimal("-0.3"))]
    f = facts[0]
    assert f.quote == text[f.char_start:f.char_end] and "(wù)" in f.quote
    assert text[f.value_start:f.value_end] == "1.2"


# -- family 2: hard line breaks of PDF conversion ---------------------------

def test_pdf_breaks_inside_words_numbers_and_percent(lex):
    # a page 34 characters wide, as pdftotext leaves it, then a number one digit per line
    text = ("按照部门决算公开要求，现将本部门2021年度本年收\n入合计情况说明如下：本年收入合计1 846.72万元，比上年减少1\n"
            "21.30万元，下降\n6.16%，主要原因是上年一次性安排的防汛\n资金本年未再安排。\n\n本年支出合计\n7\n9\n4\n0\n.\n3\n9\n万元。")
    facts = extract(text, "t", lex, 2021)
    assert [(f.metric, f.measure, f.value, f.unit) for f in facts] == [
        F("income_total", "amount", "1846.72", "万元"),
        F("income_total", "change_amount", "-121.30", "万元"),
        F("income_total", "change_pct", "-6.16", "%"),
        F("expenditure_total", "amount", "7940.39", "万元"),
    ]
    assert text[facts[1].value_start:facts[1].value_end] == "1\n21.30"


def test_one_value_per_line_and_a_breakdown_opening_its_sentence(lex):
    text = ("三、支出决算情况说明\n2021年度本年支出合计\n1,846.72\n万元。其中：基本支出\n1,200.00\n万元，占\n64.98\n%。\n"
            "单位：万元\n项目\n决算数\n公务接待费\n3.50\n2.20\n")
    table = text.index("单位")
    facts = [f for f in extract(text, "t", lex, 2021) if f.value_start < table]   # the table below is the table reader's
    assert [(f.metric, f.measure, f.value, f.base_metric) for f in facts] == [
        ("expenditure_total", "amount", Decimal("1846.72"), ""),
        ("expenditure_basic", "amount", Decimal("1200.00"), ""),
        ("expenditure_basic", "share_pct", Decimal("64.98"), "expenditure_total"),
    ]


def test_table_cells_on_separate_lines_do_not_fuse(lex):
    text = "项目\n决算数\n基本支出\n47.2\n47.2\n"
    assert all(f.value != Decimal("47247.2") for f in extract(text, "t", lex, 2021))


# -- family 3: scopes of the totals ----------------------------------------

def test_scopes_of_totals(lex):
    text = ("2021年度总收入1908.90万元，其中本年收入1846.72万元；总支出1908.90万元，其中本年支出1870.55万元。"
            "2021年度财政拨款收入总计1800万元，财政拨款支出总计1790万元。"
            "一般公共预算财政拨款支出1790万元，占本年支出合计的95.69%。")
    assert exact(text, lex) == [
        F("grand_total", "amount", "1908.90", "万元"),
        F("income_total", "amount", "1846.72", "万元"),
        F("grand_total", "amount", "1908.90", "万元"),
        F("expenditure_total", "amount", "1870.55", "万元"),
        F("fiscal_grant_income_total", "amount", "1800", "万元"),
        F("fiscal_grant_expenditure_total", "amount", "1790", "万元"),
        F("general_budget_expenditure", "amount", "1790", "万元"),
        F("general_budget_expenditure", "share_pct", "95.69", "%"),
    ]


def test_scopes_on_a_real_sentence(lex):
    assert exact(source_line("kaijiang-2022", 23), lex, 2022) == [
        F("income_total", "amount", "174.94", "万元"),
        F("income_general_budget_grant", "amount", "174.94", "万元"),
        F("income_general_budget_grant", "share_pct", "100", "%"),
    ]


# -- family 4: distributive lists -------------------------------------------

def test_distributive_lists(lex):
    text = ("2021年度本年收入、支出合计各是1846.72、1870.55万元，与上年相比各减少121.30、92.15万元，各下降6.16%、4.70%。"
            "2021年度財政撥款收入、支出分別為3120.50萬元、3180.50萬元。"
            "政府性基金预算财政拨款收入、支出均为0万元。")
    assert exact(text, lex) == [
        F("income_total", "amount", "1846.72", "万元"),
        F("expenditure_total", "amount", "1870.55", "万元"),
        F("income_total", "change_amount", "-121.30", "万元"),
        F("expenditure_total", "change_amount", "-92.15", "万元"),
        F("income_total", "change_pct", "-6.16", "%"),
        F("expenditure_total", "change_pct", "-4.70", "%"),
        F("fiscal_grant_income_total", "amount", "3120.50", "万元"),
        F("fiscal_grant_expenditure_total", "amount", "3180.50", "万元"),
        F("gov_fund_expenditure", "amount", "0", "万元"),      # one span: both sides, by metric id
        F("income_gov_fund_grant", "amount", "0", "万元"),
    ]


def test_a_figure_after_a_list_without_each_is_not_split(lex):
    # 'A、B比上年减少X': X is the two together, neither A's nor B's
    assert exact("社会保障和就业支出、卫生健康支出比2021年减少16.41万元。", lex, 2022) == []


def test_distributive_on_a_real_sentence(lex):
    assert exact(source_line("kaijiang-2022", 21).split("主要变动原因")[0], lex, 2022) == [
        F("grand_total", "amount", "349.88", "万元"),
        F("grand_total", "change_amount", "-15.24", "万元"),
        F("grand_total", "change_pct", "-8.01", "%"),
    ]


# -- family 5: year-over-year in all its phrasings --------------------------

@pytest.mark.parametrize("text,expected", [
    ("本年支出合计500万元，较2020年增加50万元，增长11.11%。",
     [F("expenditure_total", "amount", "500", "万元"), F("expenditure_total", "change_amount", "50", "万元"),
      F("expenditure_total", "change_pct", "11.11", "%")]),
    ("本年支出合计500万元，同比下降5%，减少26.3万元。",
     [F("expenditure_total", "amount", "500", "万元"), F("expenditure_total", "change_pct", "-5", "%"),
      F("expenditure_total", "change_amount", "-26.3", "万元")]),
    ("本年收入合计500万元，与2020年决算数相比上升10.43%，增加47.25万元。",
     [F("income_total", "amount", "500", "万元"), F("income_total", "change_pct", "10.43", "%"),
      F("income_total", "change_amount", "47.25", "万元")]),
    ("本年收入合计500万元。比上年度降低2.5%。",
     [F("income_total", "amount", "500", "万元"), F("income_total", "change_pct", "-2.5", "%")]),
    ("機關運行經費支出114.82萬元，較上年度基本持平，增長0.21%。",
     [F("office_operation_cost", "amount", "114.82", "万元"), F("office_operation_cost", "change_pct", "0.21", "%")]),
    ("本年收入合计500万元，与上年持平。", [F("income_total", "amount", "500", "万元")]),
    ("本年收入合计500万元，增长-5.2%。",
     [F("income_total", "amount", "500", "万元"), F("income_total", "change_pct", "-5.2", "%")]),
])
def test_year_over_year(text, expected, lex):
    assert exact(text, lex) == expected


def test_year_over_year_compared_year(lex):
    facts = extract("本年收入合计500万元，与2019年度相比增加5万元。本年支出合计400万元，比上年减少4万元。", "t", lex, 2021)
    assert [(f.measure, f.compared_year) for f in facts if f.measure.startswith("change")] == [
        ("change_amount", 2019), ("change_amount", 2020)]


def test_year_over_year_on_a_real_sentence(lex):
    text = source_line("heshan-2021", 77).split("主要原因")[0]
    assert exact(text, lex) == [
        F("grand_total", "amount", "7940.39", "万元"),
        F("grand_total", "change_pct", "-82.2", "%"),
    ]


# -- family 6: comparisons with the budget ---------------------------------

def test_comparisons_with_the_budget(lex):
    text = ("1.教育支出（类）普通教育（款）高中教育（项）（2050204）：年初预算为2380.00万元，支出决算为2456.70万元，"
            "完成年初预算的103.22%。决算数大于预算数76.70万元，主要原因是年中追加资金。"
            "2.住房保障支出（类）住房改革支出（款）住房公积金（项）：年初预算为270.00万元，支出决算为268.40万元，"
            "比预算减少1.60万元，减少0.59%。")
    facts = extract(text, "t", lex, 2021)
    assert [(f.measure, f.value, f.unit, f.function_code) for f in facts] == [
        ("budget", Decimal("2380.00"), "万元", "2050204"),
        ("amount", Decimal("2456.70"), "万元", "2050204"),
        ("completion_pct", Decimal("103.22"), "%", "2050204"),
        ("budget_diff_amount", Decimal("76.70"), "万元", "2050204"),
        ("budget", Decimal("270.00"), "万元", "2210201"),
        ("amount", Decimal("268.40"), "万元", "2210201"),
        ("budget_diff_amount", Decimal("-1.60"), "万元", "2210201"),
        ("budget_diff_pct", Decimal("-0.59"), "%", "2210201"),
    ]
    assert all(f.compared_year is None for f in facts)


def test_budget_comparison_on_a_real_sentence(lex):
    assert exact(source_line("unnamed-county-2023", 45).split("，总支出")[0], lex, 2023) == [
        F("grand_total", "amount", "1134.78", "万元"),         # 决算总收入: carry-overs included
        F("grand_total", "budget_diff_amount", "157.17", "万元"),
    ]


# -- family 7: income sources and spending kinds with shares ----------------

def test_income_sources_and_spending_kinds(lex):
    text = ("本年收入合计500万元，其中：一般公共预算财政拨款收入400万元，占80%；政府性基金预算财政拨款收入20万元，占4%；"
            "国有资本经营预算财政拨款收入0万元，占0%；上级补助收入10万元，占2%；事业收入30万元，占6%；经营收入5万元，占1%；"
            "附属单位上缴收入5万元，占1%；其他收入30万元，占6%。"
            "本年支出合计500万元，其中：基本支出300万元，占60%；项目支出180万元，占36%；上缴上级支出10万元，占2%；"
            "经营支出5万元，占1%；对附属单位补助支出5万元，占1%。")
    got = exact(text, lex)
    metrics = ["income_general_budget_grant", "income_gov_fund_grant", "income_state_capital_grant",
               "income_superior_subsidy", "income_business", "income_operating", "income_affiliated_remit",
               "income_other"]
    values = [("400", "80"), ("20", "4"), ("0", "0"), ("10", "2"), ("30", "6"), ("5", "1"), ("5", "1"), ("30", "6")]
    expected = [F("income_total", "amount", "500", "万元")]
    for m, (a, p) in zip(metrics, values, strict=True):
        expected += [F(m, "amount", a, "万元"), F(m, "share_pct", p, "%")]
    expected.append(F("expenditure_total", "amount", "500", "万元"))
    for m, (a, p) in zip(["expenditure_basic", "expenditure_project", "expenditure_remit_superior",
                          "expenditure_operating", "expenditure_affiliated_subsidy"],
                         [("300", "60"), ("180", "36"), ("10", "2"), ("5", "1"), ("5", "1")], strict=True):
        expected += [F(m, "amount", a, "万元"), F(m, "share_pct", p, "%")]
    assert got == expected


def test_unknown_item_yields_nothing(lex):
    text = "本年支出合计500万元，其中：项目支出200万元，占40%；培训宣传支出0万元，占0%。"
    assert exact(text, lex) == [
        F("expenditure_total", "amount", "500", "万元"),
        F("expenditure_project", "amount", "200", "万元"),
        F("expenditure_project", "share_pct", "40", "%"),
    ]


def test_shares_on_a_real_sentence(lex):
    facts = extract(source_line("kaijiang-2022", 25), "t", lex, 2022)
    assert [(f.metric, f.measure, f.value, f.base_metric) for f in facts] == [
        ("expenditure_total", "amount", Decimal("174.94"), ""),
        ("expenditure_basic", "amount", Decimal("127.75"), ""),
        ("expenditure_basic", "share_pct", Decimal("73.02"), "expenditure_total"),
        ("expenditure_project", "amount", Decimal("47.2"), ""),
        ("expenditure_project", "share_pct", Decimal("26.98"), "expenditure_total"),
    ]


# -- family 8: 三公经费 in every arrangement --------------------------------

def test_three_public_expenses(lex):
    text = ("2021年度“三公”经费财政拨款支出预算为15.00万元，支出决算为11.38万元，完成预算的75.87%，比上年减少3.02万元，下降20.97%。"
            "其中：因公出国（境）费支出决算为0万元，全年组织因公出国（境）团组0个、0人次；"
            "公务用车购置及运行维护费支出预算10.00万元，支出决算8.90万元，完成预算的89.00%，其中公务用车购置费0万元、公务用车运行维护费8.90万元；"
            "公务接待费支出预算5.00万元，支出决算2.48万元，完成预算的49.60%，全年接待31批次245人次。"
            "截至2021年12月31日，公务用车保有量为3辆，本年度购置公务用车0辆。")
    assert exact(text, lex) == [
        F("three_public_budget", "amount", "15.00", "万元"),
        F("three_public_total", "amount", "11.38", "万元"),
        F("three_public_total", "completion_pct", "75.87", "%"),
        F("three_public_total", "change_amount", "-3.02", "万元"),
        F("three_public_total", "change_pct", "-20.97", "%"),
        F("abroad", "amount", "0", "万元"),
        F("abroad_groups", "count", "0", "个"),
        F("abroad_persons", "count", "0", "人次"),
        F("vehicle_total", "budget", "10.00", "万元"),
        F("vehicle_total", "amount", "8.90", "万元"),
        F("vehicle_total", "completion_pct", "89.00", "%"),
        F("vehicle_purchase", "amount", "0", "万元"),
        F("vehicle_operation", "amount", "8.90", "万元"),
        F("reception", "budget", "5.00", "万元"),
        F("reception", "amount", "2.48", "万元"),
        F("reception", "completion_pct", "49.60", "%"),
        F("reception_batches", "count", "31", "批次"),
        F("reception_persons", "count", "245", "人次"),
        F("vehicles", "count", "3", "辆"),
        F("vehicles_purchased", "count", "0", "辆"),
    ]


def test_reception_by_purpose_on_a_real_sentence(lex):
    got = exact(source_line("pingchang-2019", 74), lex, 2019)
    assert got[:3] == [F("reception_domestic", "amount", "0.5", "万元"),
                       F("reception_batches", "count", "16", "批次"), F("reception_persons", "count", "54", "人次")]
    purposes = [g for g in got if g[0].startswith("reception_purpose")]
    assert purposes == [
        F("reception_purpose_batches", "count", "2", "批次"), F("reception_purpose_persons", "count", "18", "人次"),
        F("reception_purpose", "amount", "0.13", "万元"),
        F("reception_purpose_batches", "count", "2", "批次"), F("reception_purpose_persons", "count", "12", "人次"),
        F("reception_purpose", "amount", "0.09", "万元"),
        F("reception_purpose_batches", "count", "4", "批次"), F("reception_purpose_persons", "count", "9", "人次"),
        F("reception_purpose", "amount", "0.12", "万元"),
        F("reception_purpose_batches", "count", "8", "批次"), F("reception_purpose_persons", "count", "20", "人次"),
        F("reception_purpose", "amount", "0.16", "万元"),
    ]


def test_foreign_reception_zero_items_on_a_real_sentence(lex):
    assert exact(source_line("dachuan-2018", 67), lex, 2018) == [
        F("reception_foreign", "amount", "0", "万元"),
        F("reception_foreign_batches", "count", "0", "批次"),
        F("reception_foreign_persons", "count", "0", "人"),
        F("reception_foreign", "amount", "0", "万元"),
    ]


# -- family 10: staff and establishment counts ------------------------------

def test_staff_counts(lex):
    text = ("2021年末编制\n63人，其中行政编制28人、事业编制35人；实有在职人员58人，退休\n人员21人。"
            "本單位核定編制25人，實有人數23人，其中在職21人，退休2人。")
    assert exact(text, lex) == [
        F("staff_authorized", "count", "63", "人"),
        F("staff_actual", "count", "58", "人"),
        F("retirees", "count", "21", "人"),
        F("staff_authorized", "count", "25", "人"),
        F("staff_actual", "count", "23", "人"),
        F("staff_actual", "count", "21", "人"),
        F("retirees", "count", "2", "人"),
    ]


def test_staff_on_a_real_sentence(lex):
    assert exact(source_line("heshan-2021", 58), lex) == [
        F("staff_actual", "count", "30", "人"), F("retirees", "count", "14", "人")]


# -- family 11: units -------------------------------------------------------

def test_units(lex):
    text = ("本年收入合计2,980,000.00元，其中：其他收入50,000.00元。"
            "本年支出合计1.05亿元。资产总额1 234.56万元，其中固定资产原值986.20万。")
    facts = extract(text, "t", lex, 2021)
    assert [(f.metric, f.value, f.unit, f.value_wan) for f in facts] == [
        ("income_total", Decimal("2980000.00"), "元", Decimal("298.0000000")),
        ("income_other", Decimal("50000.00"), "元", Decimal("5.0000000")),
        ("expenditure_total", Decimal("1.05"), "亿元", Decimal("10500.00")),
        ("assets_total", Decimal("1234.56"), "万元", Decimal("1234.56")),
        ("fixed_assets_original", Decimal("986.20"), "万", Decimal("986.20")),
    ]
    assert "unit_abbreviated" in facts[-1].flags
    thousand = extract("本年支出合计12,345.6千元。", "t", lex, 2021)[0]
    assert (thousand.unit, thousand.value_wan) == ("千元", Decimal("1234.56"))


def test_section_unit_is_inherited_and_flagged(lex):
    text = "（单位：万元）\n本年收入合计　298.00\n\n二、其他\n本年支出合计 12"
    facts = extract(text, "t", lex, 2021)
    assert [(f.metric, f.unit, f.value_wan) for f in facts] == [
        ("income_total", "万元", Decimal("298.00")), ("expenditure_total", "", None)]
    assert "unit_from_section" in facts[0].flags and "unit_missing" in facts[1].flags


def test_full_width_digits_and_printed_minus(lex):
    text = "本年收入合计２９８．００万元，增长－５．２０％；年末结转和结余-3.2万元。"
    facts = extract(text, "t", lex, 2021)
    assert [(f.metric, f.measure, f.value, f.unit) for f in facts] == [
        F("income_total", "amount", "298.00", "万元"),
        F("income_total", "change_pct", "-5.20", "%"),
        F("carryover_end", "amount", "-3.2", "万元"),
    ]
    assert all(text[f.char_start:f.char_end] == f.quote for f in facts)
    # the digits as printed, which the provenance check compares with the source
    assert [f.value_text for f in facts] == ["２９８．００", "－５．２０", "-3.2"]


# -- qualifiers, wider totals, income by heading, named items ---------------

def test_a_bound_is_not_a_figure_and_an_approximation_is_flagged(lex):
    facts = extract("公务接待费支出决算29.80万元，预算执行比例不到75%。本年收入合计约500万元。", "t", lex, 2021)
    assert [(f.metric, f.measure, f.value) for f in facts] == [
        ("reception", "amount", Decimal("29.80")), ("income_total", "amount", Decimal(500))]
    assert "approximate" in facts[1].flags and "approximate" not in facts[0].flags


def test_a_total_whose_breakdown_names_this_years_total_is_the_grand_total(lex):
    text = "2021年度收入合计1908.90万元，其中本年收入合计1846.72万元，年初结转和结余62.18万元。"
    assert exact(text, lex) == [
        F("grand_total", "amount", "1908.90", "万元"),
        F("income_total", "amount", "1846.72", "万元"),
        F("carryover_begin", "amount", "62.18", "万元"),
    ]


def test_functional_headings_named_as_income(lex):
    facts = extract("财政拨款收入包括：城乡医疗救助拨款收入为322.78万元；事业单位医疗24.5万元。城乡医疗救助支出300万元。",
                    "t", lex, 2021)
    assert [(f.metric, f.value, f.function_code) for f in facts] == [
        ("function_income", Decimal("322.78"), "2101301"), ("function_income", Decimal("24.5"), "2101102"),
        ("function_expenditure", Decimal(300), "2101301")]


def test_items_of_a_breakdown_keep_their_names(lex):
    text = "共有车辆3辆，其中：一般公务用车2辆、执法执勤用车1辆。"
    facts = extract(text, "t", lex, 2021)
    assert [(f.metric, f.value, f.function_name) for f in facts] == [
        ("vehicles", Decimal(3), ""), ("vehicles_by_kind", Decimal(2), "一般公务用车"),
        ("vehicles_by_kind", Decimal(1), "执法执勤用车")]


def test_one_metric_named_twice_in_a_list_is_one_fact(lex):
    # 收入总计 and 支出总计 are both sides of the grand total: one printed number, one fact
    assert exact("2021年度收入总计、支出总计均为500.00万元。", lex) == [F("grand_total", "amount", "500.00", "万元")]
