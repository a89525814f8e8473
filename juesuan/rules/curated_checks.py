"""Checks on the hand-curated tables: score sheets add up, points stay within
their maximum, and an indicator's stated actual agrees with the figure the same
document states elsewhere."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from juesuan.model import Fact
from juesuan.rules.checks import RF, Check
from juesuan.rules.context import Context, Document


def line_fact(doc: Document, line: int, ident: str) -> RF:
    """The source line as a pseudo-fact, so a finding can quote and link it."""
    start = doc.starts[line - 1]
    body = doc.line_text(line)
    f = Fact(doc.doc_id, ident, "line", Decimal(0), "", "", None, 0, char_start=start, char_end=start + len(body),
             value_start=start, value_end=start, quote=body, origin="curated")
    return RF(f, line)


def score_checks(items: list[dict[str, Any]], totals: list[dict[str, Any]], docs: dict[str, Document]) -> list[Check]:
    out: list[Check] = []
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        by_doc[it["doc_id"]].append(it)
    for doc, rows in by_doc.items():
        d = docs[doc]
        l2_count: dict[tuple[str, str], int] = defaultdict(int)
        for r in rows:
            l2_count[(r["level1"], r["level2"])] += 1
        for r in rows:
            cap = r["level3_max"] if r["level3_max"] is not None else (
                r["level2_max"] if l2_count[(r["level1"], r["level2"])] == 1 else None)
            if cap is None:
                continue
            outcome = "pass" if r["points_given"] <= cap else "fail"
            out.append(Check(doc, "score_within_max", "scores", f"item{r['item']:02d}", outcome, r["points_given"], cap,
                             r["points_given"] - cap, Decimal(0), [line_fact(d, r["line"], r["score_id"])],
                             f"{r['level3']}: {r['points_given']} of at most {cap} points"))
        # second-level maximum = sum of its third-level maxima
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            groups[(r["level1"], r["level2"])].append(r)
        for (l1, l2), members in groups.items():
            cap = members[0]["level2_max"]
            if cap is None or len(members) < 2:
                continue
            known = [m["level3_max"] for m in members if m["level3_max"] is not None]
            s = sum(known, Decimal(0))
            outcome = "pass" if s == cap and len(known) == len(members) else ("incomplete" if s < cap else "fail")
            out.append(Check(doc, "score_level2_max_sum", "scores", f"{l1}/{l2}", outcome, s, cap, s - cap, Decimal(0),
                             [line_fact(d, members[0]["line"], members[0]["score_id"])],
                             f"maxima of {len(known)} of {len(members)} items under {l2}", unit="分",
                             values={"remainder": format(cap - s, "f")}))
        # first-level maximum = sum of its second-level maxima
        l1_groups: dict[str, dict[str, Decimal | None]] = defaultdict(dict)
        l1_cap: dict[str, Decimal | None] = {}
        for r in rows:
            l1_groups[r["level1"]][r["level2"]] = r["level2_max"]
            l1_cap[r["level1"]] = r["level1_max"]
        for l1, l2s in l1_groups.items():
            cap = l1_cap[l1]
            maxima = [v for v in l2s.values() if v is not None]
            if cap is None or len(maxima) < len(l2s):
                continue
            s = sum(maxima, Decimal(0))
            outcome = "pass" if s == cap else ("incomplete" if s < cap else "fail")
            first = next(r for r in rows if r["level1"] == l1)
            out.append(Check(doc, "score_level1_max_sum", "scores", l1, outcome, s, cap, s - cap, Decimal(0),
                             [line_fact(d, first["line"], first["score_id"])], f"maxima under {l1}", unit="分",
                             values={"remainder": format(cap - s, "f")}))
    for t in totals:
        rows = by_doc.get(t["doc_id"], [])
        s = sum((r["points_given"] for r in rows), Decimal(0))
        outcome = "pass" if s == t["total_stated"] else "fail"
        out.append(Check(t["doc_id"], "score_total", "scores", f"line{t['line']}", outcome, s, t["total_stated"],
                         s - t["total_stated"], Decimal(0),
                         [line_fact(docs[t["doc_id"]], t["line"], f"{t['doc_id']}:total")],
                         f"sum of {len(rows)} items vs the stated total"))
    return out


def indicator_checks(indicators: list[dict[str, Any]], ctx: Context) -> list[Check]:
    """An indicator naming a metric must agree with a figure the document states for it."""
    out: list[Check] = []
    for ind in indicators:
        if not ind["metric"] or ind["actual_value"] is None:
            continue
        doc = ind["doc_id"]
        stated = [*ctx.by_key.get((doc, ind["metric"], "amount"), ()), *ctx.by_key.get((doc, ind["metric"], "count"), ())]
        if not stated:
            continue
        same = [f for f in stated if f.value == ind["actual_value"] and (not ind["actual_unit"] or f.unit == ind["actual_unit"])]
        outcome = "pass" if same else "fail"
        ref = same[0] if same else stated[0]
        out.append(Check(doc, "indicator_matches_figure", "indicators", ind["indicator_id"], outcome, ind["actual_value"],
                         ref.value, ind["actual_value"] - ref.value, Decimal(0),
                         [line_fact(ctx.documents[doc], ind["actual_line"], ind["indicator_id"]), ref],
                         f"indicator {ind['level3']} actual {ind['actual_text']} vs {ref.metric} {ref.value}{ref.unit}"))
    return out
