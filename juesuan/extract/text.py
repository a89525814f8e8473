"""Text views that keep offsets into the source.

Every fact must point back into the *original* text, so nothing here changes
a string's length: normalisation maps characters one to one (OpenCC's
traditional → simplified table, applied character by character, and the
full-width forms folded to ASCII) and residue is blanked with spaces. The
reflowed view joins lines a PDF conversion broke inside a sentence, a word
or a number, again without changing a length: the joining line break
becomes spaces, or FUSE characters where the two sides are one number. The
compact view (no whitespace, no quote marks) that the matcher reads carries
an index back to the original for every character.

All passes are regular expressions, `str.translate` or one step per line:
the cost is linear in the size of the text.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from juesuan.extract.lexicon import BROKEN, Lexicon
from juesuan.sections import HeadingStack, SectionIndex

# A joined line break whose two sides are one number (`7\n9\n4\n0`): dropped
# from the compact view, so the digits fuse.
FUSE = "\x01"
# Hard separator kept in the compact view between two digits (a tab, a line
# break, several spaces): two table cells, never one number.
CELL = "\t"


@lru_cache(maxsize=1)
def conversion_table() -> dict[int, str]:
    """Traditional → simplified for every CJK ideograph, from OpenCC's `t2s`,
    kept only where a character converts to exactly one character (so
    offsets stay valid); compatibility ideographs and Kangxi radicals, which
    PDF converters emit for ordinary characters, are first NFKC-folded."""
    import opencc

    ranges = [(0x2E80, 0x2FE0), (0x3400, 0xA000), (0xF900, 0xFB00)]
    chars = [chr(cp) for lo, hi in ranges for cp in range(lo, hi)]
    folded = [unicodedata.normalize("NFKC", c) for c in chars]
    folded = [f if len(f) == 1 else c for c, f in zip(chars, folded, strict=True)]
    converted = opencc.OpenCC("t2s").convert("\n".join(folded)).split("\n")
    table: dict[int, str] = {}
    if len(converted) != len(chars):     # the converter merged lines: keep the fold only
        converted = folded
    for c, s in zip(chars, converted, strict=True):
        if len(s) == 1 and s != c:
            table[ord(c)] = s
    return table


def _table(lex: Lexicon) -> dict[int, str]:
    """One translate table: full-width forms (U+FF01–FF5E) and other spaces
    and minus signs fold to ASCII, then traditional → simplified, then the
    lexicon's own pairs (which win)."""
    table: dict[int, str] | None = getattr(lex, "_translate", None)
    if table is None:
        table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
        for cp in lex.fold_spaces:
            table[cp] = " "
        for cp in lex.fold_minus:
            table[cp] = "-"
        table.update(conversion_table())
        table.update(lex.char_map)
        for src, dst in list(table.items()):   # a folded character may itself be mapped
            table[src] = table.get(ord(dst), dst) if len(dst) == 1 else dst
        lex._translate = table  # type: ignore[attr-defined]
    return table


def _changing(lex: Lexicon) -> re.Pattern[str]:
    """Any character the translate table changes: a text without one (scanned for
    in C) is not translated at all."""
    pattern: re.Pattern[str] | None = getattr(lex, "_changing", None)
    if pattern is None:
        table = _table(lex)
        keys = "".join(re.escape(chr(cp)) for cp in sorted(cp for cp, v in table.items() if v != chr(cp)))
        pattern = re.compile(f"[{keys}]" if keys else "(?!x)x")
        lex._changing = pattern  # type: ignore[attr-defined]
    return pattern


def _by_code_point(lex: Lexicon) -> list[int | str]:
    """The translate table as a list indexed by code point over the whole BMP (and
    beyond, if the table reaches further), each character mapped to itself unless
    the table says otherwise. Why a list: `str.translate` with a dict raises and
    clears a KeyError for every character the dict lacks, and a dict of exactly the
    characters present needs a set of a large text's characters, as costly as the
    translation; a list answers every lookup in C."""
    table: list[int | str] | None = getattr(lex, "_by_code_point", None)
    if table is None:
        full = _table(lex)
        table = [full.get(cp, cp) for cp in range(max(0x10000, max(full, default=0) + 1))]
        lex._by_code_point = table  # type: ignore[attr-defined]
    return table


def normalise(text: str, lex: Lexicon) -> str:
    """Same-length normalisation: full-width → ASCII, traditional → simplified,
    conversion residue (pinyin after a character, bookmarks, mojibake) blanked."""
    s = text.translate(_by_code_point(lex)) if _changing(lex).search(text) else text
    for pattern in lex.residue:
        s = pattern.sub(_blank, s)
    return s


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


@dataclass(slots=True)
class Heading:
    start: int
    end: int
    text: str
    rank: int


@dataclass(slots=True)
class Sentence:
    start: int        # offsets into the original text
    end: int
    section: tuple[str, ...]
    ends_with_colon: bool
    unit: str = ""    # the money unit a `单位：万元` line above states for this section


