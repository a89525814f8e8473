"""The genre vocabulary added for documents of other bodies: budget-difference table columns
(tables.yml), functional headings of the classification placed by name (classification.csv), and
lexicon phrases that only one source used to exercise (lexicon.yml).

Every sentence and table below is written here in the genre's style for bodies the five sources are
not (a statistics bureau, an archives, a civil-affairs bureau, an audit bureau); the expected facts
are what a reader finds in them. Each test goes through `extract`, the function the CLI and the
package call, and checks the offsets contract on what it returns."""
from __future__ import annotations

from decimal import Decimal

import pytest

from juesuan.extract import default_lexicon, extract


@pytest.fixture(scope="module")
def lex():
    return default_lexicon()


def facts_of(text: str, lex, year: int = 2022):
    facts = extract(text, "t", lex, year)
    for f in facts:   # the quote is the original text at the span, whatever normalisation ran
        assert f.quote == text[f.char_start:f.char_end]
        printed = text[f.value_start:f.value_end].replace(",", "").replace(" ", "").replace("\n", "")
        assert abs(Decimal(printed)) == abs(f.value)   # the sign comes from the verb (减少 → −)
    return facts


def keyed(facts):
    return {(f.metric, f.measure, str(f.value), f.unit, f.function_code or "") for f in facts}


# --- budget differences in tables ------------------------------------------------------------

# the header words county reports print over a budget-difference column (each used once)
DIFF_AMOUNT_HEADERS = ["预决算差异", "差异额", "决算数与预算数差额", "比预算增减", "决算比预算增减", "预决算差额",
                       "比预算增减额", "较预算增减", "决算数比预算数增减", "决算与预算比较增减额", "决算与预算比较增减"]
DIFF_PCT_HEADERS = ["差异率", "预决算差异率", "比预算增减%", "决算比预算增减%", "比预算增减率", "较预算增减率",
                    "决算数比预算数增减%", "决算数比预算数增减率", "决算与预算比较增减率"]


def _diff_headers() -> list[tuple[str, str]]:
    n = max(len(DIFF_AMOUNT_HEADERS), len(DIFF_PCT_HEADERS))
    return [(DIFF_AMOUNT_HEADERS[i % len(DIFF_AMOUNT_HEADERS)], DIFF_PCT_HEADERS[i % len(DIFF_PCT_HEADERS)])
            for i in range(n)]


@pytest.mark.parametrize(("amount_header", "pct_header"), _diff_headers())
@pytest.mark.parametrize("sep", [" | ", "\t"])
def test_budget_difference_columns_are_read_with_their_sign(lex, amount_header, pct_header, sep):
    rows = [
        ["科目编码", "科目名称", "年初预算数", "决算数", amount_header, pct_header],
        ["2101501", "行政运行", "280.00", "292.45", "12.45", "4.45"],
        ["2101506", "医疗保障经办事务", "90.00", "85.50", "-4.50", "-5.00"],
        ["", "合计", "370.00", "377.95", "7.95", "2.15"],
    ]
    text = ("一般公共预算财政拨款支出决算表\n金额单位：万元\n"
            + "\n".join(sep.join(r) for r in rows)
            + "\n六、一般公共预算财政拨款基本支出决算情况说明\n")
    got = keyed(facts_of(text, lex))
    assert {
        ("function_expenditure", "budget_diff_amount", "12.45", "万元", "2101501"),
        ("function_expenditure", "budget_diff_pct", "4.45", "%", "2101501"),
        ("function_expenditure", "budget_diff_amount", "-4.50", "万元", "2101506"),
        ("function_expenditure", "budget_diff_pct", "-5.00", "%", "2101506"),
        ("general_budget_expenditure", "budget_diff_amount", "7.95", "万元", ""),
        ("general_budget_expenditure", "budget_diff_pct", "2.15", "%", ""),
        ("general_budget_expenditure", "amount", "377.95", "万元", ""),
    } <= got
    # the difference columns are not read as a change on last year
    assert not {k for k in got if k[1].startswith("change")}


