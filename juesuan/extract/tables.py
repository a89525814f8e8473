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
"""
from __future__ import annotations

import csv
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from juesuan.classification import LEVEL_DIGITS, LEVELS
from juesuan.errors import JuesuanError
from juesuan.extract.facts import Fact
from juesuan.extract.lexicon import Lexicon, map_heading
from juesuan.paths import METRICS_CSV

TABLES_PATH = Path(__file__).with_name("tables.yml")
MEASURES = ("budget", "budget_adjusted", "amount", "completion_pct", "share_pct", "change_amount", "change_pct")
PERCENT_MEASURES = ("completion_pct", "share_pct", "change_pct")
LEVEL_OF_DIGITS = {n: level for level, n in LEVEL_DIGITS.items()}
NUMBER = r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
CODE_RE = re.compile(r"(\d{3}|\d{5}|\d{7})")
CODE_NAME_RE = re.compile(r"(\d{3}|\d{5}|\d{7})([\u4e00-\u9fff].*)")
LEVEL_MARK_RE = re.compile(r"([\u4e00-\u9fff].*?)\((类|款|项)\)")


# ---------------------------------------------------------------------------
# Vocabulary

@dataclass(frozen=True)
class TableScope:
    """What a table's title says about its labels (see tables.yml `scopes`)."""
    titles: tuple[str, ...]
    total: str | None
    labels: dict[str, str | None]     # None: a label that is no metric of ours in this table
    functions: bool
    budget_metric: dict[str, str] = field(default_factory=dict)   # metric -> the metric its budget is here


@dataclass(frozen=True)
class Template:
    """A standard table printed as one row of figures under a header too tangled
    to align (财政拨款“三公”经费支出决算表: 预算数 and 决算数 each over 合计,
    因公出国(境)费, 公务用车购置及运行费 (小计, 购置费, 运行费), 公务接待费).
    The row is read only when its length fits and its sums hold in every block."""
    titles: tuple[str, ...]
    items: tuple[str, ...]
    measures: tuple[tuple[str, ...], ...]
    sums: dict[str, tuple[str, ...]]


@dataclass
class TableVocabulary:
    measures: dict[str, str]          # header phrase -> measure or "skip"
    label_headers: frozenset[str]
    code_headers: frozenset[str]
    totals: frozenset[str]
    empty_values: frozenset[str]
    labels: dict[str, str]
    count_columns: dict[str, str]     # header -> count unit (批次, 人次, 辆)
    default_measure: dict[str, str]   # title phrase -> measure of a table whose header names none
    scopes: list[TableScope]
    unit_line: re.Pattern[str]
    title_words: tuple[str, ...]
    title_max_chars: int
    prose_min_chars: int
    lead_lines: int
    noise: list[re.Pattern[str]]
    numbering: re.Pattern[str]
    templates: list[Template] = field(default_factory=list)
    prescan: re.Pattern[str] = field(default=re.compile("$^"))
    kinds: dict[str, str] = field(default_factory=dict)   # metric -> money / count


