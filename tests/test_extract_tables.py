"""The flattened-table reader, on the layouts a Word/PDF → text conversion
produces. Every table below is written here in the genre's style (not copied
from the five sources), except the excerpts read from `data/sources`, whose
expected facts are the hand-curated ones in `data/curated/facts.csv`."""
from __future__ import annotations

import csv
import itertools
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.errors import JuesuanError
from juesuan.extract.tables import load_vocabulary, read_tables
from juesuan.paths import CURATED_FACTS_CSV, SOURCES

ROOT = Path(__file__).resolve().parent.parent


def facts_of(text, lex, year=2022):
    facts = read_tables(text, "t", lex, year)
    for f in facts:   # the offsets contract, whatever the layout
        assert f.quote == text[f.char_start:f.char_end]
        assert Decimal(text[f.value_start:f.value_end].replace(",", "").replace("−", "-")) == f.value
        assert "table" in f.flags
    return facts


def rows(facts):
    return [(f.metric, f.measure, str(f.value), f.unit) for f in facts]


# the figures of the small 三公 table written below in several layouts and scripts
SANGONG_ROWS = [
    ("three_public_budget", "amount", "12.5", "万元"), ("three_public_total", "amount", "10.3", "万元"),
    ("abroad", "budget", "0", "万元"), ("abroad", "amount", "0", "万元"),
    ("vehicle_total", "budget", "8", "万元"), ("vehicle_total", "amount", "7.3", "万元"),
    ("reception", "budget", "4.5", "万元"), ("reception", "amount", "3", "万元"),
]

ONE_PER_LINE = (
    "财政拨款“三公”经费支出决算表\n"
    "单位：万元\n"
    "项目\n预算数\n决算数\n"
    "合计\n12.5\n10.3\n"
    "因公出国(境)费\n0\n0\n"
    "公务用车购置及运行(维护)费\n8\n7.3\n"
    "公务接待费\n4.5\n3\n"
    "\n二、关于2022年度一般公共预算财政拨款基本支出决算情况说明。\n"
)


def test_one_cell_per_line(lex):
    facts = facts_of(ONE_PER_LINE, lex)
    assert rows(facts) == SANGONG_ROWS
    assert all("unit_from_table" in f.flags for f in facts)
    # the quote runs from the row label to the figure
    assert facts[1].quote == "合计\n12.5\n10.3"


PIPES_IN_YUAN = (
    "2022年度“三公”经费支出决算表\n"
    "（单位:元）\n"
    "| 项目 | 预算数 | 决算数 | 完成率 |\n"
    "|---|---|---|---|\n"
    "| 合计 | 125,000.00 | 103,000.00 | 82.4% |\n"
    "| 1.因公出国（境）费 | 0 | 0 | - |\n"
    "| 2.公务用车购置及运行费 | 80000 | 73000 | 91.25 |\n"
    "| 其中：公务用车购置费 | 0 | 0 | |\n"
    "| 公务用车运行维护费 | 80000 | 73000 | |\n"
    "| 3.公务接待费 | 45000 | 30000 | 66.67 |\n"
    "| 外宾招待专项 | 1000 | 900 | 90 |\n"
)


def test_pipe_rows_in_yuan_with_completion(lex):
    facts = facts_of(PIPES_IN_YUAN, lex)
    got = [(f.metric, f.measure, f.value_text, f.unit, f.value_wan) for f in facts]
    assert got == [
        ("three_public_budget", "amount", "125,000.00", "元", Decimal("12.5")),
        ("three_public_total", "amount", "103,000.00", "元", Decimal("10.3")),
        ("three_public_total", "completion_pct", "82.4", "%", None),
        ("abroad", "budget", "0", "元", Decimal(0)),
        ("abroad", "amount", "0", "元", Decimal(0)),
        ("vehicle_total", "budget", "80000", "元", Decimal(8)),
        ("vehicle_total", "amount", "73000", "元", Decimal("7.3")),
        ("vehicle_total", "completion_pct", "91.25", "%", None),
        ("vehicle_purchase", "budget", "0", "元", Decimal(0)),
        ("vehicle_purchase", "amount", "0", "元", Decimal(0)),
        ("vehicle_operation", "budget", "80000", "元", Decimal(8)),
        ("vehicle_operation", "amount", "73000", "元", Decimal("7.3")),
        ("reception", "budget", "45000", "元", Decimal("4.5")),
        ("reception", "amount", "30000", "元", Decimal(3)),
        ("reception", "completion_pct", "66.67", "%", None),
    ]
    assert facts[0].decimals == 2
    # an unknown row label (外宾招待专项) yields nothing rather than borrowing a metric
    assert not [f for f in facts if "外宾" in f.quote]