def test_a_dash_in_a_difference_column_is_no_figure(lex):
    text = ("“三公”经费财政拨款支出决算表\n单位：万元\n"
            "项目 | 预算数 | 决算数 | 比预算增减 | 比预算增减%\n"
            "合计 | 6.00 | 4.80 | -1.20 | -20.00\n"
            "因公出国（境）费 | 0.00 | 0.00 | 0.00 | —\n"
            "公务接待费 | 2.00 | 1.30 | -0.70 | -35.00\n"
            "八、政府性基金预算财政拨款支出决算情况说明\n")
    facts = facts_of(text, lex)
    abroad = {(f.measure, str(f.value)) for f in facts if f.metric == "abroad"}
    assert abroad == {("budget", "0.00"), ("amount", "0.00"), ("budget_diff_amount", "0.00")}
    assert ("three_public_total", "budget_diff_pct", "-20.00", "%", "") in keyed(facts)
    assert ("reception", "budget_diff_amount", "-0.70", "万元", "") in keyed(facts)


# --- headings placed by the classification ----------------------------------------------------

@pytest.mark.parametrize(("year", "sentence", "code", "amount"), [
    (2023, "其中：社会保障和就业支出（类）社会福利（款）殡葬（项）年初预算300.00万元，决算260.00万元。", "2081004", "260.00"),
    (2023, "社会保障和就业支出（类）最低生活保障（款）农村最低生活保障金支出（项）支出决算为2400.00万元。", "2081902", "2400.00"),
    (2021, "其中，审计业务（项）年初预算82.00万元，支出决算88.50万元。", "2010804", "88.50"),
    (2022, "农林水支出（类）农业农村（款）农业生产发展（项）年初预算800.00万元，支出决算952.40万元。", "2130122", "952.40"),
    (2022, "农林水支出（类）农业农村（款）其他农业农村支出（项）年初预算700.00万元，支出决算627.50万元。", "2130199", "627.50"),
    (2020, "一般公共服务支出（类）统计信息事务（款）专项普查活动（项）：支出决算为253.12万元。", "2010507", "253.12"),
    (2020, "一般公共服务支出（类）统计信息事务（款）行政运行（项）：支出决算为189.02万元。", "2010501", "189.02"),
    (2024, "一般公共服务支出（类）档案事务（款）档案馆（项）：支出决算为262.40万元。", "2012604", "262.40"),
    (2021, "农林水支出（类）水利（款）防汛（项）：支出决算为331.00万元。", "2130314", "331.00"),
    (2023, "文化旅游体育与传媒支出985.50万元，占87.17%。", "207", "985.50"),
    (2018, "一般公共服务支出（类）人大事务（款）行政运行（项）支出决算为120.00万元。", "2010101", "120.00"),
    (2022, "卫生健康支出（类）基层医疗卫生机构（款）乡镇卫生院（项）支出决算为86.00万元。", "2100302", "86.00"),
])
def test_a_heading_named_without_its_code_gets_the_classification_code(lex, year, sentence, code, amount):
    text = "（三）一般公共预算财政拨款支出决算具体情况\n" + sentence + "\n"
    amounts = {(f.function_code, str(f.value)) for f in facts_of(text, lex, year)
               if f.metric == "function_expenditure" and f.measure == "amount"}
    assert amounts == {(code, amount)}


def test_行政运行_is_placed_under_the_section_it_is_named_with(lex):
    """行政运行 is a 项 of many 款: without its parent it has no code, with it the parent's."""
    text = ("（三）一般公共预算财政拨款支出决算具体情况\n"
            "一般公共服务支出（类）审计事务（款）行政运行（项）支出决算为300.00万元。"
            "社会保障和就业支出（类）民政管理事务（款）行政运行（项）支出决算为200.00万元。\n")
    codes = {str(f.value): f.function_code for f in facts_of(text, lex, 2021) if f.measure == "amount"}
    assert codes == {"300.00": "2010801", "200.00": "2080201"}


