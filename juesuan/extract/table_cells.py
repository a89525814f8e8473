"""Cells of a flattened table and what each says.

A cell is a span of the text; its meaning (a `Key`) comes from the table
vocabulary and the lexicon: a measure (预算数 → budget), a label or code
column, a total, a metric, a functional heading. A figure's (metric, measure)
is what its column and its row say together (`combine`); when they disagree
or say nothing, the cell gives no fact.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from juesuan.extract.lexicon import Lexicon
from juesuan.extract.table_vocabulary import TableScope, TableVocabulary

NUMBER = r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
CODE_RE = re.compile(r"(\d{3}|\d{5}|\d{7})")
CODE_NAME_RE = re.compile(r"(\d{3}|\d{5}|\d{7})([\u4e00-\u9fff].*)")
LEVEL_MARK_RE = re.compile(r"([\u4e00-\u9fff].*?)\((类|款|项)\)")


@dataclass
class Cell:
    start: int     # span in the text (original = normalised offsets)
    end: int


@dataclass(frozen=True)
class Key:
    """What a header cell or a row label says about the figures under / beside it."""
    role: str = "unknown"     # label, code, value, empty, unknown
    measure: str | None = None
    metric: str | None = None
    total: bool = False
    skip: bool = False
    unit: str = ""
    code: str = ""
    name: str = ""
    level: str = ""           # 类/款/项 of a heading named with its level mark and no code
    flags: tuple[str, ...] = ()


EMPTY = Key(role="empty")


class CellReader:
    """Classifies cells against the vocabulary for one document."""

    def __init__(self, text: str, norm: str, doc_id: str, lex: Lexicon, vocab: TableVocabulary,
                 fiscal_year: int | None) -> None:
        self.text, self.norm, self.doc_id, self.lex, self.vocab = text, norm, doc_id, lex, vocab
        self.fiscal_year = fiscal_year
        units = sorted(list(lex.money_units) + list(lex.percent_units) + list(lex.count_units_all),
                       key=len, reverse=True)
        alt = "|".join(re.escape(u) for u in units)
        self.unit_paren = re.compile(rf"\((?:单位:)?({alt})\)")
        money = "|".join(re.escape(u) for u in sorted(lex.money_units, key=len, reverse=True))
        self.number_re = re.compile(rf"\s*(?P<num>{NUMBER})\s*(?P<unit>{money}|%|{alt})?\s*")
        self.year_re = re.compile(r"^((?:19|20)\d{2})年度?")
        self.memo: dict[tuple[str, int], Key] = {}   # by cell text and scope
        # whitespace and quote marks go: `“三公”经费` reads as 三公经费, `7 940` stays two cells' text
        self.squeeze = re.compile("[\\s" + re.escape("".join(sorted(lex.drop_chars))) + "]+")

    # -- cell text ----------------------------------------------------------
    def compact(self, cell: Cell) -> str:
        return self.squeeze.sub("", self.norm[cell.start:cell.end])

    def number(self, cell: Cell) -> re.Match[str] | None:
        return self.number_re.fullmatch(self.norm, cell.start, cell.end)

    def is_blank_value(self, cell: Cell) -> bool:
        c = self.compact(cell)
        return c == "" or c in self.vocab.empty_values

    def clean(self, text: str) -> tuple[str, str]:
        """The cell's phrase and the unit it states in parentheses."""
        unit = ""
        m = self.unit_paren.search(text)
        if m:
            unit = m.group(1)
            text = text[:m.start()] + text[m.end():]
        for pattern in self.vocab.noise:
            text = pattern.sub("", text)
        text = self.vocab.numbering.sub("", text).rstrip(":")
        return text, unit

    # -- classification -----------------------------------------------------
    def classify(self, cell: Cell, scope: TableScope | None) -> Key:
        raw = self.compact(cell)
        if not raw:
            return EMPTY
        if self.number(cell) is not None:
            return Key(role="number")
        memo = self.memo.get((raw, id(scope)))
        if memo is None:
            memo = self.memo[(raw, id(scope))] = self._classify(raw, scope)
        return memo

    def _classify(self, raw: str, scope: TableScope | None) -> Key:
        text, unit = self.clean(raw)
        ym = self.year_re.match(text)
        if ym and text[ym.end():] in self.vocab.measures:
            if self.fiscal_year is None or int(ym.group(1)) != self.fiscal_year:
                return Key(role="value", skip=True)
            text = text[ym.end():]
        v = self.vocab
        if text in v.measures:
            measure = v.measures[text]
            return Key(role="value", measure=None if measure == "skip" else measure, skip=measure == "skip", unit=unit)
        if text in v.label_headers:
            return Key(role="label", unit=unit)
        if text in v.code_headers:
            return Key(role="code", unit=unit)
        if text in v.totals:
            return Key(role="value", total=True, unit=unit)
        if text in v.count_columns:
            return Key(role="value", measure="amount", unit=unit or v.count_columns[text])
        return self.label_key(raw, text, unit, scope)

    def label_key(self, raw: str, text: str, unit: str, scope: TableScope | None) -> Key:
        """A row label (or a column naming an item): a metric, or a functional heading."""
        if scope is not None and text in scope.labels:
            metric = scope.labels[text]
            return Key(role="value", metric=metric, unit=unit, skip=metric is None)
        if text in self.vocab.labels:
            return Key(role="value", metric=self.vocab.labels[text], unit=unit, name=text)
        metrics = self.lex.terms.get(text)
        if metrics and len(set(metrics)) == 1:
            return Key(role="value", metric=metrics[0], unit=unit, name=text)
        cm = CODE_NAME_RE.fullmatch(text)
        if cm:
            return Key(role="value", metric="function_expenditure", code=cm.group(1), name=cm.group(2), unit=unit)
        if text in self.lex.function_names:
            code, _level = self.lex.function_names[text]
            return Key(role="value", metric="function_expenditure", code=code, name=text, unit=unit,
                       flags=("code_from_classification",))
        lm = LEVEL_MARK_RE.fullmatch(text)
        if lm:       # 卫生健康支出(类): a heading; its code is looked up under its parent row
            return Key(role="value", metric="function_expenditure", name=lm.group(1), level=lm.group(2), unit=unit)
        return Key(role="unknown", name=text, unit=unit)


