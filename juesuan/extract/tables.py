"""Read tables that a Word/PDF → text conversion flattened, as facts.

Why a reader of its own: the sentence reader links a figure to the phrase just
before it, but in a flattened table the label and its figures are cells apart
and the measure (预算数, 决算数, 完成率 …) sits in a header row far above. This
module recovers the grid instead: rows come from `|`- or tab-separated lines,
from Word cell blocks (each cell a line starting with a tab, rows separated by
a blank line) or from a stream of one cell per line cut into rows by the width
of its header. Each header cell and each row label is classified from data
(`tables.yml` plus the lexicon's `terms` and functional headings); a cell gives
a fact only when its column and its row together name exactly one metric and
one measure. Anything else is skipped: layouts that cannot be recovered are
left to curation rather than guessed.

Offsets: every cell keeps its span in the original text (normalisation is
same-length), so a fact's quote, from the row label to the value cell, is the
original text at its span.

This module walks the layouts; `table_rows` reads rows into facts,
`table_cells` says what a cell means, `table_vocabulary` loads tables.yml.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import pairwise
from typing import Any

from juesuan.errors import JuesuanError
from juesuan.extract.lexicon import Lexicon
from juesuan.extract.table_cells import (
    CODE_RE,
    Cell,
    Row,
    split_delimited,
    strip_span,
    text_lines,
)
from juesuan.extract.table_rows import RowReader
from juesuan.extract.table_vocabulary import default_vocabulary, header_cells, load_vocabulary
from juesuan.extract.text import normalise
from juesuan.model import Fact

__all__ = ["load_vocabulary", "read_tables"]


class TableReader(RowReader):
    """Walks the text once, line by line: Word cell blocks, delimited rows,
    plain lines (titles, unit lines, prose, streams, spaced PDF rows)."""

    header_at: list[int] | None = None   # offsets of header cells, when the caller has them already

    def run(self) -> list[Fact]:
        lines = list(text_lines(self.norm))
        starts = [s for s, _ in lines]
        # lines where a header word stands as a cell: between tables the walk skips
        # ahead to a little before the next one (its title and unit line)
        at = self.header_at if self.header_at is not None else header_cells(self.vocab, self.norm)
        hits = sorted({bisect_right(starts, p) - 1 for p in at})
        self.block: list[Cell] = []
        i = 0
        while i < len(lines):
            st = self.st
            if not self.block and st.header is None and not st.title and not st.unit:   # between tables
                k = bisect_left(hits, i)
                if k == len(hits):
                    break
                i = max(i, hits[k] - self.vocab.lead_lines)
            i = self.line(lines, i)
        self.flush()
        return self.facts

    def line(self, lines: list[tuple[int, int]], i: int) -> int:
        """Read line `i`; return the next line to read."""
        start, end = lines[i]
        line = self.norm[start:end]
        if not line.strip():
            if line.startswith("\t"):
                self.block.append(Cell(start + 1, start + 1))     # an empty Word cell
            else:
                self.flush()                                    # a blank line ends a Word row
            return i + 1
        cells = split_delimited(self.norm, start, end)
        if cells is not None:
            self.flush()
            if cells and not self.context_row(cells):
                self.row(Row(cells, start, end))
            return i + 1
        if line.startswith("\t"):
            self.block.append(strip_span(self.norm, start, end))
            return i + 1
        if self.block:                      # a Word cell broken over two lines
            self.block[-1] = Cell(self.block[-1].start, strip_span(self.norm, start, end).end)
            return i + 1
        if "。" in line:                    # prose: whatever table stood before is over
            self.reset()
            return i + 1
        return self.plain(lines, i)

    def flush(self) -> None:
        """A Word row (the cells gathered since the last blank line): a title, a unit
        line, a header, a stream of cells or a data row."""
        cells, self.block = self.block, []
        nonempty = [c for c in cells if c.end > c.start]
        if not nonempty:
            return
        if len(nonempty) == 1 and self.note_line(nonempty[0].start, nonempty[0].end):
            return
        if self.stream(cells, 0, len(cells)) is not None:
            return
        self.row(Row(cells, cells[0].start, cells[-1].end))

    def context_row(self, cells: list[Cell]) -> bool:
        """A row of titles and unit statements only (`公开07表 | | 单位：万元`)."""
        nonempty = [c for c in cells if c.end > c.start]
        if any(self.number(c) is not None for c in nonempty):
            return False
        notes = [self.note_line(c.start, c.end) for c in nonempty]
        return bool(notes) and all(notes)

    def plain(self, lines: list[tuple[int, int]], i: int) -> int:
        """A line of plain text: context, prose (ends the table) or the start of a cell stream."""
        start, end = lines[i]
        c = self.compact(Cell(start, end))
        if self.note_line(start, end):
            return i + 1
        if "。" in c or len(c) >= self.vocab.prose_min_chars:
            self.reset()
            return i + 1
        figures = self.bare_figures(lines, i)
        if figures is not None:
            return figures
        if self.spaced(start, end):
            return i + 1
        return self.stream_from(lines, i)

    def stream_from(self, lines: list[tuple[int, int]], i: int) -> int:
        """One cell per line from line `i`: it starts with two header cells, on
        consecutive lines or with a blank line between every two cells (then blank
        lines mean nothing). Returns the line after the cells the stream read."""
        start, end = lines[i]
        nxt = i + 1
        sparse = nxt + 1 < len(lines) and not self.norm[lines[nxt][0]:lines[nxt][1]].strip()
        nxt += sparse
        if not self.header_start(Cell(start, end)) or nxt >= len(lines) or not self.header_start(
                strip_span(self.norm, *lines[nxt])):
            return i + 1
        cells: list[Cell] = []      # the run of short plain lines, blank ones kept as empty cells
        j = i
        while j < len(lines):
            s, e = lines[j]
            cc = self.compact(Cell(s, e))
            if (self.norm.startswith("\t", s) or split_delimited(self.norm, s, e) is not None or "。" in cc
                    or len(cc) >= self.vocab.prose_min_chars or (cc and self.vocab.unit_line.search(cc))):
                break
            cells.append(strip_span(self.norm, s, e))
            j += 1
        if sparse:
            cells = [cell for cell in cells if cell.end > cell.start]
        consumed = self.stream(cells, 0, len(cells))
        if not consumed:
            return i + 1
        last = cells[consumed - 1].end
        k = i
        while k < len(lines) and lines[k][0] <= last:
            k += 1
        return max(k, i + 1)

    def spaced(self, start: int, end: int) -> bool:
        """PDF text: `项目 预算数 决算数` then `公务接待费 4.5 3`. A line of header words
        separated by spaces sets the header; under it, a line of a label and as many
        figures as the header has value columns is a row. A figure split by a space
        (`7 940.39`) makes the row unreadable, not two figures."""
        tokens = [Cell(m.start(), m.end()) for m in re.finditer(r"\S+", self.norm[start:end])]
        tokens = [Cell(start + t.start, start + t.end) for t in tokens]
        if len(tokens) < 2 or not (self.st.spaced or self.header_start(tokens[0])):
            return False
        keys = self.keys(tokens)
        if all(k.role != "number" for k in keys) and self.is_header(keys):
            self.st.header, self.st.spaced, self.st.last_was_header = keys, True, True
            return True
        if not (self.st.spaced and self.st.header):
            return False
        # a leading classification code (`2101101 行政运行 …`) belongs to the label
        label_from = next((n for n, k in enumerate(keys) if k.role != "number"), len(keys))
        codes = "".join(self.compact(t) for t in tokens[:label_from])
        if label_from and not CODE_RE.fullmatch(codes):
            return False
        first_num = next((n for n, k in enumerate(keys) if k.role == "number" and n > label_from), None)
        if not first_num or any(k.role != "number" and not self.is_blank_value(t)
                                for k, t in zip(keys[first_num:], tokens[first_num:], strict=False)):
            return False
        nums = tokens[first_num:]
        columns = sum(1 for k in self.st.header if k.role == "value")
        for a, b in pairwise(nums):
            if not re.fullmatch(r"-?[1-9]\d{0,2}", self.compact(a)):
                continue
            # `7 940.39` is one figure split by a space: the row is not read. Two whole
            # numbers (`300 290`) are two cells when the row has a cell for each column.
            if re.fullmatch(r"\d{3}[.,]\d+", self.compact(b)) or (
                    re.fullmatch(r"\d{3}", self.compact(b)) and len(nums) != columns):
                return True
        label = Cell(tokens[0].start, tokens[first_num - 1].end)
        self.row(Row([label, *nums], start, end))
        return True

    def bare_figures(self, lines: list[tuple[int, int]], i: int) -> int | None:
        """Figures without labels: on one line separated by spaces, or one per line
        (blank lines between allowed). Read only as a standard table's row; the
        run is passed over either way. Returns the next line, or None."""
        start, end = lines[i]
        tokens = [Cell(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", self.norm[start:end])]
        if not tokens or any(self.number(t) is None for t in tokens):
            return None
        if len(tokens) > 1:
            self.template(tokens)
            return i + 1
        j = i
        while j < len(lines):
            cell = strip_span(self.norm, *lines[j])
            if cell.end > cell.start and self.number(cell) is None:
                break
            if cell.end > cell.start and j > i:
                tokens.append(cell)
            j += 1
        self.template(tokens)
        return j


# ---------------------------------------------------------------------------

def _simplified(norm: str) -> str:
    """Traditional → simplified with OpenCC where it keeps every offset; the
    lexicon's own map has already run. A line whose conversion changes its
    length is converted character by character."""
    try:
        import opencc
    except ImportError:   # the lexicon's pairs are then all there is
        return norm
    conv = _converter(opencc)
    whole = conv.convert(norm)
    if len(whole) == len(norm):
        return whole
    out = []
    for line in norm.split("\n"):
        c = conv.convert(line)
        out.append(c if len(c) == len(line) else "".join(
            cc if len(cc := conv.convert(ch)) == 1 else ch for ch in line))
    return "\n".join(out)


@lru_cache(maxsize=1)
def _converter(module: Any) -> Any:
    return module.OpenCC("t2s")


def _normaliser_converts(lex: Lexicon) -> bool:
    """Whether the lexicon's normaliser already converts traditional characters
    fully (OpenCC), judged on characters a hand-typed pair list tends to miss."""
    probe = "執賬於"
    return normalise(probe, lex) == "执账于"


def read_tables(text: str, doc_id: str, lex: Lexicon, fiscal_year: int | None = None,
                norm: str | None = None) -> list[Fact]:
    """Facts stated in the flattened tables of a text, in text order.

    `norm` is the text already normalised with `lex` (extract() has it), so a
    document is not normalised twice. Linear in the text: one pass over its
    lines, after a pre-scan that returns at once when no header word of any table occurs."""
    vocab = default_vocabulary()
    norm = normalise(text, lex) if norm is None else norm
    if len(norm) != len(text):
        raise JuesuanError("normalisation changed the text's length; table offsets would not hold")
    header_at = header_cells(vocab, norm)
    if not header_at:
        return []
    if not _normaliser_converts(lex):
        norm = _simplified(norm)
    reader = TableReader(text, norm, doc_id, lex, vocab, fiscal_year)
    reader.header_at = header_at
    facts = reader.run()
    facts.sort(key=lambda f: (f.value_start, f.metric, f.measure))
    return facts
