"""The per-document tables of the package, streamed one document at a time.

Why: a corpus of any size must build in bounded memory. Every table that grows
with the corpus (documents, facts, source_text, line_items, checks, findings,
disclosures) is written a document at a time into its staged CSV, and what the
build keeps between documents is small: an offset per document in a spill
file, the curated checks (as many as the curated CSVs have rows), a few recent
documents.

Two passes, because a document's year-on-year rules read the facts of its
body's other years, which may come later in doc_id order: pass 1 extracts every
document and spills its facts to disk; pass 2 reads each document again with
the facts of its body's years and writes all its rows. The output is the one
the whole-corpus build wrote, byte for byte, in the same order.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from juesuan.csvio import CsvSink
from juesuan.errors import JuesuanError
from juesuan.extract.facts import Fact, extract
from juesuan.extract.lexicon import LEXICON_PATH, Lexicon, default_lexicon
from juesuan.extract.text import section_index
from juesuan.lines import LineIndex
from juesuan.package.curated import line_items
from juesuan.package.spill import FactSpill, Spool
from juesuan.paths import CURATED_FACTS_CSV
from juesuan.rules.context import Document
from juesuan.rules.per_document import DocumentRules
from juesuan.rules.tables import documents_of
from juesuan.sources import Source


def fmt_decimal(d: Decimal | None) -> str:
    if d is None:
        return ""
    return format(d, "f")


def merge_facts(extracted: list[Fact], curated: list[Fact]) -> list[Fact]:
    """Curated rows add what the script cannot read; they never replace a fact
    the script read. A curated row at the same place with another value is an
    error (someone must decide which is right), not a silent override."""
    by_key = {(f.doc_id, f.value_start, f.metric, f.measure): f for f in extracted}
    out = list(extracted)
    for c in curated:
        key = (c.doc_id, c.value_start, c.metric, c.measure)
        if key in by_key:
            e = by_key[key]
            if e.value != c.value:
                raise JuesuanError(
                    f"curated fact {c.metric}/{c.measure}={c.value} disagrees with the extracted {e.value} "
                    f"at {c.doc_id}:{c.value_start}", CURATED_FACTS_CSV,
                )
            continue  # the extractor reads it now: the curated row is redundant but harmless
        out.append(c)
    out.sort(key=lambda f: (f.doc_id, f.value_start, f.metric, f.measure))
    return out


def fact_row(f: Fact, lines: LineIndex) -> dict[str, object]:
    return {
        "fact_id": f.fact_id, "doc_id": f.doc_id, "metric": f.metric, "measure": f.measure,
        "value": fmt_decimal(f.value), "value_text": f.value_text, "unit": f.unit,
        "value_wan": fmt_decimal(f.value_wan), "decimals": f.decimals,
        "function_code": f.function_code, "function_name": f.function_name,
        "function_level": f.function_level, "function_path": f.function_path,
        "base_metric": f.base_metric, "compared_year": f.compared_year or "",
        "char_start": f.char_start, "char_end": f.char_end, "value_start": f.value_start,
        "value_end": f.value_end, "line": lines.line_of(f.value_start), "quote": f.quote,
        "section": f.section, "flags": ";".join(f.flags), "origin": f.origin, "note": f.note,
    }


@dataclass
class Corpus:
    """The documents of a build and what checking each of them needs."""

    sources: list[Source]                  # doc_id order: the order of every per-document table
    listed: list[Source]                   # sources.csv order (the rules resolve a body's year to its last)
    curated: dict[str, list[Fact]]         # the curated facts by document
    metric_ids: set[str]
    entity_names: dict[str, str]
    rules: DocumentRules


def extracted(pkg: Corpus, s: Source, lex: Lexicon) -> list[Fact]:
    """One document's facts: extracted, then the curated ones merged in."""
    facts = extract(s.text, s.doc_id, lex, s.fiscal_year)
    unknown = sorted({f.metric for f in facts} - pkg.metric_ids)
    if unknown:
        raise JuesuanError(f"the lexicon names metrics missing from the vocabulary: {', '.join(unknown)}", LEXICON_PATH)
    curated = pkg.curated.get(s.doc_id, [])
    if curated:
        sections = section_index(s.text, lex)
        curated = [replace(c, section=c.section or sections.section_at(c.value_start)) for c in curated]
    return merge_facts(facts, curated)


def document_row(pkg: Corpus, s: Source, text: str, facts: int) -> dict[str, object]:
    row: dict[str, object] = {k: v for k, v in s.row.items() if not k.startswith("_")}
    row["label"] = f"{pkg.entity_names.get(s.row['entity_id'], s.row['entity_id'])} {s.row['fiscal_year']}"
    row["chars"] = len(text)
    row["lines"] = text.count("\n") + (0 if text.endswith("\n") else 1)
    row["facts"] = facts
    return row


