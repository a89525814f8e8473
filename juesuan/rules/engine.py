"""The rule engine: every rule instance of rules.yml on every document, once.

The facts are indexed once by (doc, metric, measure) (see context.py); each
instance is a registered family function applied per document, so the cost
is linear in the number of documents. Checks that share an id (two instances
reaching the same figure) are kept once.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Protocol

from juesuan.model import Fact
from juesuan.rules.checks import Check
from juesuan.rules.context import Context, Document
from juesuan.rules.loader import load_rules
from juesuan.rules.registry import FAMILIES, RuleSet

__all__ = ["run", "run_context", "summarise"]


def run(facts: Iterable[Fact], documents: Iterable[Document], classification: list[dict[str, str]],
        rules: RuleSet | None = None) -> list[Check]:
    return run_context(Context(facts, documents, classification), rules or load_rules())


def run_context(ctx: Context, rules: RuleSet, only: Collection[str] | None = None) -> list[Check]:
    """Every instance on every document of `ctx`, or on the documents `only` names: a
    build that streams documents gives the context one document and the others of its
    body (the year-on-year rules read those) and checks that one document only."""
    ctx.use_heading_labels(rules.heading_labels)
    checks: list[Check] = []
    seen: set[str] = set()
    for doc in sorted(ctx.documents if only is None else only):
        for inst in rules.instances:
            for c in FAMILIES[inst.family].fn(ctx, doc, inst):
                if c.check_id not in seen:
                    seen.add(c.check_id)
                    c.values.setdefault("template", inst.explanation)
                    checks.append(c)
    return checks


class HasOutcome(Protocol):
    @property
    def outcome(self) -> str: ...


def summarise(checks: Iterable[HasOutcome]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for c in checks:
        counts[c.outcome] += 1
    return dict(counts)
