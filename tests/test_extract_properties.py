"""Properties that hold for any input: no crash, every span quotes its text."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decimal import Decimal

from juesuan.extract import extract
from juesuan.extract.text import normalise

GENRE = ["本年收入合计", "基本支出", "项目支出", "万元", "元", "%", "占", "其中", "：", "，", "。", "\n", " ",
         "增加", "减少", "下降", "完成预算", "（类）", "(款)", "1.", "3.5", "12", "0", "批次", "人次", "[bookmark: _Toc1]",
         "三公经费", "公务接待费", "比2020年", "支出决算为", "预算数", "、", "卫生健康支出", "（208）", "万人", "亿元"]

genre_text = st.lists(st.one_of(st.sampled_from(GENRE), st.text(max_size=3)), max_size=60).map("".join)

FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")
number = st.builds(lambda i, d, full: (f"{i}.{d}" if d else str(i)).translate(FULL) if full else (f"{i}.{d}" if d else str(i)),
                   st.integers(0, 99999), st.sampled_from(["", "5", "05", "38", "1"]), st.booleans())
blank = st.sampled_from(["", " ", "\n", "\n\n", "\t"])
statement = st.builds(lambda year, phrase, sp1, n, sp2, unit, tail: f"{year}{phrase}{sp1}{n}{sp2}{unit}{tail}",
                      st.sampled_from(["", "2021年", "2020年度"]),
                      st.sampled_from(["本年收入合计", "基本支出", "项目支出", "人员经费", "公务接待费支出决算", "收、支总计各减少",
                                       "占", "完成预算", "下降", "卫生健康支出（类）", "国内公务接待", "编制人数"]),
                      blank, number, blank, st.sampled_from(["万元", "元", "%", "人", "批次", "亿元", "", "万"]),
                      st.sampled_from(["，", "。", "；", "，其中：", "\n"]))
statements = st.lists(statement, min_size=1, max_size=8).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), genre_text, statements))
def test_never_crashes_and_spans_quote_the_text(lex, text):
    for f in extract(text, "t", lex, 2021):
        assert text[f.char_start:f.char_end] == f.quote
        assert f.char_start <= f.value_start < f.value_end <= f.char_end
        # the number's span, normalised as the matcher reads it, is the printed value
        span = normalise(text[f.value_start:f.value_end], lex)
        assert "".join(span.split()).replace(",", "") == f.value_text.replace(",", "")
        assert abs(f.value) == Decimal(f.value_text.replace(",", ""))