# --- phrases one source used to exercise --------------------------------------------------------

@pytest.mark.parametrize(("section", "sentence", "expected"), [
    ("五、一般公共预算财政拨款支出决算情况说明",
     "2022年度一般公共预算财政拨款支出年初预算为500.00万元，调整后预算为520.00万元，支出决算为515.00万元，完成调整后预算的99.04%。",
     {("general_budget_expenditure", "budget", "500.00"), ("general_budget_expenditure", "budget_adjusted", "520.00"),
      ("general_budget_expenditure", "amount", "515.00"), ("general_budget_expenditure", "completion_pct", "99.04")}),
    ("五、一般公共预算财政拨款支出决算情况说明",
     "2022年度一般公共预算财政拨款支出515.00万元，预算执行进度为103.00%。",
     {("general_budget_expenditure", "amount", "515.00"), ("general_budget_expenditure", "completion_pct", "103.00")}),
    ("五、一般公共预算财政拨款支出决算情况说明",
     "一般公共预算财政拨款支出年初预算数为500.00万元，支出决算数为505.00万元，决算数是年初预算数的101.00%。",
     {("general_budget_expenditure", "budget", "500.00"), ("general_budget_expenditure", "amount", "505.00"),
      ("general_budget_expenditure", "completion_pct", "101.00")}),
    ("七、一般公共预算财政拨款“三公”经费支出决算情况说明",
     "2022年“三公”经费财政拨款预算为3.00万元。",
     {("three_public_budget", "amount", "3.00")}),
    ("十、机关运行经费",
     "2022年度机关运行经费30.00万元，超支2.00万元。",
     {("office_operation_cost", "amount", "30.00"), ("office_operation_cost", "budget_diff_amount", "2.00")}),
    ("七、一般公共预算财政拨款“三公”经费支出决算情况说明",
     "公务接待费1.20万元，共接待来访团组12个、来宾85人次。",
     {("reception", "amount", "1.20"), ("reception_batches", "count", "12"), ("reception_persons", "count", "85")}),
    ("七、一般公共预算财政拨款“三公”经费支出决算情况说明",
     "2024年度“三公”经费实际支出2.15万元，完成预算的71.67%。",
     {("three_public_total", "amount", "2.15"), ("three_public_total", "completion_pct", "71.67")}),
    ("（四）预算绩效管理情况",
     "本局2022年财政资金预算收入1,677.00万元。",
     {("budget_initial_total", "amount", "1677.00")}),
    ("（三）具体情况",
     "2.社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位职业年金缴费支出（项）\n"
     "年初预算数为20.00万元，决算支出数据为20.80万元，完成年初预算的104.00%。",
     {("function_expenditure", "budget", "20.00"), ("function_expenditure", "amount", "20.80"),
      ("function_expenditure", "completion_pct", "104.00")}),
    ("（四）预算绩效管理情况",
     "公用经费控制率为96.50%，“三公经费”控制率为74.35%，公用经费47.20万元。",
     {("basic_public", "amount", "47.20")}),
])
def test_genre_phrasings(lex, section, sentence, expected):
    got = {(f.metric, f.measure, str(f.value)) for f in facts_of(section + "\n" + sentence + "\n", lex)}
    assert got == expected


def test_实际支出_under_the_三公_heading_is_not_the_bodys_spending(lex):
    """Elsewhere 实际支出X is the year's spending; under the 三公 heading it is the actual of the
    三公 figure named before it, which the reader cannot yet attach: no figure beats a false one."""
    sangong = ("七、一般公共预算财政拨款“三公”经费支出决算情况说明\n"
               "2022年度“三公”经费财政拨款支出预算为8.50万元，实际支出6.32万元。\n")
    assert not [f for f in facts_of(sangong, lex) if f.metric == "expenditure_total"]
    elsewhere = "（二）预算执行\n2023年度实际支出1134.78万元。\n"
    assert ("expenditure_total", "amount", "1134.78") in {(f.metric, f.measure, str(f.value))
                                                          for f in facts_of(elsewhere, lex, 2023)}