def load_vocabulary(path: Path = TABLES_PATH) -> TableVocabulary:
    """Read tables.yml; a malformed file is reported with its name and line."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise JuesuanError(f"table vocabulary is not valid YAML: {exc}", path,
                           mark.line + 1 if mark is not None else None) from exc
    for key in ("measures", "label_headers", "code_headers", "totals", "labels", "scopes", "unit_line"):
        if key not in raw:
            raise JuesuanError(f"table vocabulary lacks the section '{key}'", path)
    measures: dict[str, str] = {}
    for measure, phrases in raw["measures"].items():
        if measure not in MEASURES and measure != "skip":
            raise JuesuanError(f"unknown measure '{measure}' (known: {', '.join(MEASURES)}, skip)", path)
        for phrase in phrases:
            measures[str(phrase)] = measure
    scopes = [
        TableScope(tuple(s["title"]), s.get("total"),
                   {str(k): (None if v is None else str(v)) for k, v in (s.get("labels") or {}).items()},
                   bool(s.get("functions", True)), {str(k): str(v) for k, v in (s.get("budget_metric") or {}).items()})
        for s in raw["scopes"]
    ]
    vocab = TableVocabulary(
        measures=measures,
        label_headers=frozenset(raw["label_headers"]),
        code_headers=frozenset(raw["code_headers"]),
        totals=frozenset(raw["totals"]),
        empty_values=frozenset(str(v) for v in raw.get("empty_values", [])),
        labels={str(k): str(v) for k, v in raw["labels"].items()},
        count_columns={str(k): str(v) for k, v in (raw.get("count_columns") or {}).items()},
        default_measure={str(k): str(v) for k, v in (raw.get("default_measure") or {}).items()},
        scopes=scopes,
        unit_line=re.compile(raw["unit_line"]),
        title_words=tuple(raw.get("title_words", ["表"])),
        title_max_chars=int(raw.get("title_max_chars", 50)),
        prose_min_chars=int(raw.get("prose_min_chars", 60)),
        lead_lines=int(raw.get("lead_lines", 12)),
        noise=[re.compile(p) for p in raw.get("noise", [])],
        numbering=re.compile(raw.get("numbering", "$^")),
    )
    vocab.templates = [
        Template(tuple(t["title"]), tuple(t["items"]), tuple(tuple(m) for m in t["measures"]),
                 {str(k): tuple(v) for k, v in (t.get("sums") or {}).items()})
        for t in raw.get("templates") or []
    ]
    # The pre-scan: a table we can read has a header word standing as a cell of its
    # own (at a line start or after a separator, followed by a separator, a colon,
    # a parenthesis or the line end). Prose that merely uses the words does not.
    words = sorted(set(measures) | vocab.label_headers | vocab.totals, key=len, reverse=True)
    alt = "|".join(re.escape(w) for w in words)
    vocab.prescan = re.compile(rf"(?m)(?:^|[\t|])[ \t]*(?:(?:19|20)\d\d年度?)?(?:{alt})[ \t]*(?:$|[\t|:(\r ])")
    with open(METRICS_CSV, encoding="utf-8", newline="") as fh:
        vocab.kinds = {row["metric"]: row["kind"] for row in csv.DictReader(fh)}
    return vocab


@lru_cache(maxsize=1)
def default_vocabulary() -> TableVocabulary:
    return load_vocabulary()


# ---------------------------------------------------------------------------
# Cells and their meaning

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


class Reader:
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


# ---------------------------------------------------------------------------
# The text as lines, rows and streams

@dataclass
class Row:
    cells: list[Cell]
    start: int
    end: int


@dataclass
class _State:
    header: list[Key] | None = None
    spaced: bool = False          # the header was a line of words separated by spaces
    headings: dict[str, str] = field(default_factory=dict)   # code -> name, for heading paths
    last_codes: dict[str, str] = field(default_factory=dict)  # level -> code of the last heading row
    default_measure: str | None = None
    unit: str = ""
    title: str = ""
    scope: TableScope | None = None
    last_was_header: bool = False


def _lines(norm: str) -> Iterator[tuple[int, int]]:
    pos = 0
    n = len(norm)
    while pos <= n:
        nl = norm.find("\n", pos)
        end = n if nl < 0 else nl
        yield pos, end
        if nl < 0:
            break
        pos = nl + 1


def _strip_span(norm: str, start: int, end: int) -> Cell:
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
        body_start = start + lead + (1 if s.startswith("|") else 0)
        outer = s.startswith("|") and s.endswith("|") and len(s) > 1    # markdown: `| a | b |`
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
            cells.append(_strip_span(norm, pos, body_end))
            break
        cells.append(_strip_span(norm, pos, nxt))
        pos = nxt + 1
    return cells if sum(1 for c in cells if c.end > c.start) >= 2 or sep == "|" else None


class TableReader(Reader):
    """Walks the text once, line by line, keeping the table state."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.facts: list[Fact] = []
        self.st = _State()

    # -- state --------------------------------------------------------------
    def reset(self) -> None:
        self.st = _State()

    def set_title(self, text: str) -> None:
        """A new table begins. A title naming nothing we know (`公开07表`) right
        after one that does, before any header, is the same table's number."""
        scope = self.scope_of(text)
        if scope is None and self.st.scope is not None and self.st.header is None:
            return
        default = next((m for phrase, m in self.vocab.default_measure.items() if phrase in text), None)
        self.st = _State(title=text, scope=scope, default_measure=default)

    def scope_of(self, title: str) -> TableScope | None:
        for scope in self.vocab.scopes:
            if any(t in title for t in scope.titles):
                return scope
        return None

    def note_line(self, start: int, end: int) -> bool:
        """Unit lines, titles and prose: True when the line is context, not table."""
        c = self.compact(Cell(start, end))
        if not c:
            return False
        m = self.vocab.unit_line.search(c)
        is_title = len(c) <= self.vocab.title_max_chars and "。" not in c and any(w in c for w in self.vocab.title_words)
        if is_title and self.number(Cell(start, end)) is None:
            self.set_title(c)
        if m:
            self.st.unit = m.group("unit")
            return True
        return is_title

    def context_row(self, cells: list[Cell]) -> bool:
        """A row of titles and unit statements only (`公开07表 | | 单位：万元`)."""
        nonempty = [c for c in cells if c.end > c.start]
        if any(self.number(c) is not None for c in nonempty):
            return False
        notes = [self.note_line(c.start, c.end) for c in nonempty]
        return bool(notes) and all(notes)

    # -- the walk -----------------------------------------------------------
    def run(self) -> list[Fact]:
        lines = list(_lines(self.norm))
        starts = [s for s, _ in lines]
        # lines where a header word stands as a cell: between tables the walk skips
        # ahead to a little before the next one (its title and unit line)
        hits = sorted({bisect_right(starts, m.start()) - 1 for m in self.vocab.prescan.finditer(self.norm)})
        lead = self.vocab.lead_lines
        i = 0
        block: list[Cell] = []
        while i < len(lines):
            st = self.st
            if not block and st.header is None and not st.title and not st.unit:   # between tables
                k = bisect_left(hits, i)
                if k == len(hits):
                    break
                i = max(i, hits[k] - lead)
            start, end = lines[i]
            line = self.norm[start:end]
            if not line.strip():
                if not line.startswith("\t"):
                    self.flush(block)
                    block = []
                else:
                    block.append(Cell(start + 1, start + 1))     # an empty Word cell
                i += 1
                continue
            cells = split_delimited(self.norm, start, end)
            if cells is not None:
                self.flush(block)
                block = []
                if cells and not self.context_row(cells):
                    self.row(Row(cells, start, end))
                i += 1
                continue
            if line.startswith("\t"):
                block.append(_strip_span(self.norm, start, end))
                i += 1
                continue
            if not block and "。" in line:      # prose: whatever table stood before is over
                self.reset()
                i += 1
                continue
            if block:                      # a Word cell broken over two lines
                block[-1] = Cell(block[-1].start, _strip_span(self.norm, start, end).end)
                i += 1
                continue
            i = self.plain(lines, i)
        self.flush(block)
        return self.facts

    def flush(self, block: list[Cell]) -> None:
        """A Word row: a title, a unit line, a header, a stream of cells or a data row."""
        cells = [c for c in block]
        if not cells:
            return
        nonempty = [c for c in cells if c.end > c.start]
        if len(nonempty) == 1 and self.note_line(nonempty[0].start, nonempty[0].end):
            return
        if not nonempty:
            return
        if self.stream(cells, 0, len(cells)) is not None:
            return
        self.row(Row(cells, cells[0].start, cells[-1].end))

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
        # a stream starts with two header cells, on consecutive lines or with a
        # blank line between every two cells (then blank lines mean nothing)
        nxt = i + 1
        sparse = nxt + 1 < len(lines) and not self.norm[lines[nxt][0]:lines[nxt][1]].strip()
        nxt += sparse
        if not self.header_start(Cell(start, end)) or nxt >= len(lines) or not self.header_start(
                _strip_span(self.norm, *lines[nxt])):
            return i + 1
        # gather the run of short plain lines (blank lines kept as markers) and try it as a stream
        cells: list[Cell] = []
        j = i
        while j < len(lines):
            s, e = lines[j]
            text = self.norm[s:e]
            if text.startswith("\t") or split_delimited(self.norm, s, e) is not None:
                break
            cc = self.compact(Cell(s, e))
            if "。" in cc or len(cc) >= self.vocab.prose_min_chars or (cc and self.vocab.unit_line.search(cc)):
                break
            cells.append(_strip_span(self.norm, s, e))
            j += 1
        if sparse:
            cells = [cell for cell in cells if cell.end > cell.start]
        consumed = self.stream(cells, 0, len(cells))
        if consumed is None:
            return i + 1
        # position after the last consumed cell
        last = cells[consumed - 1].end if consumed else start
        k = i
        while k < len(lines) and lines[k][0] <= last:
            k += 1
        return max(k, i + 1)

    # -- rows ---------------------------------------------------------------
    def keys(self, cells: list[Cell]) -> list[Key]:
        return [self.classify(c, self.st.scope) for c in cells]

    def is_header(self, keys: list[Key]) -> bool:
        """A row of header cells and no figures: it names a measure or starts with a
        label column (then a column it cannot read is only skipped), or, all of
        it known, it stands right under another header row of the same width (a
        lower level)."""
        nonempty = [k for k in keys if k.role != "empty"]
        if len(nonempty) < 2 or any(k.role == "number" for k in nonempty):
            return False
        known = [k for k in nonempty if k.role != "unknown"]
        anchored = any(k.measure for k in known) or nonempty[0].role in ("label", "code")
        if anchored and len(known) >= 2:
            return True
        lower_level = self.st.last_was_header and self.st.header is not None and len(self.st.header) == len(keys)
        return lower_level and len(known) == len(nonempty)

    def row(self, row: Row) -> None:
        keys = self.keys(row.cells)
        if self.is_header(keys):
            if self.st.last_was_header and self.st.header is not None and len(self.st.header) == len(keys):
                self.st.header = _merge_rows(_fill_forward(self.st.header), keys)
            else:
                self.st.header = keys
            self.st.last_was_header = True
            return
        self.st.last_was_header = False
        numbers = [i for i, k in enumerate(keys) if k.role == "number"]
        if not numbers:
            if sum(1 for k in keys if k.role != "empty") >= 3:
                self.st.header = None     # a header we cannot read starts a table we cannot read
            return
        header = self.st.header
        if header is not None and len(keys) == len(header) + 1 and keys[0].role == "empty":
            row, keys = Row(row.cells[1:], row.start, row.end), keys[1:]      # a leading separator
        elif header is not None and len(keys) + 1 == len(header) and header[0].role == "empty":
            header = header[1:]
        if header is not None and len(header) == len(keys):
            self.aligned(row, keys, header)
        elif header is not None and len(numbers) == sum(1 for k in header if k.role == "value"):
            cols = [k for k in header if k.role == "value"]
            label = self.row_label(row.cells[:numbers[0]], keys[:numbers[0]])
            first = next((i for i in range(numbers[0]) if row.cells[i].end > row.cells[i].start), numbers[0])
            for col, idx in zip(cols, numbers):
                self.emit(row.cells, first, idx, col, label, ("table_columns_by_count",))
        elif not self.template([c for c, k in zip(row.cells, keys) if k.role != "empty"]):
            self.pairs(row, keys)

    def aligned(self, row: Row, keys: list[Key], header: list[Key]) -> None:
        """Cells under a header of the same width; each value column's row label
        is the run of label/code columns nearest to its left."""
        label, first = EMPTY, -1
        group: list[int] = []
        for idx, col in enumerate(header):
            if col.role in ("label", "code"):
                group.append(idx)
                continue
            if group:
                label = self.row_label([row.cells[g] for g in group], [keys[g] for g in group])
                first = next((g for g in group if row.cells[g].end > row.cells[g].start), -1)
                group = []
            if keys[idx].role == "number":
                self.emit(row.cells, first if first >= 0 else idx, idx, col, label, ())

    def template(self, cells: list[Cell]) -> bool:
        """A row of bare figures under a standard table's title (see `Template`)."""
        matches = [self.number(c) for c in cells]
        if len(cells) < 2 or any(m is None or (m.group("unit") or "万元") not in self.lex.money_units
                                 for m in matches):
            return False
        nums = [Decimal(m.group("num").replace(",", "").replace("−", "-")) for m in matches if m is not None]
        decimals = max(-int(n.as_tuple().exponent) for n in nums)
        for t in self.vocab.templates:
            if not any(w in self.st.title for w in t.titles):
                continue
            for measures in t.measures:
                width = len(t.items)
                if len(nums) != width * len(measures):
                    continue
                blocks = [dict(zip(t.items, nums[k * width:(k + 1) * width])) for k in range(len(measures))]
                if not all(_sums_hold(b, t.sums, decimals) for b in blocks):
                    continue
                for k, measure in enumerate(measures):
                    for j, metric in enumerate(t.items):
                        self.emit(cells, 0, k * width + j, Key(role="value", metric=metric, measure=measure), EMPTY,
                                  ("table_template",))
                return True
        return False

    def pairs(self, row: Row, keys: list[Key]) -> None:
        """`预算数: | 88万 | 执行数: | 88万` — a measure cell followed by its figure;
        the row's label is what stands before the first pair."""
        first_pair = next((i for i in range(len(keys) - 1)
                           if keys[i].measure and keys[i + 1].role == "number"), None)
        if first_pair is None:
            return
        label = self.row_label(row.cells[:first_pair], keys[:first_pair])
        first = next((i for i in range(first_pair) if row.cells[i].end > row.cells[i].start), first_pair)
        for i in range(first_pair, len(keys) - 1):
            if keys[i].measure and keys[i + 1].role == "number":
                self.emit(row.cells, first, i + 1, keys[i], label, ())

    def row_label(self, cells: list[Cell], keys: list[Key]) -> Key:
        """The row's meaning: its own (last) label, a functional code from code
        cells (`2101101`, or `210 | 11 | 01`), the unit stated in any label cell."""
        digits = "".join(self.compact(c) for c, k in zip(cells, keys) if k.role == "number")
        code = digits if digits.isdigit() and CODE_RE.fullmatch(digits) else ""
        if digits and not code:
            return Key(role="unknown")
        named = [(c, k) for c, k in zip(cells, keys) if k.role not in ("empty", "number")]
        unit = next((k.unit for _, k in named if k.unit), "")
        if not named:
            return Key(role="unknown") if code else replace(EMPTY, unit=unit)
        cell, own = named[-1]
        if own.role in ("label", "code", "unknown") and not (code and own.role == "unknown"):
            return Key(role="unknown")
        if code:
            if own.metric not in (None, "function_expenditure") or own.measure or own.total:
                return Key(role="unknown")
            name = own.name or self.clean(self.compact(cell))[0]
            return Key(role="value", metric="function_expenditure", code=code, name=name, unit=unit)
        return replace(own, unit=own.unit or unit)

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
        first_num = next((n for n, k in enumerate(keys) if k.role == "number"), None)
        if not first_num or any(k.role != "number" and not self.is_blank_value(t)
                                for k, t in zip(keys[first_num:], tokens[first_num:])):
            return False
        nums = tokens[first_num:]
        for a, b in pairwise(nums):
            if re.fullmatch(r"-?[1-9]\d{0,2}", self.compact(a)) and re.fullmatch(r"\d{3}(?:[.,]\d+)?", self.compact(b)):
                return True          # a number with a space inside: not read
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
            cell = _strip_span(self.norm, *lines[j])
            if cell.end > cell.start and self.number(cell) is None:
                break
            if cell.end > cell.start and j > i:
                tokens.append(cell)
            j += 1
        self.template(tokens)
        return j

    def header_start(self, cell: Cell) -> bool:
        k = self.classify(cell, self.st.scope)
        return k.role in ("label", "code") or (k.role == "value" and bool(k.measure or k.skip))

    # -- streams ------------------------------------------------------------
    def stream(self, cells: list[Cell], i: int, n: int) -> int | None:
        """One cell per line: a header run (label columns then value columns,
        at least one measure) gives the width; rows follow as label cells then
        value cells. Stops at the first row that does not fit. Returns the
        number of cells consumed, or None when there is no header run."""
        keys: list[Key] = []
        j = i
        while j < n and cells[j].end > cells[j].start:
            k = self.classify(cells[j], self.st.scope)
            if k.role not in ("label", "code") and not (k.role == "value" and (k.measure or k.skip)):
                break
            if k.role in ("label", "code") and any(x.role == "value" for x in keys):
                break
            keys.append(k)
            j += 1
        values = [k for k in keys if k.role == "value"]
        if len(keys) < 2 or not any(k.measure for k in values) or j >= n:
            return None
        n_labels = max(1, len(keys) - len(values))
        header = ([Key(role="label")] if len(keys) == len(values) else []) + keys
        width = n_labels + len(values)
        consumed = j
        while j < n:
            while j < n and cells[j].end == cells[j].start:
                j += 1
            if j + width > n:
                break
            group = cells[j:j + width]
            gkeys = self.keys(group)
            labels_ok = all(k.role not in ("empty",) for k in gkeys[:n_labels]) and gkeys[n_labels - 1].role != "number"
            values_ok = all(k.role == "number" or self.is_blank_value(c)
                            for k, c in zip(gkeys[n_labels:], group[n_labels:]))
            if not (labels_ok and values_ok) or any(c.end == c.start for c in group[n_labels:]):
                break
            self.aligned(Row(group, group[0].start, group[-1].end), gkeys, header)
            j += width
            consumed = j
        self.st.header = None
        return consumed

    # -- facts --------------------------------------------------------------
    def emit(self, cells: list[Cell], first: int, idx: int, col: Key, row: Key, extra: tuple[str, ...]) -> None:
        decided = combine(col, row, self.st.scope, self.st.default_measure)
        if decided is None:
            return
        metric, measure, source = decided
        cell = cells[idx]
        m = self.number(cell)
        if m is None:
            return
        stated = m.group("unit") or col.unit or row.unit
        switched = self.lex.count_switch.get(metric, {}).get(stated)
        if switched:     # 公务接待费 under 批次 is the number of batches
            metric = switched
        kind = self.vocab.kinds.get(metric)
        if kind is None:
            return
        raw = m.group("num")
        own_unit = m.group("unit") or ""
        flags = ["table", *extra, *source.flags]
        unit = self.unit_of(own_unit, row.unit, col.unit, measure, metric, kind, flags)
        if unit is None and kind == "count" and not own_unit:
            # 公务接待批次 | 3: the label's own last word is the unit
            unit = next((u for u in self.lex.count_units.get(metric, ()) if source.name.endswith(u)), None)
        if unit is None:
            return
        if metric != "function_expenditure":
            metric, measure = self.remap_budget(metric, measure)
        if kind == "count":
            if measure != "amount":
                return
            measure = "count"
        raw = raw.replace("−", "-")
        clean = raw.replace(",", "")
        value = Decimal(clean)
        decimals = len(clean.split(".", 1)[1]) if "." in clean else 0
        factor = self.lex.money_units.get(unit)
        wan = value * factor if factor is not None and measure not in PERCENT_MEASURES else None
        char_start = cells[first].start
        compared: int | None = None
        if measure.startswith("change"):
            if self.fiscal_year:
                compared = self.fiscal_year - 1
            else:
                flags.append("compared_year_unstated")
        fact = Fact(
            doc_id=self.doc_id, metric=metric, measure=measure, value=value, value_text=raw, unit=unit,
            value_wan=wan, decimals=decimals, compared_year=compared,
            char_start=char_start, char_end=cell.end,
            value_start=m.start("num"), value_end=m.end("num"),
            quote=self.text[char_start:cell.end], section=self.st.title, flags=flags,
        )
        if metric == "function_expenditure":
            self.place_heading(fact, source)
        self.facts.append(fact)

    def place_heading(self, fact: Fact, row: Key) -> None:
        """Code, level and path of a heading row: `卫生健康支出(类)/行政事业单位医疗(款)/
        行政单位医疗(项)` from the rows above whose codes are this code's prefixes. A
        heading named with its level mark and no code gets the classification's code
        for that name under the parent row, when there is exactly one."""
        code, level = row.code, row.level or LEVEL_OF_DIGITS.get(len(row.code), "")
        if not code and level:
            parent = LEVELS[LEVELS.index(level) - 1] if LEVELS.index(level) else ""
            code = map_heading(self.lex, row.name, level, self.st.last_codes.get(parent, ""))
            if code:
                fact.flags.append("code_from_classification")
        fact.function_code, fact.function_name, fact.function_level = code, row.name, level
        if level:
            deeper = LEVELS[LEVELS.index(level):]
            self.st.last_codes = {k: v for k, v in self.st.last_codes.items() if k not in deeper}
            self.st.last_codes[level] = code
        if not code:
            return
        self.st.headings[code] = row.name
        parts = [f"{self.st.headings[code[:n]]}({lv})" for lv, n in LEVEL_DIGITS.items()
                 if len(code) >= n and code[:n] in self.st.headings]
        fact.function_path = "/".join(parts)

    def unit_of(self, own: str, row_unit: str, col_unit: str, measure: str, metric: str, kind: str,
                flags: list[str]) -> str | None:
        """The unit a cell is in: its own, else its row's, its column's, the table's."""
        if measure in PERCENT_MEASURES:   # a percent column: the table's money unit is not its unit
            stated = own or col_unit or row_unit
            if stated and stated not in self.lex.percent_units:
                return None
            return self.lex.percent_units[0]
        unit = own or row_unit or col_unit or ("" if kind == "count" else self.st.unit)
        if not unit:
            return None
        if kind == "money" and unit not in self.lex.money_units:
            return None
        if kind == "count" and unit not in self.lex.count_units.get(metric, ()):
            return None
        if not own:
            flags.append("unit_from_table")
        if unit == "万":
            flags.append("unit_abbreviated")
        return unit

    def remap_budget(self, metric: str, measure: str) -> tuple[str, str]:
        """A budget of a metric that has a budget metric of its own is that metric's
        amount: the lexicon's (三公经费 → three_public_budget) or the table's scope's."""
        scope = self.st.scope
        if measure == "budget" and scope is not None and metric in scope.budget_metric:
            return scope.budget_metric[metric], "amount"
        mapped = self.lex.budget_metric.get(metric, {}).get(measure)
        return (mapped, "amount") if mapped else (metric, measure)