def headings_and_lines(norm: str, lex: Lexicon) -> list[tuple[int, int, Heading | None]]:
    """Each line's (start, end, heading-or-None); a heading is a short line
    that starts with one of the genre's heading markers."""
    result: list[tuple[int, int, Heading | None]] = []
    pos = 0
    ends = lex.sentence_end_re
    wrapped = False    # the previous line was a long heading candidate that may go on
    for line in norm.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        heading = None
        stripped = line.strip()
        if wrapped and stripped and not lex.heading_re.match(stripped.lstrip("- ")):
            result[-1] = (result[-1][0], result[-1][1], None)   # a PDF line cut inside a heading-like sentence
        wrapped = False
        if stripped and len(stripped) <= lex.heading_max_chars and not ends.search(stripped):
            body = stripped.lstrip("- ")
            m = lex.heading_re.match(body)
            if m:
                heading = Heading(start, end, "".join(body.split()), int(m.lastgroup[1:]))  # type: ignore[index]
                wrapped = len(stripped) >= lex.reflow_wrap_chars and stripped[-1] not in lex.line_terminal
        result.append((start, end, heading))
    return result


class Reflow:
    """Decides, for two consecutive lines of running text, whether the break
    between them is a PDF page-width break (join) and whether the two sides
    are one number (fuse). The phrases that decide are the lexicon's."""

    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        units = sorted(list(lex.money_units) + list(lex.percent_units) + list(lex.count_units_all), key=len, reverse=True)
        unit_alt = "|".join(re.escape(u) for u in units)
        self.number_end = re.compile(r"(?:\d\.?|^\.)$")
        self.number_start = re.compile(rf"[\d.]|(?:{unit_alt})")
        self.unit_start = re.compile(rf"(?:{unit_alt})")
        # the next line opens with a figure and its unit: `下降\n5.2%`
        self.figure_start = re.compile(rf"-?[\d][\d., ]*(?:{unit_alt})")
        self.terminal = set(lex.line_terminal)
        self.cjk = re.compile(r"[\u3400-\u9fff]")
        self.cells = re.compile(lex.table_row)
        self.bare_number = re.compile(r"-?\d[\d,. ]*")

    def join(self, prev: str, nxt: str, after: str = "") -> str | None:
        """None: a real line end. ' ': join. FUSE: join and fuse one number.
        `after` is the line after `nxt`: a number alone on its line whose unit
        opens the next one (`合计\n1,846.72\n万元`) belongs to the sentence before it."""
        last, first = prev[-1], nxt[0]
        if self.lex.section_unit.search(prev) or self.lex.section_unit.search(nxt):
            return None                                  # `单位：万元` stands on its own line
        if self.number_end.search(prev) and self.number_start.match(nxt):
            if last == "." or first == "." or len(prev) == 1 or len(nxt) == 1:
                return FUSE                              # `7940.\n39`, `7\n9\n4\n0`
            if first.isdigit() and len(prev) >= self.lex.reflow_wrap_chars and self.cjk.search(prev):
                return FUSE                              # running text cut inside a number: `减少1\n21.30`
            return CELL                                  # `47.2\n47.2`: two cells, or a number and its unit
        if last in self.terminal:
            return None
        if len(prev) >= self.lex.reflow_wrap_chars:
            return " "                                   # a long line stopped mid-sentence
        if last in self.lex.clause_sep:
            return " "
        if self.cjk.match(last) and (self.cjk.match(first) or self.figure_start.match(nxt)
                                     or (len(nxt) == 1 and first.isdigit())
                                     or (self.bare_number.fullmatch(nxt) and self.unit_start.match(after))):
            return " "                                   # `本年收\n入`, `下降\n5.2%`, `合计\n7\n9…`
        return None


Lines = list[tuple[int, int, Heading | None]]


def sentences(norm: str, lex: Lexicon) -> list[Sentence]:
    """Split the reflowed view into sentences at 。!? and at real line ends."""
    lines = headings_and_lines(norm, lex)
    return list(split_sentences(reflow(norm, lex, lines), norm, lex, lines))


def reflow(norm: str, lex: Lexicon, lines: Lines | None = None) -> str:
    """The reflowed view: same length as `norm`, with each joined line break
    (and the blank lines and indentation around it) turned into spaces, or
    into FUSE characters where the two sides are one number."""
    joiner = Reflow(lex)
    pieces: list[str] = []
    done = 0
    prev_end: int | None = None       # end of the previous running line's content
    prev_text = ""
    blank_run = 0
    rows = lines if lines is not None else headings_and_lines(norm, lex)
    for i, (start, end, heading) in enumerate(rows):
        line = norm[start:end]
        text = line.strip()
        if not text:
            blank_run += 1
            continue
        if heading is not None or joiner.cells.search(line):
            prev_end, blank_run = None, 0    # headings and table rows stand on their own
            continue
        c_start = start + (len(line) - len(line.lstrip()))
        how = None
        if prev_end is not None and blank_run <= lex.reflow_blank_lines:
            after = _next_text(norm, rows, i) if joiner.bare_number.fullmatch(text) else ""
            how = joiner.join(prev_text, text, after)
        if how is not None and prev_end is not None:
            pieces.append(norm[done:prev_end])
            pieces.append(how * (c_start - prev_end))
            done = c_start
        prev_end, prev_text, blank_run = start + len(line.rstrip()), text, 0
    pieces.append(norm[done:])
    flow = "".join(pieces)
    assert len(flow) == len(norm)
    return flow