TABS_WITH_CODES = (
    "一般公共预算财政拨款支出决算表\n"
    "金额单位：万元\n"
    "科目编码\t科目名称\t年初预算数\t决算数\t完成率(%)\n"
    "\t合计\t300\t290\t96.67\n"
    "208\t社会保障和就业支出\t100.5\t98.2\t97.71\n"
    "2101101\t行政运行\t123.45\t120.00\t97.2\n"
)


def test_tab_rows_with_a_code_column(lex):
    facts = facts_of(TABS_WITH_CODES, lex)
    got = [(f.metric, f.measure, str(f.value), f.unit, f.function_code, f.function_name, f.function_level)
           for f in facts]
    assert got == [
        ("general_budget_expenditure", "budget", "300", "万元", "", "", ""),
        ("general_budget_expenditure", "amount", "290", "万元", "", "", ""),
        ("general_budget_expenditure", "completion_pct", "96.67", "%", "", "", ""),
        ("function_expenditure", "budget", "100.5", "万元", "208", "社会保障和就业支出", "类"),
        ("function_expenditure", "amount", "98.2", "万元", "208", "社会保障和就业支出", "类"),
        ("function_expenditure", "completion_pct", "97.71", "%", "208", "社会保障和就业支出", "类"),
        ("function_expenditure", "budget", "123.45", "万元", "2101101", "行政运行", "项"),
        ("function_expenditure", "amount", "120.00", "万元", "2101101", "行政运行", "项"),
        ("function_expenditure", "completion_pct", "97.2", "%", "2101101", "行政运行", "项"),
    ]
    assert facts[-2].decimals == 2


def test_code_split_over_class_section_item_columns(lex):
    text = (
        "一般公共预算财政拨款支出决算表\n单位：万元\n"
        "| 科目编码 | | | 科目名称 | 决算数 |\n"
        "| 类 | 款 | 项 | | |\n"
        "| 210 | | | 卫生健康支出 | 300.5 |\n"
        "| 210 | 11 | 01 | 行政单位医疗 | 20 |\n"
        "| | | | 未列明的支出 | 5 |\n"
    )
    got = [(f.function_code, f.function_name, str(f.value), f.function_path) for f in facts_of(text, lex)]
    assert got == [("210", "卫生健康支出", "300.5", "卫生健康支出(类)"),
                   ("2101101", "行政单位医疗", "20", "卫生健康支出(类)/行政单位医疗(项)")]


def test_multi_level_header(lex):
    text = (
        "一般公共预算财政拨款支出决算表\n单位：元\n"
        "| 项目 | 预算数 | | | 决算数 | | |\n"
        "| | 合计 | 基本支出 | 项目支出 | 合计 | 基本支出 | 项目支出 |\n"
        "| 合计 | 3000000 | 2000000 | 1000000 | 2900000 | 1900000 | 1000000 |\n"
        "| 2101101 行政运行 | 1000 | 1000 | 0 | 900 | 900 | 0 |\n"
    )
    got = [(f.metric, f.measure, str(f.value), f.function_code) for f in facts_of(text, lex)]
    # 项目支出 of the general budget is no metric of ours; a heading's basic part neither
    assert got == [
        ("general_budget_expenditure", "budget", "3000000", ""),
        ("general_budget_basic", "budget", "2000000", ""),
        ("general_budget_expenditure", "amount", "2900000", ""),
        ("general_budget_basic", "amount", "1900000", ""),
        ("function_expenditure", "budget", "1000", "2101101"),
        ("function_expenditure", "amount", "900", "2101101"),
    ]


def test_items_as_columns_and_measures_as_rows(lex):
    text = (
        "“三公”经费支出决算表\n单位：万元\n"
        "项目 | 合计 | 因公出国(境)费 | 公务用车购置及运行费 | 公务接待费\n"
        "预算数 | 12.5 | 0 | 8 | 4.5\n"
        "决算数 | 10.3 | 0 | 7.3 | 3\n"
    )
    assert rows(facts_of(text, lex)) == [
        ("three_public_budget", "amount", "12.5", "万元"), ("abroad", "budget", "0", "万元"),
        ("vehicle_total", "budget", "8", "万元"), ("reception", "budget", "4.5", "万元"),
        ("three_public_total", "amount", "10.3", "万元"), ("abroad", "amount", "0", "万元"),
        ("vehicle_total", "amount", "7.3", "万元"), ("reception", "amount", "3", "万元"),
    ]