def _sums_hold(block: dict[str, Decimal], sums: dict[str, tuple[str, ...]], decimals: int) -> bool:
    """Each total equals its parts, within the rounding of the printed decimals."""
    unit = Decimal(1).scaleb(-decimals)
    return all(abs(block[total] - sum((block[p] for p in parts), Decimal(0))) <= unit * len(parts) / 2
               for total, parts in sums.items())


def _fill_forward(keys: list[Key]) -> list[Key]:
    """A merged header cell flattened to one cell and blanks: the blanks after it belong to it."""
    out: list[Key] = []
    for k in keys:
        if k.role == "empty" and out and out[-1].role == "value":
            out.append(out[-1])
        else:
            out.append(k)
    return out


def _merge_rows(upper: list[Key], lower: list[Key]) -> list[Key]:
    """Merge a header level into the levels above it, column by column; a blank
    in the lower level is filled from its left only under the same upper column."""
    filled: list[Key] = []
    for i, k in enumerate(lower):
        if k.role == "empty" and i > 0 and filled and filled[-1].role == "value" and upper[i] == upper[i - 1]:
            filled.append(filled[-1])
        else:
            filled.append(k)
    return [merge_levels(u, lo) for u, lo in zip(upper, filled)]


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
    return _normalise(probe, lex) == "执账于"


def _normalise(text: str, lex: Lexicon) -> str:
    from juesuan.extract import text as text_views

    norm = text_views.normalise(text, lex)
    if len(norm) != len(text):
        raise JuesuanError("normalisation changed the text's length; table offsets would not hold")
    return norm


def read_tables(text: str, doc_id: str, lex: Lexicon, fiscal_year: int | None = None) -> list[Fact]:
    """Facts stated in the flattened tables of a text, in text order.

    Linear in the text: one pass over its lines, after a pre-scan that returns
    at once when no header word of any table occurs."""
    vocab = default_vocabulary()
    norm = _normalise(text, lex)
    if not vocab.prescan.search(norm):
        return []
    if not _normaliser_converts(lex):
        norm = _simplified(norm)
    reader = TableReader(text, norm, doc_id, lex, vocab, fiscal_year)
    facts = reader.run()
    facts.sort(key=lambda f: (f.value_start, f.metric, f.measure))
    return facts
