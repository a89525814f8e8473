"""Facts: one figure a document states, with the place where it states it.

This module re-exports the fact type (juesuan.model) and the measure
vocabulary, and holds the document pass: normalise, reflow, split into sentences, read each sentence
(juesuan.extract.reader holds the grammar), then merge the flattened-table
reader's facts and flag units that stand out.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from juesuan.extract.lexicon import Lexicon
from juesuan.extract.reader import SentenceReader
from juesuan.extract.tables import read_tables
from juesuan.extract.text import headings_and_lines, normalise, reflow, split_sentences
from juesuan.extract.vocabulary import METRIC_GROUPS, METRIC_KINDS, _load_vocabulary, parse_number
from juesuan.model import MEASURES, Fact, Measure

__all__ = ["MEASURES", "METRIC_GROUPS", "METRIC_KINDS", "Fact", "Measure", "_load_vocabulary", "extract", "flag_units",
           "parse_number"]


def flag_units(facts: list[Fact], money_units: Iterable[str], abbreviated: Iterable[str] = ()) -> None:
    """A money figure whose unit differs from the unit its section (or, in a
    short section, its document) uses for other figures is suspect: record it
    as written, flag it, never rescale it.

    The verdict depends only on (section, unit), so it is decided once per pair:
    a large document's thousands of figures cost one lookup each."""
    units = set(money_units) - set(abbreviated)   # 万 alone is flagged as abbreviated already
    by_section: dict[str, Counter[str]] = {}
    doc: Counter[str] = Counter()
    money = [f for f in facts if f.unit in units and METRIC_KINDS.get(f.metric) == "money"]
    for f in money:
        by_section.setdefault(f.section, Counter())[f.unit] += 1
        doc[f.unit] += 1
    verdicts: dict[tuple[str, str], str | None] = {}
    for f in money:
        key = (f.section, f.unit)
        if key not in verdicts:
            verdicts[key] = _suspect(by_section[f.section], doc, f.unit)
        if verdicts[key] is not None:
            f.flags.append(f"unit_suspect:{verdicts[key]}")


def _suspect(section: Counter[str], doc: Counter[str], unit: str) -> str | None:
    """The dominant other unit when `unit` stands out among the other figures of its
    section (of the document when the section has fewer than two others), else None."""
    counts = section.copy()
    counts[unit] -= 1
    if sum(counts.values()) < 2:
        counts = doc.copy()
        counts[unit] -= 1
    if not counts or sum(counts.values()) <= 0:
        return None
    dominant, n = counts.most_common(1)[0]
    return dominant if dominant != unit and n > 0 and counts[unit] < n else None


def extract(text: str, doc_id: str, lex: Lexicon, fiscal_year: int | None = None) -> list[Fact]:
    """All facts a text states, in document order."""
    if not METRIC_KINDS:
        _load_vocabulary()

    norm = normalise(text, lex)
    lines = headings_and_lines(norm, lex)
    flow = reflow(norm, lex, lines)
    reader = SentenceReader(lex, doc_id, text, flow, fiscal_year, Fact)
    for sent in split_sentences(flow, norm, lex, lines):
        reader.read(sent)
    facts = merge_table_facts(_once(reader.facts), text, doc_id, lex, fiscal_year, norm)
    flag_units(facts, lex.money_units, lex.abbreviated_units)
    facts.sort(key=lambda f: (f.value_start, f.metric, f.measure))
    return facts


def _once(facts: list[Fact]) -> list[Fact]:
    """One fact per printed number, metric and measure (收入总计、支出总计均为X names
    one metric twice: X is one figure of it)."""
    seen: set[tuple[int, str, str]] = set()
    out = []
    for f in facts:
        key = (f.value_start, f.metric, f.measure)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def merge_table_facts(facts: list[Fact], text: str, doc_id: str, lex: Lexicon, fiscal_year: int | None,
                      norm: str | None = None) -> list[Fact]:
    """The flattened-table reader's facts join the sentence facts; where both
    read the same printed number, the table's reading wins (it knows the
    column), so no value span has two facts of one metric and measure."""
    table = read_tables(text, doc_id, lex, fiscal_year, norm)
    spans = {(f.value_start, f.value_end) for f in table}
    return [f for f in facts if (f.value_start, f.value_end) not in spans] + list(table)