def test_traditional_characters(lex):
    text = (
        "財政撥款“三公”經費支出決算表\n單位：萬元\n"
        "項目\t預算數\t決算數\n"
        "合計\t12.5\t10.3\n"
        "因公出國(境)費\t0\t0\n"
        "公務用車購置及運行費\t8\t7.3\n"
        "公務(wù)接待費\t4.5\t3\n"      # pinyin residue of a mirror site
    )
    facts = facts_of(text, lex)
    assert rows(facts) == SANGONG_ROWS
    assert facts[2].quote == "因公出國(境)費\t0"     # the quote is the original, traditional text


def test_year_columns_and_changes(lex):
    text = (
        "支出决算表\n单位：万元\n"
        "项目 | 2022年决算数 | 2021年决算数 | 增减额 | 增减率\n"
        "本年支出合计 | 356.71 | 400 | -43.29 | -10.82%\n"
    )
    facts = facts_of(text, lex, year=2022)
    got = [(f.metric, f.measure, str(f.value), f.unit, f.compared_year) for f in facts]
    # last year's column is not a figure of this year: skipped, never read as the amount
    assert got == [
        ("expenditure_total", "amount", "356.71", "万元", None),
        ("expenditure_total", "change_amount", "-43.29", "万元", 2021),
        ("expenditure_total", "change_pct", "-10.82", "%", 2021),
    ]


def test_word_cell_blocks_with_inline_measures(lex):
    text = (
        "\t项目支出绩效目标自评表\n(2023 年度)\n\n"
        "\t项目名称\n\t医保经办服务经费\n\n"
        "\t预算执行情况(万元)\n\t预算数:\n\t36.5\n\t执行数:\n\t35.02\n\n"
        "\t\n\t其中-财政拨款:\n\t36.5\n\t其中-财政拨款:\n\t35.02\n\n"
    )
    facts = facts_of(text, lex, year=2023)
    assert rows(facts) == [("project_budget_total", "amount", "36.5", "万元"),
                           ("expenditure_project", "amount", "35.02", "万元")]
    assert facts[0].quote == "预算执行情况(万元)\n\t预算数:\n\t36.5"


@pytest.mark.parametrize("doc_id,year", [("dachuan-2018", 2018), ("kaijiang-2022", 2022)])
def test_real_tables_give_the_curated_figures(lex, doc_id, year):
    """The hand-entered table figures of the sources, read by the script at the same spans.
    (kaijiang's 全年预算数 is curated as the budget of project spending; the reader states it,
    as dachuan's is curated, as project_budget_total: the budget of the projects a
    performance table reports, see metrics.csv.)"""
    text = (SOURCES / f"{doc_id}.txt").read_text(encoding="utf-8")
    facts = {(f.value_start, f.value_end, f.char_start, f.char_end, str(f.value)): (f.metric, f.measure)
             for f in facts_of(text, lex, year)}
    with open(CURATED_FACTS_CSV, encoding="utf-8", newline="") as fh:
        # the table figures only: other curated rows of the document are sentences the reader cannot read
        curated = [r for r in csv.DictReader(fh) if r["doc_id"] == doc_id and r["note"].startswith("Flattened table")]
    assert curated
    for r in curated:
        key = (int(r["value_start"]), int(r["value_end"]), int(r["char_start"]), int(r["char_end"]), r["value"])
        assert key in facts, r
        metric, measure = facts[key]
        if (r["metric"], r["measure"]) == ("expenditure_project", "budget"):
            assert (metric, measure) == ("project_budget_total", "amount")
        else:
            assert (metric, measure) == (r["metric"], r["measure"])


def test_no_table_no_facts(lex):
    prose = ("2022年度本部门“三公”经费财政拨款支出预算数为12.5万元，决算数为10.3万元，完成预算的82.4%。\n"
             "项目\n相关情况说明如下。\n")
    assert read_tables(prose, "t", lex, 2022) == []
    assert read_tables("", "t", lex, 2022) == []
    assert read_tables("一、部门职责\n负责全县医疗保障工作。\n" * 200, "t", lex, 2022) == []