def source_lines(doc_id: str, text: str) -> Iterator[dict[str, object]]:
    """One document's source_text rows. CR of CRLF files is not part of a line's text."""
    pos = 0
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, start=1):
        body = line[:-1] if line.endswith("\r") else line
        yield {"doc_id": doc_id, "line": n, "char_start": pos, "char_end": pos + len(body), "text": body}
        pos += len(line) + 1


class Bodies:
    """For each document, the documents its year-on-year rules may read: itself and, per
    fiscal year of its body, the last listed document of that year (the one
    `Context.by_entity_year` resolves to), in sources.csv order. The last few documents
    loaded are kept with their facts (a body's reports are usually neighbours in doc_id
    order); any other is read back from its source and the spill."""

    def __init__(self, listed: list[Source], spill: FactSpill, keep: int = 16) -> None:
        self.spill = spill
        self.position = {s.doc_id: n for n, s in enumerate(listed)}
        self.last_of_year: dict[str, dict[int, Source]] = {}
        for s in listed:
            self.last_of_year.setdefault(s.row.get("entity_id", ""), {})[s.fiscal_year] = s
        self.keep = keep
        self._cache: OrderedDict[str, tuple[Document, list[Fact]]] = OrderedDict()

    def load(self, s: Source) -> tuple[Document, list[Fact]]:
        hit = self._cache.get(s.doc_id)
        if hit is None:
            hit = (documents_of([s])[0], self.spill.get(s.doc_id))
            self._cache[s.doc_id] = hit
            if len(self._cache) > self.keep:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(s.doc_id)
        return hit

    def of(self, s: Source) -> list[Source]:
        members = {s.doc_id: s}
        for other in self.last_of_year.get(s.row.get("entity_id", ""), {}).values():
            members.setdefault(other.doc_id, other)
        return sorted(members.values(), key=lambda x: self.position[x.doc_id])


def _write(sink: CsvSink, rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sink.write(row)


class _Later:
    """Rows a table prints after all documents: the curated checks (in the curated tables'
    order) and the disclosures of every instance but the first (instance by instance)."""

    def __init__(self, disclosure_spools: list[Spool]) -> None:
        self.score_items: list[tuple[int, list[dict[str, Any]]]] = []
        self.score_totals: dict[int, dict[str, Any]] = {}
        self.indicators: dict[int, dict[str, Any]] = {}
        self.disclosures = disclosure_spools

    def write(self, sinks: dict[str, CsvSink]) -> None:
        for _, rows in sorted(self.score_items, key=lambda x: x[0]):
            _write(sinks["checks"], rows)
        _write(sinks["checks"], (self.score_totals[n] for n in sorted(self.score_totals)))
        _write(sinks["checks"], (self.indicators[n] for n in sorted(self.indicators)))
        for spool in self.disclosures:
            _write(sinks["disclosures"], spool)


def write_documents(pkg: Corpus, sinks: dict[str, CsvSink], where: Path) -> None:
    """Every per-document table into `sinks`; `where`: a directory for the spill files."""
    lex = default_lexicon()
    spill = FactSpill(where)
    later = _Later([Spool(where) for _ in pkg.rules.disclosure_instances[1:]])
    try:
        for s in pkg.sources:                                  # pass 1: extract
            spill.put(s.doc_id, extracted(pkg, s, lex))
        bodies = Bodies(pkg.listed, spill)
        for s in pkg.sources:                                  # pass 2: rows and rules
            doc, facts = bodies.load(s)
            lines = LineIndex(doc.text)
            rows = [fact_row(f, lines) for f in facts]
            sinks["documents"].write(document_row(pkg, s, doc.text, len(facts)))
            _write(sinks["facts"], rows)
            _write(sinks["source_text"], source_lines(s.doc_id, doc.text))
            _write(sinks["line_items"], line_items(rows))
            body = [bodies.load(b) for b in bodies.of(s)]
            out = pkg.rules.tables(doc, [f for _, fs in body for f in fs], [d for d, _ in body])
            _write(sinks["checks"], out.checks)
            _write(sinks["findings"], out.findings)
            if out.disclosures:
                _write(sinks["disclosures"], out.disclosures[0])
                for spool, rows_of in zip(later.disclosures, out.disclosures[1:], strict=True):
                    spool.extend(rows_of)
            if out.score_items:
                later.score_items.append((pkg.rules.score_rank[s.doc_id], out.score_items))
            later.score_totals.update(out.score_totals)
            later.indicators.update(out.indicators)
        later.write(sinks)
    finally:
        spill.close()
        for spool in later.disclosures:
            spool.close()
