"""Text views that keep offsets into the source.

Every fact must point back into the *original* text, so nothing here changes
a string's length: normalisation maps characters one to one and residue is
blanked with spaces. The compact view (no whitespace, no quote marks) that
the matcher reads carries an index back to the original for every character.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from juesuan.extract.lexicon import Lexicon


def normalise(text: str, lex: Lexicon) -> str:
    """Same-length normalisation: full-width → ASCII, traditional → simplified,
    conversion residue blanked out."""
    s = text.translate(_table(lex))
    for pattern in lex.residue:
        s = pattern.sub(lambda m: " " * len(m.group(0)), s)
    return s


def _table(lex: Lexicon) -> dict[int, str]:
    """One translate table: full-width forms (U+FF01–FF5E) and the ideographic
    space fold to ASCII, then the lexicon's traditional → simplified pairs."""
    table = getattr(lex, "_translate", None)
    if table is None:
        table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
        table[0x3000] = " "
        for src, dst in lex.char_map.items():
            table[src] = dst
        for src, dst in list(table.items()):   # a folded character may itself be mapped
            table[src] = lex.char_map.get(ord(dst), dst)
        lex._translate = table  # type: ignore[attr-defined]
    return table


@dataclass
class Heading:
    start: int
    end: int
    text: str
    rank: int


@dataclass
class Sentence:
    start: int        # offsets into the original text
    end: int
    section: tuple[str, ...]
    ends_with_colon: bool


TERMINAL = "。!?;:"
# a number cut by a line break: `7940.` + `39 万元`, or `1133.8` + `万元`
BROKEN_NUMBER_END = re.compile(r"\d\.?$")
BROKEN_NUMBER_START = re.compile(r"[\d.]|亿元|万元|元|%")


def headings_and_lines(norm: str, lex: Lexicon) -> list[tuple[int, int, Heading | None]]:
    """Each line's (start, end, heading-or-None); a heading is a short line
    that starts with one of the genre's heading markers."""
    result = []
    pos = 0
    for line in norm.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        heading = None
        if stripped and len(stripped) <= lex.heading_max_chars and "。" not in stripped:
            body = stripped.lstrip("- ")
            for rank, marker in enumerate(lex.heading_markers):
                m = marker.match(body)
                if m:
                    text = re.sub(r"\s+", "", body)
                    heading = Heading(start, end, text, rank)
                    break
        result.append((start, end, heading))
    return result


def sentences(norm: str, lex: Lexicon) -> list[Sentence]:
    """Split into sentences at 。!? and at line ends.

    A line end does not end a sentence when the line is long and stops
    without punctuation: that is a PDF page-width break inside a sentence
    (or between a number and its unit).
    """
    lines = headings_and_lines(norm, lex)
    out: list[Sentence] = []
    stack: list[Heading] = []
    # merge lines into paragraphs
    paragraphs: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    for start, end, heading in lines:
        text = norm[start:end].strip()
        if heading is not None:
            if cur:
                paragraphs.append(cur)
                cur = None
            paragraphs.append((start, end))
            continue
        if not text:
            continue  # blank lines inside a broken paragraph are skipped
        if cur is None:
            cur = (start, end)
        else:
            prev = norm[cur[0]:cur[1]].rstrip()
            broken_number = BROKEN_NUMBER_END.search(prev) and BROKEN_NUMBER_START.match(text)
            long_unfinished = len(prev.strip()) >= lex.heading_max_chars and prev and prev[-1] not in TERMINAL + "。"
            if broken_number or long_unfinished:
                cur = (cur[0], end)
            else:
                paragraphs.append(cur)
                cur = (start, end)
    if cur:
        paragraphs.append(cur)

    heading_at = {h.start: h for _, _, h in lines if h is not None}
    ends = set(lex.sentence_end)
    for p_start, p_end in paragraphs:
        heading = heading_at.get(p_start)
        if heading is not None:
            while stack and stack[-1].rank >= heading.rank:
                stack.pop()
            stack.append(heading)
            section = tuple(h.text for h in stack)
            out.append(Sentence(p_start, p_end, section, False))
            continue
        section = tuple(h.text for h in stack)
        s = p_start
        for i in range(p_start, p_end):
            if norm[i] in ends:
                out.append(_sentence(norm, s, i + 1, section))
                s = i + 1
        if norm[s:p_end].strip():
            out.append(_sentence(norm, s, p_end, section))
    return out


def _sentence(norm: str, start: int, end: int, section: tuple[str, ...]) -> Sentence:
    while start < end and norm[start].isspace():
        start += 1
    while end > start and norm[end - 1].isspace():
        end -= 1
    tail = norm[start:end].rstrip()
    return Sentence(start, end, section, tail.endswith(":"))


def compact(norm: str, start: int, end: int, lex: Lexicon) -> tuple[str, list[int]]:
    """The sentence without whitespace and quote marks, with an index of
    each kept character's offset. Whitespace between two digits becomes one
    space, so table cells (`47.2\\t47.2`) never fuse into one number."""
    chars: list[str] = []
    index: list[int] = []
    i = start
    while i < end:
        ch = norm[i]
        if ch.isspace():
            j = i
            while j < end and norm[j].isspace():
                j += 1
            if chars and chars[-1].isdigit() and j < end and norm[j].isdigit():
                chars.append(" ")
                index.append(i)
            i = j
            continue
        if ch in lex.drop_chars:
            i += 1
            continue
        chars.append(ch)
        index.append(i)
        i += 1
    return "".join(chars), index