def test_table_without_unit_or_title_is_not_guessed(lex):
    no_unit = "“三公”经费支出决算表\n项目 | 预算数 | 决算数\n公务接待费 | 4.5 | 3\n"
    assert read_tables(no_unit, "t", lex, 2022) == []
    no_title = "单位：万元\n项目 | 预算数 | 决算数\n合计 | 12.5 | 10.3\n公务接待费 | 4.5 | 3\n"
    # 合计 of an untitled table is nobody's total; the named row still reads
    assert rows(facts_of(no_title, lex)) == [("reception", "budget", "4.5", "万元"), ("reception", "amount", "3", "万元")]


def test_bad_vocabulary_names_file_and_line(tmp_path):
    bad = tmp_path / "tables.yml"
    bad.write_text("measures:\n  budget: [预算数\nlabels: {}\n", encoding="utf-8")
    with pytest.raises(JuesuanError) as err:
        load_vocabulary(bad)
    assert re.match(rf"{re.escape(str(bad))}:\d+: table vocabulary is not valid YAML", str(err.value))
    unknown = tmp_path / "unknown.yml"
    unknown.write_text((ROOT / "juesuan/extract/tables.yml").read_text(encoding="utf-8").replace(
        "  budget_adjusted:", "  budget_guess:"), encoding="utf-8")
    with pytest.raises(JuesuanError, match="unknown measure 'budget_guess'"):
        load_vocabulary(unknown)
    empty = tmp_path / "empty.yml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(JuesuanError, match=rf"^{re.escape(str(empty))}: table vocabulary is not a mapping"):
        load_vocabulary(empty)


def test_space_separated_pdf_rows(lex):
    text = (
        "财政拨款“三公”经费支出决算表\n单位：万元\n"
        "项目 预算数 决算数\n"
        "合计 12.5 10.3\n"
        "其中： 公务用车购置费 2 1\n"
        "公务接待费 7 940.39\n"
    )
    # `7 940.39` may be one figure with a space inside: the row is not read at all
    assert rows(facts_of(text, lex)) == [
        ("three_public_budget", "amount", "12.5", "万元"), ("three_public_total", "amount", "10.3", "万元"),
        ("vehicle_purchase", "budget", "2", "万元"), ("vehicle_purchase", "amount", "1", "万元"),
    ]


def test_counts_in_tables(lex):
    text = (
        "公务接待情况表\n单位：万元\n"
        "| 项目 | 批次 | 人次 | 决算数 |\n"
        "| 国内公务接待 | 3 | 25 | 1.2 |\n"
        "| 公务用车运行维护费 | 2 | 5 | 3.5 |\n"
        "| 车辆数(辆) | | | 2 |\n"
    )
    assert rows(facts_of(text, lex)) == [
        ("reception_batches", "count", "3", "批次"), ("reception_persons", "count", "25", "人次"),
        ("reception_domestic", "amount", "1.2", "万元"),
        # vehicle running costs have no count metric: the figures under 批次/人次 are skipped
        ("vehicle_operation", "amount", "3.5", "万元"),
        ("vehicles", "count", "2", "辆"),
    ]


def test_cells_with_blank_lines_between_and_unit_in_title(lex):
    text = (
        "2022年度“三公”经费支出决算表（单位：万元）\n\n"
        "项目\n\n预算数\n\n决算数\n\n合计\n\n12.5\n\n10.3\n\n公务接待费\n\n4.5\n\n3\n\n三、其他重要事项的情况说明。\n"
    )
    assert rows(facts_of(text, lex)) == [
        ("three_public_budget", "amount", "12.5", "万元"), ("three_public_total", "amount", "10.3", "万元"),
        ("reception", "budget", "4.5", "万元"), ("reception", "amount", "3", "万元"),
    ]


# --- any layout, any script, any unit: the reader gives exactly the table's figures ---------------


ITEMS = [("因公出国(境)费", "因公出國(境)費", "abroad"), ("公务用车购置及运行费", "公務用車購置及運行費", "vehicle_total"),
         ("公务用车购置费", "公務用車購置費", "vehicle_purchase"),
         ("公务用车运行维护费", "公務用車運行維護費", "vehicle_operation"), ("公务接待费", "公務接待費", "reception"),
         ("合计", "合計", "three_public_total")]