# ---------------------------------------------------------------------------
# Combining a column with a row

def merge_levels(upper: Key, lower: Key) -> Key:
    """One column of a multi-level header: the deeper level names the item,
    any level may name the measure; a conflict makes the column unreadable."""
    if upper.role == "empty":
        return lower
    if lower.role == "empty":
        return upper
    if upper.role in ("label", "code") or lower.role in ("label", "code"):
        return lower if lower.role in ("label", "code") else upper
    if upper.measure and lower.measure and upper.measure != lower.measure:
        return Key(role="value", skip=True)
    return Key(
        role="value",
        measure=lower.measure or upper.measure,
        metric=lower.metric or upper.metric,
        total=lower.total or (upper.total and not lower.metric),
        skip=upper.skip or lower.skip or lower.role == "unknown",
        unit=lower.unit or upper.unit,
        code=lower.code or upper.code,
        name=lower.name or upper.name,
        flags=lower.flags + upper.flags,
    )


def combine(col: Key, row: Key, scope: TableScope | None, default_measure: str | None = None
            ) -> tuple[str, str, Key] | None:
    """The (metric, measure) of a cell, or None when column and row do not
    name exactly one of each (a 决算表 whose header names no measure states
    amounts: `default_measure`). The returned key carries the row's heading."""
    if col.skip or row.skip or row.role == "unknown" or col.role == "unknown":
        return None
    if col.measure and row.measure and col.measure != row.measure:
        return None
    measure = col.measure or row.measure or default_measure
    if measure is None:
        return None
    if col.metric and row.metric and col.metric != row.metric:
        return None
    metric = col.metric or row.metric
    source = row if row.metric else col
    if metric is None:
        if not (col.total or row.total) or scope is None or scope.total is None:
            return None
        metric = scope.total
    if metric == "function_expenditure" and scope is not None and not scope.functions:
        return None
    return metric, measure, source


