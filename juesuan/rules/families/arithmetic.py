"""Sums and identities: parts that make a whole, functional headings that make
their class, sides of an identity, and scopes that must coincide.

Money is compared in 万元 as intervals from the printed precision. When a
sum fails and one part is printed in another money unit than its total, the
sum is retried with that part read in the total's unit: a unit slip (元 for
万元) must not hide whether the parts add up.
"""
from __future__ import annotations

import re
from decimal import Decimal

from juesuan.rules.checks import RF, Check, agree, fmt, label, money_factors, q
from juesuan.rules.context import Context
from juesuan.rules.intervals import Interval, zero
from juesuan.rules.registry import Metric, Params, family


class SumParams(Params):
    total: list[Metric]
    parts: list[Metric]
    measure: str = "amount"
    #: the parts are the whole by definition, so a shortfall is an error; otherwise it is information
    exhaustive: bool = True
    #: parts a document leaves out when they are zero (经营支出, 对附属单位补助支出): their absence is no gap
    optional: list[Metric] = []
    #: a part the document names by a narrower label (公务用车运行维护费 for 公务用车购置及运行维护费) when
    #: the part's own label is absent
    aliases: dict[Metric, list[Metric]] = {}


def _as_printed_in(p: RF, unit: str) -> Interval:
    """The part's interval if its number had been printed in `unit`."""
    return Interval.printed(p.value, p.decimals, money_factors()[unit])


def sum_check(doc: str, rule: str, family_name: str, total: RF, parts: list[RF], exhaustive: bool,
              n_expected: int, severity: str = "error") -> list[Check]:
    """One check of parts against total; a second one when a unit slip masks the arithmetic."""
    s, exact = zero(), Decimal(0)
    for p in parts:
        s = s + p.iv
        exact += p.comparable
    t = total.iv
    diff = exact - total.comparable
    tol = s.half_width + t.half_width
    if s.meets(t):
        outcome = "pass" if diff == 0 else "pass_within_rounding"
    elif s.hi < t.lo and (not exhaustive or len(parts) < n_expected):
        outcome = "incomplete"
    else:
        outcome = "fail"
    names = " + ".join(f"{p.metric}({p.function_code})" if p.function_code else p.metric for p in parts)
    items = " + ".join(p.in_wan for p in parts)
    out = [Check(doc, rule, family_name, label(total), outcome, q(exact), q(total.comparable), q(diff), q(tol),
                 [total, *parts], detail=f"{names} vs {total.metric}: {items} = {fmt(q(exact))}万元 vs {total.in_wan}",
                 severity=severity, unit="万元", values={"remainder": fmt(q(-diff))})]
    if outcome == "fail":
        slipped = [p for p in parts if p.unit != total.unit and p.unit in money_factors() and total.unit in money_factors()]
        if slipped:
            s2, exact2 = zero(), Decimal(0)
            for p in parts:
                iv = _as_printed_in(p, total.unit) if p in slipped else p.iv
                s2 = s2 + iv
                exact2 += p.value * money_factors()[total.unit] if p in slipped else p.comparable
            diff2 = exact2 - total.comparable
            cause = f"unit:{slipped[0].fact_id}"
            out[0].cause = cause
            readings = ", ".join(f"{p.shown} read as {p.value}{total.unit}" for p in slipped)
            outcome2 = "pass" if diff2 == 0 else ("pass_within_rounding" if s2.meets(t) else "fail")
            out.append(Check(doc, f"{rule}_unit_corrected", "unit", label(total), outcome2, q(exact2), q(total.comparable),
                             q(diff2), q(s2.half_width + t.half_width), [total, *parts],
                             detail=f"{readings}: the parts then give {fmt(q(exact2))}万元 vs {total.in_wan}",
                             severity=severity, unit="万元"))
    return out


@family("parts_sum", SumParams)
def parts_sum(ctx: Context, doc: str, p: SumParams) -> list[Check]:
    """Each part as stated after the total: on its line, else in its section, else in the subsections of
    the section above it (（一）总体情况 states the 三公 total, （二）具体情况 its parts)."""
    out: list[Check] = []
    for tm in p.total:
        for total in ctx.find(doc, tm):
            parts = []
            # only from a bracketed subsection （一） into its siblings under the same numbered section
            head, _, last = total.section.rpartition("/")
            parent = head + "/" if head and last[:1] in "(（" else None
            for pm in p.parts:
                for scope in ("line", "section", "parent"):
                    if scope == "parent" and parent is None:
                        break
                    cands = [x for m in (pm, *p.aliases.get(pm, ())) for x in ctx.find(doc, m, p.measure)
                             if x.value_start >= total.value_start
                             and (x.line == total.line if scope == "line" else x.section == total.section
                                  if scope == "section" else x.section.startswith(parent or ""))]
                    if cands:
                        parts.append(min(cands, key=lambda x: (x.metric != pm, x.value_start)))
                        break
            if parts:
                expected = len([m for m in p.parts if m not in p.optional]) + len([x for x in parts if x.metric in p.optional])
                out += sum_check(doc, p.rule, "parts_sum", total, parts, p.exhaustive, expected, p.severity)
    return out


MONEY = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:亿元|万元|元)")


class ClassTotalsParams(Params):
    totals: list[Metric]


