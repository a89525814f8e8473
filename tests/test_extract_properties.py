"""Properties that hold for any input: no crash, every span quotes its text,
every value is the number printed at its span (its sign from the verb or a
printed minus). The generator writes statements of every phrasing family of
issue 9 — totals and their scopes, lists with 各/分别/均, year-over-year and
budget comparisons, shares, 三公 parts and counts, staff, units and section
units — in simplified or traditional characters, with full-width digits,
pinyin residue and PDF line breaks inside words and numbers."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.extract import extract
from juesuan.extract.facts import parse_number
from juesuan.extract.text import normalise

GENRE = ["本年收入合计", "基本支出", "项目支出", "万元", "元", "%", "占", "其中", "：", "，", "。", "\n", " ",
         "增加", "减少", "下降", "完成预算", "（类）", "(款)", "1.", "3.5", "12", "0", "批次", "人次", "[bookmark: _Toc1]",
         "三公经费", "公务接待费", "比2020年", "支出决算为", "预算数", "、", "卫生健康支出", "（208）", "万人", "亿元",
         "分别为", "各", "均为", "-", "－", "比预算", "决算数大于预算数", "不到", "(wèi)", "錕斤拷", "單位：萬元", "\t", "|"]

genre_text = st.lists(st.one_of(st.sampled_from(GENRE), st.text(max_size=3)), max_size=60).map("".join)

FULL = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
TRAD = str.maketrans("收入支出合计预算数费务车辆编制实有人员财政拨款项总经", "收入支出合計預算數費務車輛編製實有人員財政撥款項總經")


def _number(i: int, d: str, minus: bool, thousands: str) -> str:
    head = f"{i:,}".replace(",", thousands) if thousands else str(i)
    return ("-" if minus else "") + (f"{head}.{d}" if d else head)


number = st.builds(_number, st.integers(0, 9999999), st.sampled_from(["", "5", "05", "38", "1"]),
                   st.booleans(), st.sampled_from(["", ",", " "]))
# where a PDF conversion cut the number (or not)
cut_number = st.builds(lambda n, k, sep: n[:k] + sep + n[k:] if 0 < k < len(n) else n,
                       number, st.integers(0, 8), st.sampled_from(["\n", "\n\n", " \n"]))
blank = st.sampled_from(["", " ", "\n", "\n\n", "\t"])
SUBJECTS = [
    "本年收入合计", "本年支出合计", "收、支总计", "总收入", "总支出", "财政拨款收入总计", "财政拨款收、支总计",
    "一般公共预算财政拨款支出", "基本支出", "项目支出", "上级补助收入", "事业收入", "附属单位上缴收入", "经营支出",
    "上缴上级支出", "对附属单位补助支出", "人员经费", "公用经费", "三公经费财政拨款支出", "因公出国（境）费",
    "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费", "国内公务接待", "外事接待",
    "卫生健康支出（类）", "行政运行（项）（2101501）", "编制人数", "实有人数", "在职", "退休人员", "公务用车保有量",
    "培训宣传支出", "本年收入、支出合计", "基本支出、项目支出", "机关运行经费", "年末结转和结余",
]
CUES = ["", "为", "各是", "分别为", "均为", "比上年增加", "较2020年度减少", "与2020年决算数相比下降", "同比增长",
        "比预算减少", "决算数大于预算数", "完成年初预算的", "占", "占本年支出合计的", "预算为", "支出决算为",
        "调整预算数为", "接待", "不到", "约"]
UNITS = ["万元", "萬元", "元", "亿元", "万", "%", "％", "人", "名", "批次", "人次", "辆", "个", ""]
statement = st.builds(
    lambda year, subject, cue, sp1, n, more, sp2, unit, tail, trad, full: _dress(
        f"{year}{subject}{cue}{sp1}{n}{more}{sp2}{unit}{tail}", trad, full),
    st.sampled_from(["", "2021年", "2020年度", "（单位：万元）\n"]),
    st.sampled_from(SUBJECTS), st.sampled_from(CUES), blank, cut_number,
    st.sampled_from(["", "、12.5", "、-3"]), blank, st.sampled_from(UNITS),
    st.sampled_from(["，", "。", "；", "，其中：", "\n", "(wèi)", "，主要原因是人员增加。"]),
    st.booleans(), st.booleans(),
)


def _dress(text: str, trad: bool, full: bool) -> str:
    """Traditional characters and full-width digits, as mirror sites print them."""
    if trad:
        text = text.translate(TRAD)
    if full:
        text = text.translate(FULL)
    return text


statements = st.lists(statement, min_size=1, max_size=8).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), genre_text, statements))
def test_never_crashes_and_spans_quote_the_text(lex, text):
    for f in extract(text, "t", lex, 2021):
        assert text[f.char_start:f.char_end] == f.quote
        assert f.char_start <= f.value_start < f.value_end <= f.char_end
        # value_text is the number as printed at its span (what the provenance check compares) …
        assert f.value_text == text[f.value_start:f.value_end]
        # … and, normalised as the matcher reads it, it is the value
        printed, _ = parse_number("".join(normalise(f.value_text, lex).split()))
        # the value is the printed number; a change or a budget difference
        # takes its sign from the verb (a zero from 持平)
        assert f.value == printed or (f.measure in {"change_amount", "change_pct", "budget_diff_amount",
                                                     "budget_diff_pct"} and f.value in (-printed, Decimal(0)))