COLUMNS = [("预算数", "預算數", "budget"), ("决算数", "決算數", "amount"), ("完成率", "完成率", "completion_pct")]
UNITS = {"万元": ("单位：万元", "單位：萬元"), "元": ("金额单位：元", "金額單位：元")}
LAYOUTS = ["lines", "sparse", "pipe", "tab", "space", "word"]
value = st.builds(lambda i, d: f"{i}.{d}" if d else str(i), st.integers(0, 99999), st.sampled_from(["", "5", "05", "38"]))


@st.composite
def tables(draw):
    items = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=6, unique=True))
    cols = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=3, unique=True))
    trad = draw(st.booleans())
    unit = draw(st.sampled_from(sorted(UNITS)))
    layout = draw(st.sampled_from(LAYOUTS))
    grid = [[draw(value) for _ in cols] for _ in items]
    return items, cols, trad, unit, layout, grid


def render(items, cols, trad, unit, layout, grid):
    t = int(trad)
    header = ["項目" if trad else "项目"] + [c[t] for c in cols]
    body = [[item[t], *row] for item, row in zip(items, grid, strict=True)]
    head = ("財政撥款“三公”經費支出決算表" if trad else "财政拨款“三公”经费支出决算表") + "\n" + UNITS[unit][t] + "\n"
    rows_ = [header, *body]
    if layout == "lines":
        table = "".join(c + "\n" for r in rows_ for c in r)
    elif layout == "sparse":
        table = "".join(c + "\n\n" for r in rows_ for c in r)
    elif layout == "pipe":
        table = "".join("| " + " | ".join(r) + " |\n" for r in rows_)
    elif layout == "tab":
        table = "".join("\t".join(r) + "\n" for r in rows_)
    elif layout == "space":
        table = "".join(" ".join(r) + "\n" for r in rows_)
    else:
        table = "".join("".join("\t" + c + "\n" for c in r) + "\n" for r in rows_)
    return "一、部门基本情况。\n" + head + table + "\n二、其他重要事项的情况说明。\n"


def split_number(a, b):
    """`12 345.6` in PDF text may be one figure: such a spaced row is not read
    (two whole numbers, one cell per column, are two figures)."""
    return re.fullmatch(r"[1-9]\d{0,2}", a) and re.fullmatch(r"\d{3}\.\d+", b)


def expected(items, cols, unit, grid, layout):
    out = []
    for (_, _, metric), row in zip(items, grid, strict=True):
        if layout == "space" and any(split_number(a, b) for a, b in itertools.pairwise(row)):
            continue
        for (_, _, measure), v in zip(cols, row, strict=True):
            if metric == "three_public_total" and measure == "budget":
                out.append(("three_public_budget", "amount", v, unit))
            else:
                out.append((metric, measure, v, "%" if measure == "completion_pct" else unit))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(tables())
def test_any_layout_any_script_gives_exactly_the_tables_figures(lex, table):
    items, cols, _trad, unit, layout, grid = table
    text = render(*table)
    got = [(f.metric, f.measure, f.value_text, f.unit) for f in facts_of(text, lex)]
    assert got == expected(items, cols, unit, grid, layout)


def test_items_as_columns_in_a_final_accounts_table(lex):
    """A 决算表 whose header names items, not a measure, states amounts; a column
    it cannot name is skipped; spending by heading from every source is not the
    general budget's spending by heading, so those rows give nothing here."""
    text = (
        "支出决算表\n单位：万元\n"
        "项目 | 本年支出合计 | 基本支出 | 项目支出 | 某种未列明支出\n"
        "合计 | 356.71 | 300 | 56.71 | 0\n"
        "2101101 行政运行 | 100 | 100 | 0 | 0\n"
    )
    assert rows(facts_of(text, lex)) == [
        ("expenditure_total", "amount", "356.71", "万元"), ("expenditure_basic", "amount", "300", "万元"),
        ("expenditure_project", "amount", "56.71", "万元"),
    ]