@family("classes_to_total", ClassTotalsParams)
def classes_to_total(ctx: Context, doc: str, p: ClassTotalsParams) -> list[Check]:
    """The functional classes (类) stated on the line of a general-budget total add up to it."""
    out: list[Check] = []
    fx = ctx.find(doc, "function_expenditure")
    for tm in p.totals:
        for total in ctx.find(doc, tm):
            on_line = [f for f in fx if f.line == total.line and f.value_start > total.value_start]
            classes = [f for f in on_line if len(f.function_code) == 3]
            # how many classes the line names: every money figure printed after the total, read or not
            # (a class the classification does not know is still a class: its absence is no arithmetic error)
            d = ctx.documents[doc]
            line_end = d.starts[total.line] if total.line < len(d.starts) else len(d.norm)
            named = max(len(on_line), len(MONEY.findall(d.norm, total.value_end, line_end)))
            if classes:
                out += sum_check(doc, p.rule, "parts_sum", total, classes, True, named, p.severity)
    return out


@family("children_to_parent", Params)
def children_to_parent(ctx: Context, doc: str, p: Params) -> list[Check]:
    """款/项 headings add up to their 类/款 (first statement of each distinct heading)."""
    out: list[Check] = []
    first: dict[tuple[str, str], RF] = {}
    for f in ctx.find(doc, "function_expenditure"):
        if f.function_code:
            stated = "code_from_classification" not in f.flags   # a stated code used for two headings counts twice
            first.setdefault((f.function_code, f.function_name if stated else ""), f)
    for (code, _), parent in first.items():
        if len(code) not in (3, 5):
            continue
        kids = [f for (c, _), f in first.items() if c != code and c.startswith(code) and len(c) > len(code)]
        deepest = [k for k in kids if not any(o is not k and o.function_code.startswith(k.function_code)
                                              and len(o.function_code) > len(k.function_code) for o in kids)]
        if deepest:
            rule = f"{p.rule}_{'class' if len(code) == 3 else 'section'}"
            out += sum_check(doc, rule, "parts_sum", parent, deepest, False, len(deepest), p.severity)
    return out


class IdentityParams(Params):
    lhs: Metric
    rhs: list[Metric]          # a leading '-' subtracts
    optional: list[Metric] = []


@family("identity", IdentityParams)
def identity(ctx: Context, doc: str, p: IdentityParams) -> list[Check]:
    lhs = ctx.first(doc, p.lhs)
    if lhs is None:
        return []
    terms: list[tuple[int, RF]] = []
    missing = []
    for t in p.rhs:
        sign, metric = (-1, t[1:]) if t.startswith("-") else (1, t)
        f = ctx.first(doc, metric)
        if f is not None:
            terms.append((sign, f))
        else:
            missing.append(metric)
    if [m for m in missing if m not in p.optional] or not terms:
        return []
    s, exact = zero(), Decimal(0)
    for sign, f in terms:
        s = s + f.iv if sign > 0 else s - f.iv
        exact += sign * f.comparable
    diff = exact - lhs.comparable
    if s.meets(lhs.iv):
        outcome = "pass" if diff == 0 else "pass_within_rounding"
    elif missing and s.hi < lhs.iv.lo:
        outcome = "incomplete"   # an unstated carry-over could close the gap …
    elif missing and any(t.startswith("-") and t[1:] in missing for t in p.rhs):
        outcome = "incomplete"   # … and so could an unstated term that is subtracted
    else:
        outcome = "fail"         # nothing unstated can close it: a carry-over is never negative
    expr = " ".join(("+ " if sign > 0 else "− ") + f"{f.metric} {f.in_wan}" for sign, f in terms).removeprefix("+ ")
    detail = f"{expr} vs {lhs.metric} {lhs.in_wan}" + (f" ({', '.join(missing)} not stated)" if missing else "")
    return [Check(doc, p.rule, "identity", label(lhs), outcome, q(exact), q(lhs.comparable), q(diff),
                  q(s.half_width + lhs.iv.half_width), [lhs] + [f for _, f in terms], detail, p.severity, unit="万元",
                  values={"remainder": fmt(q(-diff))})]


class SameScopeParams(Params):
    when: list[Metric]                 # these two figures equal …
    then: list[list[Metric]]           # … so each pair must be equal too


@family("same_scope", SameScopeParams)
def same_scope(ctx: Context, doc: str, p: SameScopeParams) -> list[Check]:
    """Scopes that coincide: where all income is general-budget grant, every
    general-budget figure is the corresponding total, whatever the labels."""
    wa, wb = (ctx.first(doc, m) for m in p.when)
    if wa is None or wb is None or wa.comparable != wb.comparable:
        return []
    out: list[Check] = []
    for pair in p.then:
        a, b = ctx.first(doc, pair[0]), ctx.first(doc, pair[1])
        if a is None or b is None:
            continue
        out.append(Check(doc, p.rule, "identity", f"{a.metric}~{b.metric}@{a.value_start}", agree(a, b), q(a.comparable),
                         q(b.comparable), q(a.comparable - b.comparable), q(a.half_width + b.half_width), [a, b, wa, wb],
                         f"all income is {p.when[0]} ({wa.in_wan} = {wb.in_wan}), so {a.metric} {a.in_wan} "
                         f"must equal {b.metric} {b.in_wan}", p.severity, unit="万元",
                         # one printed number read under two metrics (收、支总计349.88) fails two pairs: one finding
                         cause=f"scope:{b.value_start}"))
    return out
