"""Invariants of extraction under random Unicode and under mutations of real genre
lines (the generators of `make fuzz`, driven by hypothesis so failures shrink):
no exception; every quote IS the text at its span; the number's span lies in the
quote and prints the value (as validate's provenance check reads it).

Numbers are kept within 18 significant digits, the package's DECIMAL(18,4)
domain; `make fuzz` goes beyond it and prints what happens there."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from juesuan.bench.fuzz import FULL_WIDTH, NOISE, genre_lines, invariant_problems
from juesuan.extract import default_lexicon, extract
from juesuan.figures import MINUS, printed
from juesuan.validate import number_reads_as

LEX = default_lexicon()
LINES = genre_lines()


def _check(text: str) -> None:
    """The invariants `make fuzz` counts (the same checker, so the two cannot drift apart)."""
    assert invariant_problems(text, extract(text, "p", LEX, 2021)) == ([], [])


any_unicode = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_unicode)
def test_random_unicode(text):
    _check(text)


@st.composite
def mutated_genre(draw) -> str:
    lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=4))
    text = "\n".join(lines)
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(text)))
        j = min(len(text), i + draw(st.integers(0, 8)))
        op = draw(st.sampled_from(["drop", "double", "break", "full", "minus", "noise", "chars", "comma"]))
        if op == "drop":
            text = text[:i] + text[j:]
        elif op == "double":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "break":
            text = text[:i] + draw(st.sampled_from(["\n", " ", "\r\n", "\n\n"])) + text[i:]
        elif op == "full":
            text = text[:i] + text[i:j].translate(FULL_WIDTH) + text[j:]
        elif op == "minus":
            text = text[:i] + draw(st.sampled_from(list(MINUS))) + text[i:]
        elif op == "noise":
            text = text[:i] + draw(st.sampled_from(NOISE)) + text[i:]
        elif op == "chars":
            text = text[:i] + draw(st.text(max_size=4)) + text[i:]
        else:
            text = text[:i] + "," + text[i:]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_genre())
# what `make fuzz` found (seeds 1 and 2): a quote mark or a bookmark inside a figure was read through
@example("2022年本年支出合计0〉.9万元，其中：基本支出127.75万元。")
@example("一般公共预算财政拨款支出4９』５万元，占本年支出合计的100%。")
@example("其中：人员经费174[bookmark: _Toc1].94万元，公用经费9.18万元。")
def test_mutated_genre_lines(text):
    _check(text)


def test_the_invariant_check_can_fail():
    """The checker is not vacuous: a fact whose number span was shifted, or whose value
    is not what its value_text prints, is caught."""
    from dataclasses import replace

    text = "本年收入合计88.5万元。"
    f = extract(text, "p", LEX, 2021)[0]
    assert invariant_problems(text, [f]) == ([], [])
    moved = replace(f, value_start=f.value_start + 1)
    assert not number_reads_as(text[moved.value_start:moved.value_end], moved.value_text)
    assert invariant_problems(text, [moved])[1]
    assert invariant_problems(text, [replace(f, value=f.value + 1)])[1]
    assert invariant_problems(text, [replace(f, quote=f.quote + "x")])[0]


def test_zero_width_characters_inside_a_number_read_and_verify():
    """Word leaves U+200B / U+FEFF inside figures; the extractor reads through them and the
    provenance check must agree with it (fuzz seeds 69682 found both disagreeing)."""
    for inner in ("\u200b", "\ufeff"):
        text = f"本年支出合计10{inner}6.8万元。"
        facts = [f for f in extract(text, "zw", default_lexicon(), 2023) if f.measure == "amount"]
        assert [f.value for f in facts] == [Decimal("106.8")]
        f = facts[0]
        assert printed(text[f.value_start:f.value_end]) == "106.8"
        _check(text)


def test_a_visible_mark_inside_a_number_is_not_read_through():
    """A quote mark (〈, 』) or a conversion bookmark between the parts of a number is
    something the source prints: the parts are not fused into one figure (fuzz seeds 1 and
    2 found `0〉.9` read as 0.9 and `4９』５` as 495), and no part is read as a figure of
    its own either (`434` of `434〈.66万元` would be a wrong amount)."""
    for inner in ("〈", "』", "》", "[bookmark: _Toc1]"):
        for number in (f"43{inner}4.66", f"434{inner}.66", f"434.{inner}66"):
            text = f"本年支出合计{number}万元。"
            facts = extract(text, "mark", LEX, 2021)
            assert [f.value for f in facts] == [], (text, facts)
            _check(text)


def test_a_reflowed_break_inside_a_number_still_fuses():
    """The counterpart: a PDF line break inside a figure (and a zero-width character) is
    no mark the source prints, so the figure reads whole and its span verifies."""
    cases = {
        "本年支出合计增加了很多很多，具体情况如下所述，今年的本年支出合计为7940.\n39万元。": Decimal("7940.39"),
        "本年支出合计1\u200b06.8万元。": Decimal("106.8"),
        "本年支出合计1 234.56万元。": Decimal("1234.56"),
    }
    for text, value in cases.items():
        facts = [f for f in extract(text, "fuse", LEX, 2021) if f.measure == "amount"]
        assert [f.value for f in facts] == [value], (text, facts)
        _check(text)
