"""The facts of a build indexed once, so every rule looks figures up in O(1).

Rules ask "the `metric`/`measure` figures of document D (on line L, in
section S, under code C)": the index is keyed by (doc, metric, measure), built
in one pass, so the whole rule set is linear in the number of documents.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from juesuan.extract.lexicon import default_lexicon
from juesuan.extract.text import normalise
from juesuan.lines import LineIndex
from juesuan.model import Fact
from juesuan.rules.checks import RF
from juesuan.rules.labels import HeadingLabels


@dataclass
class Document:
    doc_id: str
    fiscal_year: int
    entity_id: str
    text: str
    report_date: str = ""
    kind: str = ""
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.starts:
            self.starts = LineIndex(self.text).starts

    @cached_property
    def norm(self) -> str:
        """The text as the extractor reads it (full-width folded, traditional → simplified), same length:
        the text rules match here and quote the original at the same offsets."""
        return normalise(self.text, default_lexicon())

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)   # LineIndex.line_of on the kept starts

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[start:end]


def _refine(groups: Iterable[list[RF]]) -> None:
    """A figure stated twice is known to the precision of its more precise statement (7822.5 on one line and
    7822.51 on another: 7822.51 ± 0.005), so sums and shares test it at that precision. Only statements on
    different lines that agree within rounding narrow each other; contradicting ones are same_figure_twice's."""
    for fs in groups:
        if len(fs) < 2:
            continue
        for f in fs:
            iv = f.interval
            assert iv is not None
            for other in sorted(fs, key=lambda o: -o.decimals):
                narrower = iv.intersect(other.interval) if other.line != f.line and other.interval else None
                if narrower is not None and other.unit == f.unit:
                    iv = narrower
            f.refined = iv if iv != f.interval else None


class Context:
    """Everything a rule may read: facts by (doc, metric, measure), documents, classification."""

    def __init__(self, facts: Iterable[Fact], documents: Iterable[Document],
                 classification: list[dict[str, str]]) -> None:
        self.documents = {d.doc_id: d for d in documents}
        self.classification = classification
        self.by_doc: dict[str, list[RF]] = defaultdict(list)
        self.by_key: dict[tuple[str, str, str], list[RF]] = defaultdict(list)
        for f in facts:
            doc = self.documents.get(f.doc_id)
            rf = RF(f, doc.line_of(f.value_start) if doc else 0)
            self.by_doc[f.doc_id].append(rf)
        for fs in self.by_doc.values():
            fs.sort(key=lambda x: x.value_start)
            for rf in fs:
                self.by_key[(rf.doc_id, rf.metric, rf.measure)].append(rf)
        self.heading_labels = HeadingLabels()
        self.by_entity_year = {(d.entity_id, d.fiscal_year): d.doc_id for d in self.documents.values()}
        self.classification_by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in classification:
            self.classification_by_code[row["code"]].append(row)

    def use_heading_labels(self, labels: HeadingLabels) -> None:
        """Read heading names as `labels` says (卫生健康 and 卫生健康支出 name one heading), and narrow every
        figure stated twice to what both statements allow."""
        self.heading_labels = labels
        for doc in self.by_doc:
            _refine(self.restatements(doc).values())

    def restatement_key(self, f: RF) -> tuple[object, ...] | None:
        """Statements of one figure share this key (metric, measure, heading, base, year); None for a figure
        that cannot be restated (no unit, or a heading nobody could name)."""
        if f.interval is None or (f.metric == "function_expenditure" and not (f.function_code or f.function_name)):
            return None
        name = self.heading_labels.normal(f.function_name)
        return (f.metric, f.measure, f.function_code, name, f.base_metric, f.compared_year)

    def restatements(self, doc: str) -> dict[tuple[object, ...], list[RF]]:
        """The document's figures grouped by what they state, in document order."""
        groups: dict[tuple[object, ...], list[RF]] = defaultdict(list)
        for f in self.facts(doc):
            key = self.restatement_key(f)
            if key is not None:
                groups[key].append(f)
        return groups

    def find(self, doc: str, metric: str, measure: str = "amount", *, line: int | None = None,
             section: str | None = None, code: str | None = None) -> list[RF]:
        """Figures with a unit of `metric`/`measure`, in document order."""
        return [f for f in self.by_key.get((doc, metric, measure), ())
                if (line is None or f.line == line) and (section is None or f.section == section)
                and (code is None or f.function_code == code) and f.interval is not None]

    def first(self, doc: str, metric: str, measure: str = "amount", *, code: str | None = None) -> RF | None:
        """The document's first statement of `metric`, or None: the one figure a rule compares when it needs one."""
        return next(iter(self.find(doc, metric, measure, code=code)), None)

    def nearest(self, doc: str, metric: str, measure: str, anchor: RF, code: str | None = None) -> RF | None:
        """The statement of `metric` closest before `anchor`: same line, else same section, else first in the document."""
        for scope in ("line", "section", "doc"):
            cands = self.find(doc, metric, measure, code=code, line=anchor.line if scope == "line" else None,
                              section=anchor.section if scope == "section" else None)
            if cands:
                before = [f for f in cands if f.value_start <= anchor.value_start]
                return before[-1] if before else cands[0]
        return None

    def facts(self, doc: str) -> list[RF]:
        return self.by_doc.get(doc, [])
