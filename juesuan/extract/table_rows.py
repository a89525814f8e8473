"""Rows of a flattened table read into facts.

A row is read under the header in force (one or more header rows merged
column by column), by position when it has the header's width, by order when
its figures are as many as the header's value columns, and otherwise only
where a measure cell stands before its figure (`预算数: | 88万`). A stream of
one cell per line is cut into rows by its header's width. A row of bare
figures is read only as a standard table whose sums hold (`Template`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from juesuan.classification import LEVEL_DIGITS, LEVEL_OF_DIGITS, LEVELS
from juesuan.extract.lexicon import Lexicon, map_heading
from juesuan.extract.table_cells import (
    CODE_RE,
    EMPTY,
    Cell,
    CellReader,
    Key,
    Row,
    combine,
    fill_forward,
    merge_rows,
    unambiguous,
)
from juesuan.extract.table_vocabulary import (
    TableScope,
    TableVocabulary,
)
from juesuan.model import PERCENT_MEASURES, Fact


@dataclass
class _State:
    """What is in force while a table is read: its title (and so its scope), its
    unit line, its header; a new title or a prose line ends it."""
    header: list[Key] | None = None
    spaced: bool = False          # the header was a line of words separated by spaces
    headings: dict[str, str] = field(default_factory=dict)   # code -> name, for heading paths
    last_codes: dict[str, str] = field(default_factory=dict)  # level -> code of the last heading row
    default_measure: str | None = None
    unit: str = ""
    title: str = ""
    scope: TableScope | None = None
    last_was_header: bool = False


class RowReader(CellReader):
    """Reads rows into facts, keeping the state of the table being read."""

    def __init__(self, text: str, norm: str, doc_id: str, lex: Lexicon, vocab: TableVocabulary,
                 fiscal_year: int | None) -> None:
        super().__init__(text, norm, doc_id, lex, vocab, fiscal_year)
        self.facts: list[Fact] = []
        self.st = _State()

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

    def header_start(self, cell: Cell) -> bool:
        k = self.classify(cell, self.st.scope)
        return k.role in ("label", "code") or (k.role == "value" and bool(k.measure or k.skip))

    def row(self, row: Row) -> None:
        keys = self.keys(row.cells)
        if self.is_header(keys):
            if self.st.last_was_header and self.st.header is not None and len(self.st.header) == len(keys):
                self.st.header = merge_rows(fill_forward(self.st.header), keys)
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
        header = unambiguous(self.st.header) if self.st.header is not None else None
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
            for col, idx in zip(cols, numbers, strict=False):
                self.emit(row.cells, first, idx, col, label, ("table_columns_by_count",))
        elif not self.template([c for c, k in zip(row.cells, keys, strict=False) if k.role != "empty"]):
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
        # a figure may print no unit (the table's) or a money unit; any other unit is not a template row
        if len(cells) < 2 or any(m is None or (m.group("unit") and m.group("unit") not in self.lex.money_units)
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
                blocks = [dict(zip(t.items, nums[k * width:(k + 1) * width], strict=False)) for k in range(len(measures))]
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
        digits = "".join(self.compact(c) for c, k in zip(cells, keys, strict=False) if k.role == "number")
        code = digits if digits.isdigit() and CODE_RE.fullmatch(digits) else ""
        if digits and not code:
            return Key(role="unknown")
        named = [(c, k) for c, k in zip(cells, keys, strict=False) if k.role not in ("empty", "number")]
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

    def stream(self, cells: list[Cell], i: int, n: int) -> int | None:
        """One cell per line: a header run gives the width; rows follow as label
        cells then value cells. Stops at the first row that does not fit. Returns
        the number of cells consumed, or None when there is no header run."""
        found = self.stream_header(cells, i, n)
        if found is None:
            return None
        header, n_labels, j = found
        header = unambiguous(header)
        width = len(header)
        consumed = j
        while j < n:
            while j < n and cells[j].end == cells[j].start:
                j += 1
            if j + width > n:
                break
            group = cells[j:j + width]
            gkeys = self.keys(group)
            labels_ok = all(k.role != "empty" for k in gkeys[:n_labels]) and gkeys[n_labels - 1].role != "number"
            values_ok = all(k.role == "number" or (self.is_blank_value(c) and c.end > c.start)
                            for k, c in zip(gkeys[n_labels:], group[n_labels:], strict=False))
            if not (labels_ok and values_ok):
                break
            self.aligned(Row(group, group[0].start, group[-1].end), gkeys, header)
            j += width
            consumed = j
        self.st.header = None
        return consumed

    def stream_header(self, cells: list[Cell], i: int, n: int) -> tuple[list[Key], int, int] | None:
        """The header run from cell `i`: label columns, then value columns with at
        least one measure. Returns the header (with a label column added when the
        run names none), the number of label columns and the cell after the run."""
        keys: list[Key] = []
        j = i
        while j < n and cells[j].end > cells[j].start:
            k = self.classify(cells[j], self.st.scope)
            is_value = k.role == "value" and bool(k.measure or k.skip)
            if not (is_value or k.role in ("label", "code")) or (not is_value and any(x.role == "value" for x in keys)):
                break
            keys.append(k)
            j += 1
        values = [k for k in keys if k.role == "value"]
        if len(keys) < 2 or not any(k.measure for k in values) or j >= n:
            return None
        header = ([Key(role="label")] if len(keys) == len(values) else []) + keys
        return header, len(header) - len(values), j

    def emit(self, cells: list[Cell], first: int, idx: int, col: Key, row: Key, extra: tuple[str, ...]) -> None:
        """The fact of the figure in `cells[idx]` under `col` beside `row`, if they
        name one; its quote runs from `cells[first]` (the row label) to the figure."""
        cell = cells[idx]
        m = self.number(cell)
        decided = combine(col, row, self.st.scope, self.st.default_measure)
        if m is None or decided is None:
            return
        flags = ["table", *extra, *decided[2].flags]
        named = self.metric_measure_unit(decided, m.group("unit") or "", col, row, flags)
        if named is None:
            return
        metric, measure, unit = named
        raw = m.group("num").replace("−", "-")
        value = Decimal(raw.replace(",", ""))
        factor = self.lex.money_units.get(unit)
        compared: int | None = None
        if measure.startswith("change"):
            if self.fiscal_year:
                compared = self.fiscal_year - 1
            else:
                flags.append("compared_year_unstated")
        char_start = cells[first].start
        fact = Fact(
            doc_id=self.doc_id, metric=metric, measure=measure, value=value, value_text=raw, unit=unit,
            value_wan=value * factor if factor is not None and measure not in PERCENT_MEASURES else None,
            decimals=max(0, -int(value.as_tuple().exponent)), compared_year=compared,
            char_start=char_start, char_end=cell.end, value_start=m.start("num"), value_end=m.end("num"),
            quote=self.text[char_start:cell.end], section=self.st.title, flags=flags,
        )
        scope = self.st.scope
        if measure == "share_pct" and scope is not None and scope.total and scope.total != metric:
            fact.base_metric = scope.total      # a share in a table is a share of the table's total
        if metric == "function_expenditure":
            self.place_heading(fact, decided[2])
        self.facts.append(fact)

    def metric_measure_unit(self, decided: tuple[str, str, Key], own_unit: str, col: Key, row: Key,
                            flags: list[str]) -> tuple[str, str, str] | None:
        """The figure's metric (switched to a count by a 批次/人次 unit), measure
        (a budget metric's budget is its amount; a count's amount is `count`) and unit."""
        metric, measure, source = decided
        switched = self.lex.count_switch.get(metric, {}).get(own_unit or col.unit or row.unit)
        metric = switched or metric           # 公务接待费 under 批次 is the number of batches
        kind = self.vocab.kinds.get(metric)
        if kind is None:
            return None
        unit = self.unit_of(own_unit, row.unit, col.unit, measure, metric, kind, flags)
        if unit is None and kind == "count" and not own_unit:
            # 公务接待批次 | 3: the label's own last word is the unit
            unit = next((u for u in self.lex.count_units.get(metric, ()) if source.name.endswith(u)), None)
        if unit is None:
            return None
        if metric != "function_expenditure":
            metric, measure = self.remap_budget(metric, measure)
        if kind == "count":
            if measure != "amount":
                return None
            measure = "count"
        return metric, measure, unit

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
        if unit in self.lex.abbreviated_units:
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

