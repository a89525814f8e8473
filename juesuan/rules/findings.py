"""From checks to the published `checks` and `findings` tables.

A failing check is a finding: an error of the source document, kept as
stated and explained in both languages. Each one must be acknowledged in
data/curated/acknowledged.csv with a reason; `make validate` fails on a
failure nobody has looked at and on an acknowledgement that no longer
matches a failure (stale). Extraction bugs are fixed, never acknowledged.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from juesuan.csvio import read_csv
from juesuan.paths import CURATED
from juesuan.rules.engine import Check

ACK_CSV = CURATED / "acknowledged.csv"
ACK_COLUMNS = ("doc_id", "rule", "key", "difference", "reason")


@dataclass
class Ack:
    doc_id: str
    rule: str
    key: str
    reason: str
    line: int
    difference: str = ""   # pinned: a changed difference makes the acknowledgement stale

    @property
    def check_id(self) -> str:
        return f"{self.doc_id}:{self.rule}:{self.key}"


def load_acks(path: Path = ACK_CSV) -> list[Ack]:
    from juesuan.errors import JuesuanError

    acks = []
    for r in read_csv(path, ACK_COLUMNS):
        if not r["reason"].strip():
            raise JuesuanError("an acknowledgement needs a reason", path, int(r["_line"]))
        acks.append(Ack(r["doc_id"], r["rule"], r["key"], r["reason"], int(r["_line"]), r["difference"]))
    return acks


def fmt(d: Decimal | None) -> str:
    return "" if d is None else format(d, "f")


def check_row(c: Check) -> dict[str, object]:
    return {
        "check_id": c.check_id, "doc_id": c.doc_id, "rule": c.rule, "family": c.family, "key": c.key,
        "outcome": c.outcome, "severity": c.severity, "lhs": fmt(c.lhs), "rhs": fmt(c.rhs),
        "difference": fmt(c.difference), "tolerance": fmt(c.tolerance), "detail": c.detail,
        "facts": ";".join(f.fact_id for f in c.facts),
    }


def explain(c: Check, templates: dict[str, dict[str, str]]) -> tuple[str, str]:
    t = templates[c.family]
    values = {"lhs": fmt(c.lhs), "rhs": fmt(c.rhs), "difference": fmt(c.difference), "tolerance": fmt(c.tolerance),
              "detail": c.detail}
    return t["zh"].format(**values).strip(), t["en"].format(**values).strip()


def finding_rows(checks: list[Check], acks: list[Ack], templates: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    by_id = {a.check_id: a for a in acks}
    failing = {c.check_id: c for c in checks if c.outcome == "fail"}
    by_id = {k: a for k, a in by_id.items() if k in failing and matches(failing[k], a)}
    rows = []
    for c in checks:
        if c.outcome not in ("fail", "warning"):
            continue
        zh, en = explain(c, templates)
        a = c.facts[0] if c.facts else None
        b = c.facts[1] if len(c.facts) > 1 else None
        ack = by_id.get(c.check_id)
        rows.append({
            "finding_id": c.check_id, "doc_id": c.doc_id, "rule": c.rule, "family": c.family,
            "severity": c.severity, "lhs": fmt(c.lhs), "rhs": fmt(c.rhs), "difference": fmt(c.difference),
            "tolerance": fmt(c.tolerance), "explanation_zh": zh, "explanation_en": en,
            "fact_a": a.fact_id if a else "", "quote_a": a.quote if a else "", "line_a": a.line if a else "",
            "char_start_a": a.char_start if a else "", "char_end_a": a.char_end if a else "",
            "fact_b": b.fact_id if b else "", "quote_b": b.quote if b else "", "line_b": b.line if b else "",
            "char_start_b": b.char_start if b else "", "char_end_b": b.char_end if b else "",
            "facts": ";".join(f.fact_id for f in c.facts),
            "acknowledged": "true" if ack else "false", "reason": ack.reason if ack else "",
        })
    return rows


def matches(c: Check, a: Ack) -> bool:
    return not a.difference or a.difference == fmt(c.difference)


def gate(checks: list[Check], acks: list[Ack]) -> list[str]:
    """Problems that make `make validate` fail: unexplained failures and stale acknowledgements."""
    failing = {c.check_id: c for c in checks if c.outcome == "fail"}
    acked = {a.check_id: a for a in acks}
    problems = []
    for cid, c in failing.items():
        if cid in acked and not matches(c, acked[cid]):
            a = acked[cid]
            problems.append(f"STALE acknowledgement {ACK_CSV.name}:{a.line}: {cid} was acknowledged with difference "
                            f"{a.difference}, the check now differs by {fmt(c.difference)}")
        elif cid not in acked:
            names = ", ".join(f"line {f.line}: {f.quote[:40]}" for f in c.facts[:2])
            problems.append(
                f"UNEXPLAINED {c.rule} in {c.doc_id} [{c.key}]: lhs {fmt(c.lhs)} vs rhs {fmt(c.rhs)}, "
                f"difference {fmt(c.difference)}, tolerance {fmt(c.tolerance)}; {c.detail}; {names}"
            )
    for cid, a in acked.items():
        if cid not in failing:
            problems.append(f"STALE acknowledgement {ACK_CSV.name}:{a.line}: {cid} no longer matches a failing check")
    return problems
