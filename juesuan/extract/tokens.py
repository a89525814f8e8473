"""The tokens of a compact sentence: numbers with units, compared years,
functional headings (`卫生健康支出(类)`), lexicon phrases, clause separators.

Functional headings are found from their marks (`(类)`, `(208)`), which are
rare, and not by trying a heading pattern at every Chinese character: the
name is the run of Chinese characters before the mark, from where the
scanner stands. Everything else is one regular expression (lexicon.token_re).
"""
from __future__ import annotations

import re

from juesuan.extract.lexicon import Lexicon

CJK = re.compile(r"[\u4e00-\u9fff]")
HEADING_MAX = 40


# A token is the regex match itself: its kind is the name of the outer group
# that matched (num, year, phrase, sep; heading), its text and offsets the
# match's. No object is made per token.
Token = re.Match[str]


def tokenise(lex: Lexicon, comp: str) -> list[Token]:
    """The tokens of `comp`, left to right, as one scan would find them."""
    assert lex.token_re is not None
    token_re, heading_re = lex.token_re, lex.heading_token_re
    if "(" not in comp:
        return list(token_re.finditer(comp))
    out: list[Token] = []
    pos = 0
    for mark in lex.heading_mark_re.finditer(comp):
        ms = mark.start()
        if ms < pos:
            continue
        run = ms
        while run > pos and run > ms - HEADING_MAX and CJK.match(comp, run - 1):
            run -= 1
        if ms - run < 2:
            continue
        start = pos
        for m in token_re.finditer(comp, pos, ms):
            if m.start() >= run:
                break
            out.append(m)
            start = m.end()
        start = max(start, run)
        h = heading_re.match(comp, start, mark.end() + 10) if ms - start >= 2 else None
        if h is None:
            pos = start
            continue
        out.append(h)
        pos = h.end()
    out.extend(token_re.finditer(comp, pos))
    return out