@pytest.mark.parametrize(("comparison", "sign"), [
    ("决算数与年初预算数相比增加", 1), ("较全年预算数增加", 1), ("与全年预算相比增加", 1), ("超年初预算", 1),
    ("较预算批复数增加", 1), ("较年初预算超支", 1), ("比调整预算数减少", -1), ("比预算批复数节约", -1),
])
def test_a_comparison_with_the_budget_is_a_budget_difference_not_a_change(lex, comparison, sign):
    text = ("五、一般公共预算财政拨款支出决算情况说明\n"
            f"2022年度一般公共预算财政拨款支出515.00万元，{comparison}15.00万元。\n")
    got = {(f.metric, f.measure, f.value) for f in facts_of(text, lex)}
    assert got == {("general_budget_expenditure", "amount", Decimal("515.00")),
                   ("general_budget_expenditure", "budget_diff_amount", sign * Decimal("15.00"))}


@pytest.mark.parametrize("share", ["占本年支出合计的比例为", "占比", "所占比重为", "所占比例为"])
def test_a_share_phrased_as_a_ratio(lex, share):
    text = ("三、支出决算情况说明\n"
            f"本年支出合计505.00万元，其中：基本支出400.00万元，{share}79.21%。\n")
    got = {(f.metric, f.measure, str(f.value)) for f in facts_of(text, lex)}
    assert ("expenditure_basic", "share_pct", "79.21") in got


def test_与上年决算数比较_names_the_previous_year(lex):
    text = "一、收入支出决算总体情况说明\n2022年度收入总计515.00万元，与上年决算数比较，增加25.00万元。\n"
    change = [f for f in facts_of(text, lex) if f.measure == "change_amount"]
    assert [(f.value, f.compared_year) for f in change] == [(Decimal("25.00"), 2021)]


OPERATION = "十、机关运行经费\n2022年度机关运行经费30.00万元，比上年{}2.00万元。\n"
SHARE = "三、支出决算情况说明\n本年支出合计505.00万元，其中：基本支出400.00万元，{}79.21%。\n"
COMPLETION = ("五、一般公共预算财政拨款支出决算情况说明\n一般公共预算财政拨款支出年初预算数为500.00万元，"
              "支出决算数为505.00万元，{}101.00%。\n")
ADJUSTED = "五、一般公共预算财政拨款支出决算情况说明\n一般公共预算财政拨款支出年初预算为500.00万元，{}520.00万元。\n"
VERSUS = "五、一般公共预算财政拨款支出决算情况说明\n2022年度一般公共预算财政拨款支出515.00万元，{}15.00万元。\n"
PREVIOUS = "一、收入支出决算总体情况说明\n2022年度收入总计515.00万元，{}，增加25.00万元。\n"


