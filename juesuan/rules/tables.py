"""The rules' published tables, computed once per build: `checks`,
`findings` and `disclosures`.

The package build calls `rule_tables` with the facts it has just merged and
the curated tables it has loaded; nothing here reads the package back.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from juesuan.model import Fact
from juesuan.rules.checks import Check
from juesuan.rules.context import Context, Document
from juesuan.rules.curated_checks import indicator_checks, score_checks
from juesuan.rules.engine import run_context
from juesuan.rules.families.text import DisclosureParams, disclosed, section_list
from juesuan.rules.findings import check_row, finding_rows, load_acks
from juesuan.rules.loader import load_rules
from juesuan.rules.registry import RuleSet
from juesuan.sources import Source


def documents_of(sources: Iterable[Source]) -> list[Document]:
    return [Document(s.doc_id, s.fiscal_year, s.row.get("entity_id", ""), s.text, s.row.get("report_date", "") or "",
                     s.row.get("doc_kind", "") or "") for s in sources]


def all_checks(facts: Iterable[Fact], docs: list[Document], classification: list[dict[str, str]],
               indicators: list[dict[str, Any]], scores: list[dict[str, Any]], totals: list[dict[str, Any]],
               rules: RuleSet) -> list[Check]:
    ctx = Context(facts, docs, classification)
    return (run_context(ctx, rules) + score_checks(scores, totals, ctx.documents)
            + indicator_checks(indicators, ctx))


def disclosure_rows(docs: list[Document], rules: RuleSet) -> list[dict[str, Any]]:
    """Per document, each section of the template that applies in its year, and the line where it starts."""
    rows: list[dict[str, Any]] = []
    for inst in rules.instances:
        if not isinstance(inst, DisclosureParams):
            continue
        for d in sorted(docs, key=lambda x: x.doc_id):
            rows += document_disclosures(d, inst)
    return rows


def document_disclosures(d: Document, inst: DisclosureParams) -> list[dict[str, Any]]:
    """One document's rows for one disclosure instance (none if the instance is not for its kind)."""
    if d.kind not in inst.kinds:
        return []
    return [{"doc_id": d.doc_id, "section": s.key, "title_zh": s.title_zh, "present": "true" if line else "false",
             "line": line if line else "", "applies_from": s.since, "applies_to": s.until or ""}
            for s, line in disclosed(d, section_list(inst), inst.prefix)]


def rule_tables(facts: Iterable[Fact], sources: Iterable[Source], classification: list[dict[str, str]],
                indicators: list[dict[str, Any]], scores: list[dict[str, Any]], totals: list[dict[str, Any]],
                rules: RuleSet | None = None) -> dict[str, list[dict[str, Any]]]:
    rules = rules or load_rules()
    docs = documents_of(sources)
    checks = all_checks(facts, docs, classification, indicators, scores, totals, rules)
    findings, finding_of = finding_rows(checks, load_acks(), rules.explanations)
    return {"checks": [check_row(c, finding_of.get(c.check_id, "")) for c in checks], "findings": findings,
            "disclosures": disclosure_rows(docs, rules)}