def test_units_from_column_headers_and_cells(lex):
    """No unit line: a header's `(万元)` is the column's unit (flagged inherited), a
    cell's own `亿元` is its unit (not flagged); a trailing `|` leaves an empty cell."""
    text = (
        "政府采购及资产情况表\n"
        "项目 | 决算数（万元） | 预算数\n"
        "政府采购支出总额 | 420.5 | 1.2亿元\n"
        "资产总额 | 1,256.30 | \n"
    )
    facts = facts_of(text, lex)
    got = [(f.metric, f.measure, f.value_text, f.unit, f.value_wan, "unit_from_table" in f.flags) for f in facts]
    assert got == [
        ("procurement_total", "amount", "420.5", "万元", Decimal("420.5"), True),
        ("procurement_total", "budget", "1.2", "亿元", Decimal(12000), False),
        ("assets_total", "amount", "1,256.30", "万元", Decimal("1256.30"), True),
    ]


THREE_PUBLIC_STANDARD = (
    "2022年度财政拨款“三公”经费支出决算表\n单位：万元\n"
    "预算数 决算数\n"
    "合计 因公出国（境）费 公务用车购置及运行费 公务接待费 合计 因公出国（境）费 公务用车购置及运行费 公务接待费\n"
    "小计 公务用车购置费 公务用车运行费 小计 公务用车购置费 公务用车运行费\n"
    "1 2 3 4 5 6 7 8 9 10 11 12\n"
    "{row}\n"
)


def test_standard_three_public_table_as_one_row_of_figures(lex):
    text = THREE_PUBLIC_STANDARD.format(row="12.5 0 8 0 8 4.5 10.3 0 7.3 0 7.3 3")
    facts = facts_of(text, lex)
    assert rows(facts) == [
        ("three_public_budget", "amount", "12.5", "万元"), ("abroad", "budget", "0", "万元"),
        ("vehicle_total", "budget", "8", "万元"), ("vehicle_purchase", "budget", "0", "万元"),
        ("vehicle_operation", "budget", "8", "万元"), ("reception", "budget", "4.5", "万元"),
        ("three_public_total", "amount", "10.3", "万元"), ("abroad", "amount", "0", "万元"),
        ("vehicle_total", "amount", "7.3", "万元"), ("vehicle_purchase", "amount", "0", "万元"),
        ("vehicle_operation", "amount", "7.3", "万元"), ("reception", "amount", "3", "万元"),
    ]
    assert all("table_template" in f.flags for f in facts)


def test_standard_table_read_only_when_its_sums_hold(lex):
    # the same figures in another column order (公务接待费 before 公务用车): sums fail, nothing read;
    # the 栏次 row 1 2 3 … never reads as figures
    assert read_tables(THREE_PUBLIC_STANDARD.format(row="12.5 0 4.5 8 0 8 10.3 0 3 7.3 0 7.3"), "t", lex, 2022) == []
    one_per_line = ("财政拨款“三公”经费支出决算表\n单位：元\n合计\n因公出国（境）费\n公务用车购置及运行费\n公务接待费\n"
                    "103000\n0\n73000\n0\n73000\n30000\n")
    assert rows(facts_of(one_per_line, lex)) == [
        ("three_public_total", "amount", "103000", "元"), ("abroad", "amount", "0", "元"),
        ("vehicle_total", "amount", "73000", "元"), ("vehicle_purchase", "amount", "0", "元"),
        ("vehicle_operation", "amount", "73000", "元"), ("reception", "amount", "30000", "元"),
    ]


def test_headings_named_with_level_marks_get_codes_under_their_parent(lex):
    text = (
        "一般公共预算财政拨款支出决算表\n单位：万元\n项目 | 决算数\n"
        "卫生健康支出（类） | 300\n医疗保障管理事务（款） | 200\n行政运行（项） | 150\n"
    )
    got = [(f.function_code, f.function_name, f.function_level, "code_from_classification" in f.flags)
           for f in facts_of(text, lex)]
    # 行政运行 is a heading under several parents: its code comes from the row above it
    assert got == [("210", "卫生健康支出", "类", True), ("21015", "医疗保障管理事务", "款", True),
                   ("2101501", "行政运行", "项", True)]


def test_line_number_and_serial_columns_are_not_figures(lex):
    text = (
        "收入支出决算总表\n单位：万元\n项目 | 行次 | 决算数\n栏次 | | 1\n本年收入合计 | 6 | 356.71\n\n"
        "“三公”经费支出决算表\n单位：万元\n序号\t项目\t决算数\n1\t公务接待费\t3\n"
    )
    assert rows(facts_of(text, lex)) == [("income_total", "amount", "356.71", "万元"), ("reception", "amount", "3", "万元")]