def unambiguous(header: list[Key]) -> list[Key]:
    """Two columns beside the same row labels that say the same thing (年初预算数
    and 全年预算数, both a budget) cannot both be it: neither is read. Columns
    beside other labels (`项目 | 决算数 | 项目 | 决算数`) are other rows' figures;
    the columns a merged header cell spreads over (fill_forward) are one."""
    out = list(header)
    seen: dict[tuple[str | None, str | None, bool, str], int] = {}
    for i, k in enumerate(header):
        if k.role in ("label", "code"):
            seen = {}
            continue
        if k.role != "value" or k.skip or (k.measure is None and k.metric is None and not k.total):
            continue
        what = (k.measure, k.metric, k.total, k.unit)
        first = seen.get(what)
        if first is not None and not all(header[j] is header[first] for j in range(first, i + 1)):
            out[first] = out[i] = Key(role="value", skip=True)
        seen[what] = i
    return out


def fill_forward(keys: list[Key]) -> list[Key]:
    """A merged header cell flattened to one cell and blanks: the blanks after it belong to it."""
    out: list[Key] = []
    for k in keys:
        if k.role == "empty" and out and out[-1].role == "value":
            out.append(out[-1])
        else:
            out.append(k)
    return out


def merge_rows(upper: list[Key], lower: list[Key]) -> list[Key]:
    """Merge a header level into the levels above it, column by column; a blank
    in the lower level is filled from its left only under the same upper column."""
    filled: list[Key] = []
    for i, k in enumerate(lower):
        if k.role == "empty" and i > 0 and filled and filled[-1].role == "value" and upper[i] == upper[i - 1]:
            filled.append(filled[-1])
        else:
            filled.append(k)
    return [merge_levels(u, lo) for u, lo in zip(upper, filled, strict=False)]


@dataclass
class Row:
    cells: list[Cell]
    start: int
    end: int


def text_lines(norm: str) -> Iterator[tuple[int, int]]:
    pos = 0
    n = len(norm)
    while pos <= n:
        nl = norm.find("\n", pos)
        end = n if nl < 0 else nl
        yield pos, end
        if nl < 0:
            break
        pos = nl + 1


def strip_span(norm: str, start: int, end: int) -> Cell:
    while start < end and norm[start].isspace():
        start += 1
    while end > start and norm[end - 1].isspace():
        end -= 1
    return Cell(start, end)


def split_delimited(norm: str, start: int, end: int) -> list[Cell] | None:
    """Cells of a `|`- or tab-separated line, or None for a line that is not one.
    A single leading tab is a Word cell's mark, not a separator."""
    line = norm[start:end]
    if "|" in line:
        sep = "|"
        body_start, body_end = start, end
        s = line.strip()
        if set(s) <= set("|-: "):
            return []          # a markdown rule line
        lead = line.index(s[0]) if s else 0
        # markdown rows have outer pipes: `| a | b |`; otherwise a pipe at either end
        # stands beside an empty first or last cell (` | | 合计 | 基本支出`)
        outer = s.startswith("|") and s.endswith("|") and len(s) > 1
        body_start = start + lead + (1 if outer else 0)
        body_end = start + lead + len(s) - (1 if outer else 0)
    else:
        sep = "\t"
        body_start, body_end = start, end
        if "\t" not in line.strip():
            return None       # a Word cell line (one leading tab) or a plain line
    cells: list[Cell] = []
    pos = body_start
    while True:
        nxt = norm.find(sep, pos, body_end)
        if nxt < 0:
            cells.append(strip_span(norm, pos, body_end))
            break
        cells.append(strip_span(norm, pos, nxt))
        pos = nxt + 1
    return cells if sum(1 for c in cells if c.end > c.start) >= 2 or sep == "|" else None

