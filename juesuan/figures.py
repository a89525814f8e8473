"""Figures as the source prints them: one rule, used wherever a stated number is
compared with the document ("does this figure read as the source's printed token").

Why one module at the bottom of the stage order: the package build checks curated
figures against the source, `make validate` checks every published fact against it,
and the fuzz harness checks the extractor the same way. When each kept its own idea
of "the same figure", a number one of them accepted (full-width digits, a PDF line
break inside `7940.⏎39`, a zero-width space from Word) failed another.

What is ignored is only what does not change the figure a reader sees: Unicode
compatibility forms (NFKC folds `１２３．４５` to `123.45`), whitespace and line
breaks, grouping commas and zero-width marks.
Digits, the decimal point and the sign are kept, so `-47.2` never reads as `47.2`
and `47.25` never as `47.2`.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

#: the minus signs the genre prints: ASCII hyphen-minus, U+2212, full-width
MINUS = "-−－"

_UNSIGNED = re.compile(r"[0-9]+(?:\.[0-9]+)?")

# `\s` covers line breaks and (ideographic) spaces but not the zero-width characters
_NOT_PART_OF_THE_FIGURE = re.compile(r"[\s,，\u200b\u200c\u200d\u2060\ufeff]")


def printed(text: str) -> str:
    """`text` reduced to what a reader takes as the figure: NFKC-folded, without
    whitespace, line breaks, grouping commas or zero-width characters."""
    return _NOT_PART_OF_THE_FIGURE.sub("", unicodedata.normalize("NFKC", text))


def reads_as(span: str, value_text: str) -> bool:
    """Whether the source `span` prints the figure `value_text`: the same digits,
    decimal point and sign once both are reduced by `printed()`."""
    return printed(span) == printed(value_text)


def without(text: str, drop: frozenset[str] | str) -> str:
    """`text` with the characters of `drop` removed (the extractor's compact view
    drops quote marks, so `〈12〉` is read as 12)."""
    return "".join(ch for ch in text if ch not in drop)


def magnitude(text: str) -> Decimal | None:
    """The unsigned number `text` prints (read through `printed()`, one leading minus
    sign allowed), or None when it prints no plain number (`1e5`, `12〈34`, `五`)."""
    digits = printed(text)
    digits = digits[1:] if digits[:1] in MINUS else digits
    return Decimal(digits) if _UNSIGNED.fullmatch(digits) else None