TABLE_BITS = ["\n", "\n\n", "\t", " | ", " ", "项目", "预算数", "决算数", "完成率", "合计", "小计", "增减额", "上年数",
              "“三公”经费支出决算表", "一般公共预算财政拨款支出决算表", "单位：万元", "金额单位：元", "公务接待费",
              "因公出國（境）費", "基本支出", "2101101", "210", "11", "行政运行（项）", "预算数:", "88万", "12.5", "0",
              "-3.2", "1,256.30", "%", "—", "。", "其中：", "(万元)", "批次", "1 2 3", "衛(wèi)生"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(TABLE_BITS), st.text(max_size=3)), max_size=80).map("".join))
def test_any_text_never_crashes_and_every_span_quotes_it(lex, text):
    for f in read_tables(text, "t", lex, 2022):
        assert f.quote == text[f.char_start:f.char_end]
        assert f.char_start <= f.value_start < f.value_end <= f.char_end
        printed = text[f.value_start:f.value_end].replace(",", "").replace("−", "-")
        assert Decimal(printed) == f.value


def test_two_columns_saying_the_same_are_neither_read(lex):
    """A self-evaluation table with 年初预算数 and 全年预算数: both are budgets, so
    which one is *the* budget is not read off the header; the rest of the row is."""
    text = (
        "部门整体支出绩效自评表\n单位：万元\n"
        "项目 | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分\n"
        "年度资金总额 | 500 | 520 | 510 | 10 | 98.08 | 9.8\n"
        "其中：当年财政拨款 | 500 | 520 | 510 | | |\n"
    )
    assert rows(facts_of(text, lex)) == [("expenditure_total", "amount", "510", "万元"),
                                         ("expenditure_total", "completion_pct", "98.08", "%")]


def test_space_separated_rows_with_codes(lex):
    text = (
        "一般公共预算财政拨款支出决算表\n单位：万元\n"
        "科目编码 科目名称 年初预算数 决算数 完成率\n"
        "2101101 行政运行 123.45 120.00 97.2\n"
        "210 11 01 行政单位医疗 20 20 100\n"
        "合计 300 290 96.67\n"
        "住房公积金 1 200.50 1 180.20 98.31\n"
    )
    got = [(f.metric, f.measure, str(f.value), f.function_code) for f in facts_of(text, lex)]
    # whole numbers, one per column, are read; `1 200.50` (a figure split by a space) is not
    assert got == [
        ("function_expenditure", "budget", "123.45", "2101101"), ("function_expenditure", "amount", "120.00", "2101101"),
        ("function_expenditure", "completion_pct", "97.2", "2101101"),
        ("function_expenditure", "budget", "20", "2101101"), ("function_expenditure", "amount", "20", "2101101"),
        ("function_expenditure", "completion_pct", "100", "2101101"),
        ("general_budget_expenditure", "budget", "300", ""), ("general_budget_expenditure", "amount", "290", ""),
        ("general_budget_expenditure", "completion_pct", "96.67", ""),
    ]


def test_shares_in_a_table_are_shares_of_its_total(lex):
    text = ("支出决算表\n单位：万元\n项目 | 金额 | 占比(%)\n合计 | 356.71 | 100\n"
            "基本支出 | 300 | 84.10\n项目支出 | 56.71 | 15.90\n")
    got = [(f.metric, f.measure, str(f.value), f.unit, f.base_metric) for f in facts_of(text, lex)]
    assert got == [
        ("expenditure_total", "amount", "356.71", "万元", ""), ("expenditure_total", "share_pct", "100", "%", ""),
        ("expenditure_basic", "amount", "300", "万元", ""),
        ("expenditure_basic", "share_pct", "84.10", "%", "expenditure_total"),
        ("expenditure_project", "amount", "56.71", "万元", ""),
        ("expenditure_project", "share_pct", "15.90", "%", "expenditure_total"),
    ]


def test_a_section_heading_names_the_table_right_under_it(lex):
    heading = "七、“三公”经费财政拨款支出决算情况说明\n"
    table = "单位：万元\n项目 | 预算数 | 决算数\n合计 | 12.5 | 10.3\n"
    assert rows(facts_of(heading + table, lex)) == [("three_public_budget", "amount", "12.5", "万元"),
                                                    ("three_public_total", "amount", "10.3", "万元")]
    # after a sentence of prose the heading no longer says whose total 合计 is
    assert read_tables(heading + "本部门“三公”经费支出情况如下。\n" + table, "t", lex, 2022) == []