@pytest.mark.parametrize(("template", "cue", "fact", "flag"), [
    *[(OPERATION, c, ("office_operation_cost", "change_amount", "2.00"), "sign_unresolved")
      for c in ["增长(下降)", "减少(增加)", "下降(增长)", "增(减)", "增加/减少", "增加（减少）"]],
    *[(SHARE, c, ("expenditure_basic", "share_pct", "79.21"), None) for c in ["占比为", "所占比例", "所占比例为"]],
    *[(COMPLETION, c, ("general_budget_expenditure", "completion_pct", "101.00"), None)
      for c in ["决算数为年初预算数的", "决算数是预算数的", "决算数为预算数的", "为年初预算的", "占年初预算的"]],
    *[(ADJUSTED, c, ("general_budget_expenditure", "budget_adjusted", "520.00"), None)
      for c in ["调整预算为", "调整后预算数为", "调整后预算数"]],
    *[(VERSUS, c, ("general_budget_expenditure", "budget_diff_amount", "15.00"), None)
      for c in ["与年初预算数相比增加", "比全年预算增加", "较全年预算增加", "与预算批复数相比增加", "比预算批复数增加",
                "超出年初预算"]],
    *[(PREVIOUS, c, ("grand_total", "change_amount", "25.00"), None)
      for c in ["较上年同期", "与上年比较", "与去年比较", "与上年决算比较"]],
    ("十一、国有资产占用情况\n截至2022年12月31日，在用固定资产大约96.50万元。\n", "",
     ("fixed_assets_in_use", "amount", "96.50"), "approximate"),
    ("十一、国有资产占用情况\n截至2022年12月31日，在用固定资产账面价值96.50万元。\n", "",
     ("fixed_assets_in_use", "amount", "96.50"), None),
])
def test_each_cue_synonym_reads_its_figure(lex, template, cue, fact, flag):
    """Every phrase the lexicon lists but no document of the corpus prints, in a sentence of the genre."""
    facts = facts_of(template.format(cue), lex)
    found = [f for f in facts if (f.metric, f.measure, str(f.value)) == fact]
    assert len(found) == 1, [(f.metric, f.measure, str(f.value)) for f in facts]
    if flag:
        assert flag in found[0].flags
    if fact[1] == "change_amount":
        assert found[0].compared_year == 2021


ASSETS = "十、国有资产\n本单位资产总计120.50万元，负债合计10.00万元，净资产合计110.50万元。\n"


@pytest.mark.parametrize(("text", "fact"), [
    ("三、人员情况\n单位编制数为15个，实有在编人数14人。\n", ("staff_authorized", "count", "15", "个")),
    ("七、“三公”经费\n公务接待费0.80万元，公务接待9批次、62人（不含陪同人员）。\n", ("reception_persons", "count", "62", "人")),
    ("一、收入支出决算总体情况说明\n年初结转结余15.00万元，年末结转结余10.00万元。\n", ("carryover_begin", "amount", "15.00", "万元")),
    ("一、收入支出决算总体情况说明\n年初结转结余15.00万元，年末结转结余10.00万元。\n", ("carryover_end", "amount", "10.00", "万元")),
    (ASSETS, ("assets_total", "amount", "120.50", "万元")),
    (ASSETS, ("liabilities_total", "amount", "10.00", "万元")),
    (ASSETS, ("net_assets", "amount", "110.50", "万元")),
    ("十、政府采购\n政府采购支出总计50.00万元，其中：政府采购货物类支出10.00万元、服务类支出40.00万元。\n",
     ("procurement_services", "amount", "40.00", "万元")),
])
def test_units_and_short_forms_county_reports_use(lex, text, fact):
    assert fact in {(f.metric, f.measure, str(f.value), f.unit) for f in facts_of(text, lex)}


@pytest.mark.parametrize(("header", "measure", "value"), [
    ("年初预算 | 全年决算 | 决算数占年初预算%", "completion_pct", "104.45"),
    ("年初预算数 | 决算数 | 完成年初预算%", "completion_pct", "104.45"),
    ("年初预算数 | 决算数 | 决算数比年初预算增减", "budget_diff_amount", "12.45"),
    ("年初预算数 | 决算数 | 比年初预算增减率", "budget_diff_pct", "4.45"),
])
def test_table_headers_of_county_reports(lex, header, measure, value):
    text = ("一般公共预算财政拨款支出决算表\n单位：万元\n"
            f"科目编码 | 科目名称 | {header}\n"
            f"2101501 | 行政运行 | 280.00 | 292.45 | {value}\n"
            "六、一般公共预算财政拨款基本支出决算情况说明\n")
    got = {(f.measure, str(f.value)) for f in facts_of(text, lex) if f.function_code == "2101501"}
    assert got == {("budget", "280.00"), ("amount", "292.45"), (measure, value)}
