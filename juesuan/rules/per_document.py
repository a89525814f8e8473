"""The rules' tables one document at a time, for a build that streams documents.

Why: `rule_tables` takes every fact and every text of the corpus at once, so a
build holding them grows by ~0.4 MB per document. Every rule reads one
document, except the year-on-year comparison with the body's other reports
(`previous_report`, via `Context.by_entity_year`). So a document is checked in
a context holding it and the other documents of its body only, and its
findings are grouped from its own checks (a finding's checks always belong to
one document: their cause keys carry its doc_id).

The published order is kept byte for byte: rule checks document by document
(the order `run_context` uses), then the curated score checks (items in the
order their documents first appear in score_items.csv, then the totals in
their order) and the indicator checks in indicators order; the caller holds
those curated rows (as many as the curated CSVs have) and writes them last.
Disclosure rows come instance by instance (`disclosures[i]`), each instance
over the documents in doc_id order.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from juesuan.model import Fact
from juesuan.rules.checks import Check
from juesuan.rules.context import Context, Document
from juesuan.rules.curated_checks import indicator_checks, score_checks
from juesuan.rules.engine import run_context
from juesuan.rules.families.text import DisclosureParams
from juesuan.rules.findings import Ack, check_row, finding_rows, load_acks
from juesuan.rules.loader import load_rules
from juesuan.rules.registry import RuleSet
from juesuan.rules.tables import document_disclosures


@dataclass
class DocumentTables:
    """One document's rows of `checks`, `findings` and `disclosures`."""

    checks: list[dict[str, Any]]                          # the rule checks, in published order
    findings: list[dict[str, Any]]
    disclosures: list[list[dict[str, Any]]]               # per disclosure instance
    score_items: list[dict[str, Any]] = field(default_factory=list)   # curated checks, written last
    score_totals: dict[int, dict[str, Any]] = field(default_factory=dict)   # by position in totals
    indicators: dict[int, dict[str, Any]] = field(default_factory=dict)     # by position in indicators


class DocumentRules:
    """The rule set, acknowledgements and curated tables loaded once per build;
    `tables()` checks one document."""

    def __init__(self, classification: list[dict[str, str]], indicators: list[dict[str, Any]],
                 scores: list[dict[str, Any]], totals: list[dict[str, Any]],
                 rules: RuleSet | None = None, acks: list[Ack] | None = None) -> None:
        self.rules = rules or load_rules()
        self.acks = load_acks() if acks is None else acks
        self.classification = classification
        self.disclosure_instances = [i for i in self.rules.instances if isinstance(i, DisclosureParams)]
        self.indicators: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for n, ind in enumerate(indicators):
            self.indicators.setdefault(ind["doc_id"], []).append((n, ind))
        self.scores: dict[str, list[dict[str, Any]]] = {}
        for s in scores:
            self.scores.setdefault(s["doc_id"], []).append(s)
        #: where a document's score item checks go among the others: its first row in score_items
        self.score_rank = {doc: n for n, doc in enumerate(self.scores)}
        self.totals: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for n, t in enumerate(totals):
            self.totals.setdefault(t["doc_id"], []).append((n, t))

    def tables(self, doc: Document, facts: Iterable[Fact], body: list[Document] | None = None) -> DocumentTables:
        """Check `doc`. `body`: the documents of its body, `doc` among them, in sources.csv order
        (`Context.by_entity_year` keeps the last of a year, as for the whole corpus); `facts`:
        the facts of all of them."""
        ctx = Context(facts, body or [doc], self.classification)
        checks = run_context(ctx, self.rules, only=(doc.doc_id,))
        docs = {doc.doc_id: doc}
        items = self.scores.get(doc.doc_id, [])
        item_checks = score_checks(items, [], docs)
        totals = self.totals.get(doc.doc_id, [])
        total_checks = score_checks(items, [t for _, t in totals], docs)[len(item_checks):] if totals else []
        ind_checks: list[tuple[int, Check]] = []
        for n, ind in self.indicators.get(doc.doc_id, []):
            ind_checks += [(n, c) for c in indicator_checks([ind], ctx)]
        findings, finding_of = finding_rows(
            checks + item_checks + total_checks + [c for _, c in ind_checks], self.acks, self.rules.explanations)

        def row(c: Check) -> dict[str, Any]:
            return check_row(c, finding_of.get(c.check_id, ""))

        return DocumentTables(
            checks=[row(c) for c in checks], findings=findings,
            disclosures=[document_disclosures(doc, inst) for inst in self.disclosure_instances],
            score_items=[row(c) for c in item_checks],
            score_totals={n: row(c) for (n, _), c in zip(totals, total_checks, strict=True)},
            indicators={n: row(c) for n, c in ind_checks},
        )
