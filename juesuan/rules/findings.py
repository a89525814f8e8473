"""From checks to the published `checks` and `findings` tables.

A finding is one underlying error (or doubt, or piece of information) of a
source document: the failing checks that share a cause — an explicit cause
(a unit slip, one heading code) or a printed number they both read — make
one finding that lists them. Severity: `error` for a failed check, `warning`
for a plausibility or text doubt, `info` for a breakdown that covers only
part of its total (the unitemised remainder stated) or a section the
template has and the document lacks. Each finding is explained in Chinese
and English; the template is the rule's own, else the family's.

Acknowledgements (data/curated/acknowledged.csv) name a check id of the
finding with a reason; `make validate` fails on an unacknowledged `error`
and on an acknowledgement that no longer matches a failing check (stale).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from juesuan.csvio import read_csv
from juesuan.errors import JuesuanError
from juesuan.paths import CURATED
from juesuan.rules.checks import RF, Check, fmt

ACK_CSV = CURATED / "acknowledged.csv"
ACK_COLUMNS = ("doc_id", "rule", "key", "difference", "reason")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


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
    acks = []
    for r in read_csv(path, ACK_COLUMNS):
        if len(r["reason"].strip()) < 20:
            raise JuesuanError("an acknowledgement needs a reason a reader can check (what the document says where)",
                               path, int(r["_line"]))
        acks.append(Ack(r["doc_id"], r["rule"], r["key"], r["reason"], int(r["_line"]), r["difference"]))
    return acks


def severity_of(c: Check) -> str | None:
    """The severity a check's outcome gives its finding; None: no finding."""
    if c.outcome == "fail":
        return c.severity
    if c.outcome == "warning":
        return c.severity if c.severity != "error" else "warning"
    if c.outcome == "incomplete":
        return "info"
    return None


def check_row(c: Check, finding: str = "") -> dict[str, object]:
    return {
        "check_id": c.check_id, "doc_id": c.doc_id, "rule": c.rule, "family": c.family, "key": c.key,
        "outcome": c.outcome, "severity": c.severity, "lhs": fmt(c.lhs), "rhs": fmt(c.rhs),
        "difference": fmt(c.difference), "tolerance": fmt(c.tolerance), "unit": c.unit, "detail": c.detail,
        "facts": ";".join(f.fact_id for f in c.facts), "finding_id": finding,
    }


def _number(f: RF) -> str:
    return f"{f.doc_id}:{f.value_start}:{f.value_end}"


def group(checks: list[Check]) -> list[list[Check]]:
    """Checks with a finding, grouped by cause.

    Two checks share a cause when they name it (a unit slip, a heading code), when
    one rule tests the same printed number twice (a sentence read under two
    metrics), or when a restated figure is the very number another check tests
    (the 1.36% that is both a wrong share and a second statement of 6.38%).
    Numbers that merely take part (a total, a part) do not link checks, so
    distinct errors do not chain into one.
    """
    flagged = sorted((c for c in checks if severity_of(c) is not None),
                     key=lambda c: (SEVERITY_RANK[severity_of(c) or "info"], c.family == "restated", c.check_id))
    groups: list[list[Check]] = []
    owner: dict[str, int] = {}
    for c in flagged:
        error = severity_of(c) == "error"
        tested = _number(c.facts[0]) if c.facts else ""
        # a restatement tests a pair: the first statement compared with a second and a third is two questions
        pair = "~".join(_number(f) for f in c.facts[:2]) if c.family == "restated" else tested
        own = ([f"cause:{c.doc_id}:{c.cause}"] if c.cause else []) + ([f"{c.rule}:{pair}"] if pair else [])
        lookup = list(own) if error or c.cause else []
        hit = next((owner[k] for k in lookup if k in owner), None)
        if hit is None and error and c.family == "restated":
            # a restatement joins the check that tests one of its numbers only when that check's gap is the
            # restatement's own: one wrong figure, two symptoms; another gap there is another error
            hit = next((owner[k] for k in (_number(f) for f in c.facts)
                        if k in owner and same_gap(groups[owner[k]][0], c)), None)
        if hit is None:
            hit = len(groups)
            groups.append([])
        groups[hit].append(c)
        for k in own + ([tested] if tested and error and c.family != "restated" else []):
            owner.setdefault(k, hit)
    return groups


def same_gap(a: Check, b: Check) -> bool:
    """The two checks differ by the same amount (either sign), within their rounding tolerances;
    true where either has no difference to compare (a classification or text check)."""
    if a.difference is None or b.difference is None:
        return True
    slack = (a.tolerance or 0) + (b.tolerance or 0)
    return abs(abs(a.difference) - abs(b.difference)) <= slack


def _quotes(c: Check) -> str:
    return "、".join(f"「{f.quote.strip()[:40]}」（第{f.line}行）" for f in c.facts[:2] if f.quote)