def _next_text(norm: str, rows: Lines, i: int) -> str:
    """The stripped text of the line after line i (blank lines skipped, two at most)."""
    for start, end, _ in rows[i + 1:i + 4]:
        text = norm[start:end].strip()
        if text:
            return text
    return ""


def split_sentences(flow: str, norm: str, lex: Lexicon, lines: Lines | None = None) -> Iterator[Sentence]:
    """Sentences of the reflowed view, each with the heading path above it, one at a
    time (a large document's sentences are never all held at once)."""
    heads = {h.start: h for _, _, h in (lines if lines is not None else headings_and_lines(norm, lex)) if h is not None}
    ender = lex.sentence_end_re
    stack = HeadingStack()
    section: tuple[str, ...] = ()
    unit = ""
    pos = 0
    for line in flow.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        heading = heads.get(start)
        if heading is not None:
            section, unit = stack.enter(heading.text, heading.rank), ""
            s = _sentence(flow, start, end, section, unit)
            if s is not None:
                yield s
            continue
        stated = lex.section_unit.search(line)
        if stated:
            unit = stated.group("unit")
        s0 = start
        for m in ender.finditer(flow, start, end):
            s = _sentence(flow, s0, m.end(), section, unit)
            if s is not None:
                yield s
            s0 = m.end()
        s = _sentence(flow, s0, end, section, unit)
        if s is not None:
            yield s


def section_index(text: str, lex: Lexicon) -> SectionIndex:
    """The heading path at any offset of `text`, by the same heading walk as the
    sentences above: for figures entered by offset (curated facts), which that walk never visits."""
    norm = normalise(text, lex)
    return SectionIndex((h.start, h.text, h.rank) for _, _, h in headings_and_lines(norm, lex) if h is not None)


def _sentence(flow: str, start: int, end: int, section: tuple[str, ...], unit: str) -> Sentence | None:
    piece = flow[start:end]
    body = piece.strip()
    if not body.strip(FUSE):
        return None
    start += len(piece) - len(piece.lstrip())
    end -= len(piece) - len(piece.rstrip())
    return Sentence(start, end, section, body.endswith(":"), unit)


@lru_cache(maxsize=8)
def _chunk_re(drop: str) -> re.Pattern[str]:
    return re.compile("[^\\s" + re.escape(drop + FUSE) + "]+")


def _invisible(gap: str) -> bool:
    """Whether the source characters between two parts of a number are a break
    a conversion inserted (whitespace, line breaks, zero-width format
    characters): only then may the parts fuse. A visible mark (a quote mark
    such as 〈, a bookmark the normaliser blanked) separates two numbers."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in gap)


def compact(view: str, start: int, end: int, lex: Lexicon, source: str | None = None) -> tuple[str, Sequence[int]]:
    """The sentence without whitespace and quote marks, with an index of
    each kept character's offset. Between two digits, one plain space stays
    a space (`1 234.56`, a thousands gap) and any other whitespace becomes
    CELL, so table cells (`47.2\\t47.2`) never fuse into one number; a FUSE
    run disappears. Where two parts of a number (digits or a decimal point)
    meet across a character the SOURCE prints visibly (`0〉.9`, `4』5`, a
    bookmark), BROKEN stands between them and neither side is read: the
    figure would not be what its span prints. `source` is the original text (same offsets as `view`)."""
    chunk_re = _chunk_re(lex.drop_string)
    whole = chunk_re.fullmatch(view, start, end)
    if whole:                       # nothing to drop: the index is the range itself
        return whole.group(0), range(start, end)
    parts: list[str] = []
    index: list[int] = []
    prev_end = -1
    last = ""
    for m in chunk_re.finditer(view, start, end):
        s, e = m.start(), m.end()
        chunk = m.group(0)
        if prev_end >= 0 and (last.isdigit() or last == ".") and (chunk[0].isdigit() or chunk[0] == "."):
            gap = view[prev_end:s]
            digits = last.isdigit() and chunk[0].isdigit()
            if source is not None and not _invisible(source[prev_end:s]):
                parts.append(BROKEN)
                index.append(prev_end)
            elif not digits:
                pass                # `7940.` FUSE `39`: a decimal point across a reflowed break
            elif gap == " ":
                parts.append(" ")
                index.append(prev_end)
            elif any(ch.isspace() for ch in gap):
                parts.append(CELL)
                index.append(prev_end)
        parts.append(chunk)
        index.extend(range(s, e))
        prev_end, last = e, chunk[-1]
    return "".join(parts), index
