"""The vocabulary of flattened tables, loaded from tables.yml.

What a header cell, a row label or a table title means is data a maintainer
edits (tables.yml, beside the lexicon's `terms`); this module only reads it,
checks it names known measures, and compiles the pre-scan that lets a text
without any table through at once.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from juesuan.errors import JuesuanError
from juesuan.extract.lexicon import read_sections
from juesuan.model import MEASURES as FACT_MEASURES
from juesuan.paths import METRICS_CSV

TABLES_PATH = Path(__file__).with_name("tables.yml")
# A table column may state any measure of the fact model except `count` (a count
# is an amount whose metric counts; the reader decides that from the metric).
MEASURES = tuple(m for m in FACT_MEASURES if m != "count")


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
    prescan_after: re.Pattern[str] = field(default=re.compile("$^"))
    kinds: dict[str, str] = field(default_factory=dict)   # metric -> money / count


def load_vocabulary(path: Path = TABLES_PATH) -> TableVocabulary:
    """Read tables.yml; a malformed file is reported with its name and line."""
    raw = read_sections(path, "table vocabulary",
                        ("measures", "label_headers", "code_headers", "totals", "labels", "scopes", "unit_line"))
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
    cell = rf"[ \t]*(?:(?:19|20)\d\d年度?)?(?:{alt})[ \t]*(?:$|[\t|:(\r ])"
    vocab.prescan = re.compile(rf"(?m)(?:^|[\t|]){cell}")
    # the same test after a line break, a tab or a pipe: a pattern that opens with a
    # character class is scanned for in C, where `^|…` is tried at every position
    vocab.prescan_after = re.compile(rf"(?m)[\n\t|]{cell}")
    with open(METRICS_CSV, encoding="utf-8", newline="") as fh:
        vocab.kinds = {row["metric"]: row["kind"] for row in csv.DictReader(fh)}
    return vocab


def header_cells(vocab: TableVocabulary, norm: str) -> list[int]:
    """Offsets (in text order) inside every line where a header word stands as a cell
    of its own (`prescan`): the lines a table reader must look at."""
    first = vocab.prescan.match(norm)
    out = [0] if first else []
    out += [m.start() + (norm[m.start()] == "\n") for m in vocab.prescan_after.finditer(norm, first.end() if first else 0)]
    return out


@lru_cache(maxsize=1)
def default_vocabulary() -> TableVocabulary:
    return load_vocabulary()

