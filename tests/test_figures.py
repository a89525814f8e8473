"""The one rule for "the source prints this figure" (juesuan/figures.py), and validate's
use of it: what a reader would call the same figure passes, a different digit, decimal
place or sign never does."""
from __future__ import annotations

import pytest

from juesuan.figures import MINUS, printed, reads_as, without
from juesuan.validate import number_reads_as


@pytest.mark.parametrize("span,expected", [
    ("１２３．４５", "123.45"),                  # full-width digits and point
    ("7940.\n39", "7940.39"),                  # a PDF line break inside the number
    ("1,234.5\u200b6", "1234.56"),             # grouping comma, Word's zero-width space
    ("1 234，5", "12345"),                     # a thousands gap, a full-width comma
    ("－12.5", "-12.5"),                        # the full-width minus folds to ASCII
    ("\u221212.5", "\u221212.5"),               # U+2212 is not a compatibility form: kept
])
def test_printed_keeps_only_what_a_reader_takes_as_the_figure(span, expected):
    assert printed(span) == expected


@pytest.mark.parametrize("span,value_text", [
    ("１２３．４５", "123.45"), ("7940.\r\n39", "7940.39"), ("88", "88"), ("-3.2", "－3.2"),
])
def test_the_same_figure_reads_as_itself(span, value_text):
    assert reads_as(span, value_text)


@pytest.mark.parametrize("span,value_text", [
    ("-47.2", "47.2"), ("47.2", "-47.2"),        # sign
    ("47.25", "47.2"), ("147.2", "47.2"),        # another digit
    ("4720", "47.20"), ("47.2", "472"),           # the decimal point moved or lost
])
def test_a_different_figure_never_reads_as_it(span, value_text):
    assert not reads_as(span, value_text)


def test_without_drops_only_the_given_characters():
    assert without("「12」〈3〉", "「」〈〉") == "123"
    assert without("12.5", frozenset("「」")) == "12.5"
    assert all(m in MINUS for m in "-−－")


@pytest.mark.parametrize("span,value_text,ok", [
    ("１２３．４５", "123.45", True),
    ("“12.5", "12.5", True),                    # a quote mark the extractor's compact view drops
    ("1,846.\n72", "1846.72", True),
    ("12.5", "-12.5", False),
    ("12.6", "12.5", False),
])
def test_validate_reads_a_span_as_a_reader_or_as_the_extractor(span, value_text, ok):
    assert number_reads_as(span, value_text) is ok


@pytest.mark.parametrize("span,expected", [
    ("１２３．４５", "123.45"), ("-47.2", "47.2"), ("\u221247.2", "47.2"), ("7940.\n39", "7940.39"),
    ("1,234", "1234"), ("0.40", "0.40"),
    ("1e5", None), ("12〈34", None), ("五", None), ("--3", None), ("", None), ("3.", None),
])
def test_magnitude_is_the_unsigned_number_printed_or_none(span, expected):
    from decimal import Decimal

    from juesuan.figures import magnitude

    assert magnitude(span) == (None if expected is None else Decimal(expected))
