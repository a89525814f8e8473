"""Percentages: shares of a base, shares of one breakdown, completion rates,
the budgets they imply, and change amounts against change percents.

Each quotient is computed on intervals: a printed percentage agrees with
the amounts when the interval of part ÷ base meets the interval the
percentage stands for.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from juesuan.rules.checks import RF, Check, compare, fmt, label, q, rounds_to, unit_of
from juesuan.rules.context import Context
from juesuan.rules.intervals import Interval, zero
from juesuan.rules.registry import Metric, Params, family


@family("share", Params)
def share(ctx: Context, doc: str, p: Params) -> list[Check]:
    """A printed share equals its amount ÷ its base amount."""
    out: list[Check] = []
    for s in (f for f in ctx.facts(doc) if f.measure == "share_pct" and f.base_metric):
        part = ctx.nearest(doc, s.metric, "amount", s, code=s.function_code or None)
        if part is None or part.line != s.line:
            continue
        base = ctx.nearest(doc, s.base_metric, "amount", part)
        if base is None:
            continue
        ratio = part.iv / base.iv
        if ratio is None:
            if part.comparable == 0 and s.value == 0:
                out.append(Check(doc, p.rule, "ratio", label(s), "pass", Decimal(0), s.value, Decimal(0), Decimal(0),
                                 [s, part, base], "0 of 0", p.severity, unit="%"))
            continue
        ratio = ratio.scale(Decimal(100))
        exact = part.comparable / base.comparable * 100 if base.comparable else None
        stated = Interval.printed(s.value, s.decimals)
        outcome = compare(ratio, stated, exact is not None and rounds_to(exact, s.value, s.decimals))
        out.append(Check(doc, p.rule, "ratio", label(s), outcome, q(exact), s.value,
                         q(exact - s.value) if exact is not None else None,
                         q((ratio.hi - ratio.lo) / 2 + stated.half_width), [s, part, base],
                         f"{part.metric} {part.in_wan} ÷ {base.metric} {base.in_wan}", p.severity, unit="%",
                         cause=f"share:{s.value_start}"))
    return out


class Breakdown(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: the parts that make the whole: with all of them stated, their shares must make 100%
    parts: list[Metric]
    #: parts a document leaves out when they are zero
    optional: list[Metric] = []


class SharesSumParams(Params):
    #: named breakdowns whose shares are compared together; function headings group by metric and level
    breakdowns: dict[str, Breakdown] = {}


def _breakdown_of(s: RF, breakdowns: dict[str, Breakdown]) -> str:
    """Which breakdown a share belongs to: two shares of one base add up only when they are parts of one whole
    (项目支出 and a heading inside it, both of 总支出, are not)."""
    for name, b in breakdowns.items():
        if s.metric in b.parts or s.metric in b.optional:
            return name
    return f"{s.metric}:{len(s.function_code)}"


@family("shares_sum_to_100", SharesSumParams)
def shares_sum_to_100(ctx: Context, doc: str, p: SharesSumParams) -> list[Check]:
    """The shares of one breakdown (one line, one base) add up to 100%. Fewer is incomplete, unless
    every part of a named breakdown has its share: then a shortfall is an error too."""
    out: list[Check] = []
    groups: dict[tuple[int, str, str], list[RF]] = defaultdict(list)
    for s in ctx.facts(doc):
        if s.measure == "share_pct" and s.base_metric:
            groups[(s.line, s.base_metric, _breakdown_of(s, p.breakdowns))].append(s)
    for (line, base, name), members in groups.items():
        if len(members) < 2:
            continue
        total = sum((Interval.printed(m.value, m.decimals) for m in members), zero())
        exact = sum((m.value for m in members), Decimal(0))
        outcome = compare(total, Interval.exact(Decimal(100)), exact == 100)
        b = p.breakdowns.get(name)
        complete = b is not None and set(b.parts) <= {m.metric for m in members}
        if outcome == "fail" and total.hi < 100 and not complete:
            outcome = "incomplete"  # shares of only some parts
        key = f"{base}@line{line}" + (f":{name}" if name in p.breakdowns else "")
        out.append(Check(doc, p.rule, "ratio", key, outcome, q(exact), Decimal(100), q(exact - 100),
                         q(total.half_width), members, f"{len(members)} shares of {base}: "
                         + " + ".join(f"{m.value}%" for m in members), p.severity, unit="%",
                         values={"remainder": fmt(q(100 - exact))}))
    return out


class CompletionParams(Params):
    #: a metric whose budget is stated as another metric's amount
    budget_of: dict[Metric, Metric] = {}


def _completion_pairs(ctx: Context, doc: str, budget_of: dict[str, str]) -> list[tuple[RF, RF, RF | None]]:
    """(completion rate, actual, stated budget or None) for every rate with an actual on its line."""
    out = []
    for c in (f for f in ctx.facts(doc) if f.measure == "completion_pct"):
        code = c.function_code or None
        actual = ctx.nearest(doc, c.metric, "amount", c, code=code)
        budget = ctx.nearest(doc, c.metric, "budget", c, code=code)
        if budget is None and c.metric in budget_of:
            budget = ctx.nearest(doc, budget_of[c.metric], "amount", c)
        if actual is None:
            continue
        if budget is not None and actual.line != c.line and budget.line != c.line:
            budget = None
        if actual.line != c.line and budget is None:
            continue
        out.append((c, actual, budget))
    return out


@family("completion_rate", CompletionParams)
def completion_rate(ctx: Context, doc: str, p: CompletionParams) -> list[Check]:
    """Actual ÷ budget equals the printed completion rate."""
    out: list[Check] = []
    for c, actual, budget in _completion_pairs(ctx, doc, p.budget_of):
        if budget is None:
            continue
        ratio = actual.iv / budget.iv
        if ratio is None:
            continue
        ratio = ratio.scale(Decimal(100))
        exact = actual.comparable / budget.comparable * 100
        stated = Interval.printed(c.value, c.decimals)
        outcome = compare(ratio, stated, rounds_to(exact, c.value, c.decimals))
        out.append(Check(doc, p.rule, "ratio", label(c), outcome, q(exact), c.value, q(exact - c.value),
                         q(ratio.half_width + stated.half_width), [c, actual, budget],
                         f"{actual.metric} {actual.in_wan} ÷ {budget.metric} ({budget.measure}) {budget.in_wan}",
                         p.severity, unit="%"))
    return out


class ImpliedBudgetParams(Params):
    #: whole → its parts: a part's implied budget cannot exceed the whole's
    wholes: dict[Metric, list[Metric]] = {}


def _implied(c: RF, actual: RF) -> Interval | None:
    """The budget actual ÷ rate implies, as an interval (None for a 0% rate)."""
    rate = Interval.printed(c.value, c.decimals).scale(Decimal("0.01"))
    return actual.iv / rate


@family("implied_budget", ImpliedBudgetParams)
def implied_budget(ctx: Context, doc: str, p: ImpliedBudgetParams) -> list[Check]:
    """Budgets implied by completion rates agree with each other, and a part's is not above its whole's."""
    out: list[Check] = []
    implied: dict[tuple[str, str], list[tuple[RF, RF, Interval]]] = defaultdict(list)
    for c, actual, _ in _completion_pairs(ctx, doc, {}):
        iv = _implied(c, actual)
        if iv is not None and actual.comparable:
            implied[(c.metric, c.function_code)].append((c, actual, iv))
    for (_metric, _code), stmts in implied.items():
        first = stmts[0]
        for other in stmts[1:]:
            if other[1].comparable != first[1].comparable or other[0].value == first[0].value:
                continue   # only the same actual with two different rates is a contradiction of budgets
            outcome = "pass_within_rounding" if first[2].meets(other[2]) else "fail"
            out.append(Check(doc, p.rule, "ratio", f"{label(first[0])}~{other[0].value_start}", outcome,
                             q(first[1].comparable / first[0].value * 100), q(other[1].comparable / other[0].value * 100),
                             None, None, [first[0], other[0], first[1]],
                             f"{first[1].in_wan} at {first[0].value}% and at {other[0].value}% imply different budgets",
                             p.severity, unit="万元"))
    for whole, parts in p.wholes.items():
        for wc, wa, wiv in implied.get((whole, ""), [])[:1]:
            for pm in parts:
                for pc, pa, piv in implied.get((pm, ""), [])[:1]:
                    outcome = "fail" if piv.lo > wiv.hi else "pass"
                    part_b = q(pa.comparable / pc.value * 100) if pc.value else None
                    whole_b = q(wa.comparable / wc.value * 100) if wc.value else None
                    out.append(Check(doc, f"{p.rule}_part_within_whole", "ratio", f"{label(pc)}<{label(wc)}", outcome,
                                     part_b, whole_b, q(part_b - whole_b) if part_b is not None and whole_b is not None else None,
                                     q(piv.half_width + wiv.half_width), [pc, wc, pa, wa],
                                     f"{pm} {pa.in_wan} at {pc.value}% implies a budget above that of {whole} "
                                     f"({wa.in_wan} at {wc.value}%)", p.severity, unit="万元"))
    return out


@family("change_amount_vs_percent", Params)
def change_amount_vs_percent(ctx: Context, doc: str, p: Params) -> list[Check]:
    """A change amount and the change percent beside it imply the same previous value."""
    out: list[Check] = []
    year = ctx.documents[doc].fiscal_year
    for ch in (f for f in ctx.facts(doc) if f.measure == "change_amount" and f.interval is not None):
        code = ch.function_code or None
        current = ctx.nearest(doc, ch.metric, "amount" if ch.unit != "人" else "count", ch, code=code)
        if current is None:
            current = next(iter(ctx.find(doc, ch.metric, "count", line=ch.line)), None)
        if current is None:
            continue
        prev_iv = current.iv - ch.iv
        prev = current.comparable - ch.comparable
        pct = next((f for f in ctx.by_key.get((doc, ch.metric, "change_pct"), ())
                    if f.line == ch.line and f.function_code == ch.function_code and f.value_start > ch.value_start), None)
        if pct is None:
            continue
        ratio = ch.iv / prev_iv
        if ratio is None:
            continue
        ratio = ratio.scale(Decimal(100))
        exact = ch.comparable / prev * 100 if prev else None
        stated = Interval.printed(pct.value, pct.decimals)
        outcome = compare(ratio, stated, exact is not None and rounds_to(exact, pct.value, pct.decimals))
        out.append(Check(doc, p.rule, "yoy", label(ch), outcome, q(exact), pct.value,
                         q(exact - pct.value) if exact is not None else None, q(ratio.half_width + stated.half_width),
                         [ch, pct, current], f"{fmt(q(prev))}{unit_of(current)}（{ch.compared_year or year - 1}）",
                         p.severity, unit="%", values={"previous": f"{fmt(q(prev))}{unit_of(current)}"}))
    return out


@family("previous_report", Params)
def previous_report(ctx: Context, doc: str, p: Params) -> list[Check]:
    """The previous value a change amount implies equals the previous year's own report."""
    out: list[Check] = []
    d = ctx.documents[doc]
    for ch in (f for f in ctx.facts(doc) if f.measure == "change_amount" and f.interval is not None):
        other = ctx.by_entity_year.get((d.entity_id, ch.compared_year or d.fiscal_year - 1))
        if other is None:
            continue
        code = ch.function_code or None
        current = ctx.nearest(doc, ch.metric, "amount" if ch.unit != "人" else "count", ch, code=code)
        if current is None:
            continue
        then = ctx.first(other, ch.metric, current.measure, code=code)
        if then is None:
            continue
        prev_iv = current.iv - ch.iv
        prev = current.comparable - ch.comparable
        diff = then.comparable - prev
        outcome = compare(then.iv, prev_iv, diff == 0)
        out.append(Check(doc, p.rule, "yoy", label(ch), outcome, q(prev), q(then.comparable), q(-diff),
                         q(prev_iv.half_width + then.iv.half_width), [ch, current, then],
                         f"implied by {doc}, stated in {other}", p.severity, unit=unit_of(current)))
    return out
