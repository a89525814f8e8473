"""Properties that hold for any input: no crash, every span quotes its text."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.extract import extract

GENRE = ["本年收入合计", "基本支出", "项目支出", "万元", "元", "%", "占", "其中", "：", "，", "。", "\n", " ",
         "增加", "减少", "下降", "完成预算", "（类）", "(款)", "1.", "3.5", "12", "0", "批次", "人次", "[bookmark: _Toc1]",
         "三公经费", "公务接待费", "比2020年", "支出决算为", "预算数", "、", "卫生健康支出", "（208）", "万人", "亿元"]

genre_text = st.lists(st.one_of(st.sampled_from(GENRE), st.text(max_size=3)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), genre_text))
def test_never_crashes_and_spans_quote_the_text(lex, text):
    for f in extract(text, "t", lex, 2021):
        assert text[f.char_start:f.char_end] == f.quote
        assert f.char_start <= f.value_start < f.value_end <= f.char_end
        assert text[f.value_start:f.value_end].replace(",", "").replace(" ", "") .translate(
            str.maketrans("０１２３４５６７８９．", "0123456789.")) .rstrip(".").replace("\n", "") != ""