def explain(c: Check, templates: dict[str, dict[str, str]], group_size: int = 1) -> tuple[str, str]:
    """By the rule's named template, else the rule's own, else the family's."""
    first = ("incomplete",) if c.outcome == "incomplete" and c.family != "disclosure" else ()
    key = next(k for k in (*first, c.values.get("template", ""), c.rule, c.family, "default") if k in templates)
    t = templates[key]
    values = {"lhs": fmt(c.lhs), "rhs": fmt(c.rhs), "difference": fmt(c.difference), "tolerance": fmt(c.tolerance),
              "detail": c.detail, "unit": c.unit, "quotes": _quotes(c), "remainder": "", "previous": "",
              "what_zh": "", "found": "",
              "a": c.facts[0].in_wan_zh if c.facts else "", "b": c.facts[1].in_wan_zh if len(c.facts) > 1 else ""}
    values.update(c.values)
    zh, en = t["zh"].format(**values).strip(), t["en"].format(**values).strip()
    if group_size > 1:
        zh += f"（同一原因另有 {group_size - 1} 项核对不符。）"
        en += f" ({group_size - 1} more check(s) fail for the same cause.)"
    return zh, en


def finding_rows(checks: list[Check], acks: list[Ack], templates: dict[str, dict[str, str]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One row per underlying error; also check_id → finding_id for the checks table."""
    acked = {a.check_id: a for a in acks}
    rows = []
    finding_of: dict[str, str] = {}
    for g in group(checks):
        c = g[0]
        sev = severity_of(c)
        zh, en = explain(c, templates, len(g))
        a = c.facts[0] if c.facts else None
        b = c.facts[1] if len(c.facts) > 1 else None
        ack = next((acked[x.check_id] for x in g if x.check_id in acked and matches(acked[x.check_id], fmt(x.difference))), None)
        for x in g:
            finding_of[x.check_id] = c.check_id
        rows.append({
            "finding_id": c.check_id, "doc_id": c.doc_id, "rule": c.rule, "family": c.family,
            "severity": sev, "lhs": fmt(c.lhs), "rhs": fmt(c.rhs), "difference": fmt(c.difference),
            "tolerance": fmt(c.tolerance), "unit": c.unit, "explanation_zh": zh, "explanation_en": en,
            "fact_a": a.fact_id if a else "", "quote_a": a.quote if a else "", "line_a": a.line if a else "",
            "char_start_a": a.char_start if a else "", "char_end_a": a.char_end if a else "",
            "fact_b": b.fact_id if b else "", "quote_b": b.quote if b else "", "line_b": b.line if b else "",
            "char_start_b": b.char_start if b else "", "char_end_b": b.char_end if b else "",
            "facts": ";".join(f.fact_id for f in c.facts), "checks": ";".join(x.check_id for x in g),
            "acknowledged": "true" if ack else "false", "reason": ack.reason if ack else "",
        })
    rows.sort(key=lambda r: (r["doc_id"], SEVERITY_RANK[str(r["severity"])], r["finding_id"]))
    return rows, finding_of


def matches(a: Ack, difference: str) -> bool:
    """The acknowledgement still fits a check that differs by `difference` (a pinned difference must be the same)."""
    return not a.difference or a.difference == difference


@dataclass(frozen=True)
class CheckRow:
    """The part of a published check the gate needs (read back from data/checks.csv)."""

    check_id: str
    outcome: str
    severity: str
    difference: str
    finding_id: str
    detail: str


def gate(checks: list[CheckRow], acks: list[Ack]) -> list[str]:
    """Problems that make `make validate` fail: unacknowledged error findings and stale acknowledgements."""
    failing = {c.check_id: c for c in checks if c.outcome == "fail"}
    acked = {a.check_id: a for a in acks}
    findings: dict[str, list[CheckRow]] = {}
    for c in failing.values():
        if c.severity == "error":
            findings.setdefault(c.finding_id or c.check_id, []).append(c)
    problems = []
    for a in acks:
        hit = failing.get(a.check_id)
        if hit is None:
            problems.append(f"STALE acknowledgement {ACK_CSV.name}:{a.line}: {a.check_id} no longer matches a failing check")
        elif not matches(a, hit.difference):
            problems.append(f"STALE acknowledgement {ACK_CSV.name}:{a.line}: {a.check_id} was acknowledged with difference "
                            f"{a.difference}, the check now differs by {hit.difference}")
    for fid, members in findings.items():
        if not any(m.check_id in acked and matches(acked[m.check_id], m.difference) for m in members):
            m = members[0]
            problems.append(f"UNEXPLAINED error finding {fid}: difference {m.difference}; {m.detail}"
                            + (f" (+{len(members) - 1} checks of the same cause)" if len(members) > 1 else ""))
    return problems


def as_rows(checks: list[Check], finding_of: dict[str, str]) -> list[CheckRow]:
    return [CheckRow(c.check_id, c.outcome, c.severity, fmt(c.difference), finding_of.get(c.check_id, ""), c.detail)
            for c in checks]
