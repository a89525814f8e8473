"""One figure, one value: figures restated elsewhere, labels carrying two values,
plausibility bounds, and the functional classification's codes and names.
"""
from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from juesuan.classification import LEVEL_OF_DIGITS
from juesuan.rules.checks import RF, Check, agree, label, q, unit_of
from juesuan.rules.context import Context
from juesuan.rules.families.text import span_fact
from juesuan.rules.registry import Metric, Params, family


def _valid_in(rows: list[dict[str, str]], year: int) -> list[dict[str, str]]:
    """The classification rows in force in `year` (a heading is renamed or recoded from one year to the next)."""
    return [r for r in rows if int(r["valid_from"]) <= year and (not r["valid_to"] or year <= int(r["valid_to"]))]


class SameFigureParams(Params):
    #: metrics stated twice on one line that are still one figure: 收入总计 … 支出总计 (the two sides of a
    #: balanced statement) — elsewhere one sentence naming a metric twice with two values names two things
    same_line_too: list[Metric] = []


@family("same_figure_twice", SameFigureParams)
def same_figure_twice(ctx: Context, doc: str, p: SameFigureParams) -> list[Check]:
    """A figure (metric, measure, heading, base, year) stated twice must agree within rounding."""
    out: list[Check] = []
    for fs in ctx.restatements(doc).values():
        first = fs[0]
        for other in fs[1:]:
            if other.line == first.line and not (first.metric in p.same_line_too and first.measure == "amount"):
                continue
            diff = other.comparable - first.comparable
            out.append(Check(doc, p.rule, "restated",
                             f"{first.metric}:{first.measure}{'(' + first.function_code + ')' if first.function_code else ''}"
                             f"@{first.value_start}~{other.value_start}",
                             agree(first, other), q(first.comparable), q(other.comparable), q(diff),
                             q(first.half_width + other.half_width), [first, other],
                             f"{first.in_wan} on line {first.line}, {other.in_wan} on line {other.line}", p.severity,
                             unit=unit_of(first)))
    return out


@family("label_conflict", Params)
def label_conflict(ctx: Context, doc: str, p: Params) -> list[Check]:
    """One heading name (e.g. 行政运行) printed with two different amounts where its codes do not tell them apart."""
    out: list[Check] = []
    by_name: dict[str, list[RF]] = defaultdict(list)
    for f in ctx.find(doc, "function_expenditure"):
        if f.function_name:
            by_name[ctx.heading_labels.normal(f.function_name)].append(f)
    for name, fs in by_name.items():
        first = fs[0]
        for other in fs[1:]:
            a, b = first.function_code, other.function_code
            if a == b or not (a.startswith(b) or b.startswith(a) or "code_from_classification" in first.flags
                              or "code_from_classification" in other.flags):
                continue   # equal codes are same_figure_twice's; unrelated codes are two headings
            if first.function_path and other.function_path and first.function_path != other.function_path:
                continue
            outcome = agree(first, other)
            if outcome == "fail":
                out.append(Check(doc, p.rule, "restated", f"{name}@{first.value_start}~{other.value_start}", outcome,
                                 q(first.comparable), q(other.comparable), q(other.comparable - first.comparable),
                                 q(first.half_width + other.half_width), [first, other],
                                 f"'{name}' is {first.in_wan} on line {first.line} and {other.in_wan} on line {other.line}",
                                 p.severity, unit="万元"))
    return out


class WithinParams(Params):
    total: Metric
    parts: list[Metric]


@family("within_total", WithinParams)
def within_total(ctx: Context, doc: str, p: WithinParams) -> list[Check]:
    """Figures that cannot exceed the year's total (e.g. 三公 within total spending)."""
    t = ctx.first(doc, p.total)
    if t is None:
        return []
    out: list[Check] = []
    for m in p.parts:
        for f in ctx.find(doc, m):
            if f.iv.lo > t.iv.hi:
                out.append(Check(doc, p.rule, "plausibility", label(f), "warning", q(f.comparable), q(t.comparable),
                                 q(f.comparable - t.comparable), None, [f, t],
                                 f"{m} {f.in_wan} exceeds {p.total} {t.in_wan}", p.severity, unit="万元"))
    return out


class RangeParams(Params):
    count_units_integer: list[str] = []


@family("ranges", RangeParams)
def ranges(ctx: Context, doc: str, p: RangeParams) -> list[Check]:
    """Shares within 0–100, no negative amounts or counts, whole numbers of persons and items."""
    out: list[Check] = []

    def warn(rule: str, f: RF, detail: str) -> None:
        out.append(Check(doc, rule, "plausibility", label(f), "warning", f.value, None, None, None, [f], detail,
                         p.severity, unit=f.unit))

    for f in ctx.facts(doc):
        if f.measure == "share_pct" and not (0 <= f.value <= 100):
            warn("share_out_of_range", f, f"share {f.value}% outside 0–100")
        if f.measure in ("amount", "budget", "count") and f.value < 0:
            warn("negative_figure", f, f"{f.metric} is negative ({f.shown})")
        if f.measure == "count" and f.unit in p.count_units_integer and f.value != f.value.to_integral_value():
            warn("non_integer_count", f, f"count {f.shown} is not a whole number")
    return out


class FlagParams(Params):
    flags: list[str]


@family("extraction_flags", FlagParams)
def extraction_flags(ctx: Context, doc: str, p: FlagParams) -> list[Check]:
    """What the extractor noticed while reading a figure: no unit, a suspect or abbreviated unit, a stray character."""
    out: list[Check] = []
    for f in ctx.facts(doc):
        for flag in f.flags:
            name = flag.split(":", 1)[0]
            if name in p.flags:
                out.append(Check(doc, name, "text", label(f), "warning", f.value, None, None, None, [f],
                                 f"{f.metric} {f.shown or f.value}: {flag}", p.severity, unit=f.unit,
                                 cause=f"unitless:{f.value_start}" if name == "unit_missing" else ""))
    return out


@family("report_date", Params)
def report_date(ctx: Context, doc: str, p: Params) -> list[Check]:
    """A report cannot be dated before its fiscal year ended."""
    d = ctx.documents[doc]
    if d.report_date and d.report_date < f"{d.fiscal_year}-12-31":
        return [Check(doc, p.rule, "plausibility", "report_date", "warning", None, None, None, None, [],
                      f"report dated {d.report_date}, before fiscal year {d.fiscal_year} ended", p.severity)]
    return []


@family("classification", Params)
def classification(ctx: Context, doc: str, p: Params) -> list[Check]:
    """Each stated code names its heading as valid in the fiscal year, at the code's level; no code for two headings."""
    out: list[Check] = []
    year = ctx.documents[doc].fiscal_year
    fx = [f for f in ctx.facts(doc) if f.metric == "function_expenditure"]
    names_by_code: dict[str, set[str]] = defaultdict(set)
    level_of_name: dict[str, set[int]] = defaultdict(set)
    for row in ctx.classification:
        level_of_name[row["name"]].add(len(row["code"]))
    for f in fx:
        if not f.function_code:
            # our curated classification does not know it: information, not a doubt about the document
            out.append(Check(doc, "heading_unmapped", "classification", f.function_name, "warning", facts=[f],
                             detail=f"heading '{f.function_name}' matches no code of the curated classification", severity="info",
                             values={"found": f.function_name}))
            continue
        if "code_from_classification" in f.flags:
            continue
        names_by_code[f.function_code].add(f.function_name)
        rows = ctx.classification_by_code.get(f.function_code)
        if not rows:
            out.append(Check(doc, "code_unknown", "classification", f"{f.function_code}@{f.value_start}", "warning",
                             facts=[f], detail=f"code {f.function_code} is not in the curated classification", severity="info"))
            continue
        valid = _valid_in(rows, year)
        ok = {r["name"] for r in valid} | {r["name"] + "支出" for r in valid} | {r["name"].removesuffix("支出") for r in valid}
        levels = level_of_name.get(f.function_name, set()) | level_of_name.get(f.function_name.removesuffix("支出"), set())
        other_level = f.function_name not in ok and levels and len(f.function_code) not in levels
        detail = (f"{f.function_code} is named '{f.function_name}'; valid in {year}: "
                  f"{' / '.join(sorted(r['name'] for r in valid)) or 'none'}")
        if other_level:
            names = {LEVEL_OF_DIGITS.get(n, str(n)) for n in levels}
            detail += f"; '{f.function_name}' is a heading of level {'/'.join(sorted(names))}, the code is a {f.function_level or '?'} code"
        out.append(Check(doc, "code_level_mismatch" if other_level else "code_name_matches_year", "classification",
                         f"{f.function_code}:{f.function_name}", "pass" if f.function_name in ok else "fail",
                         facts=[f], detail=detail, severity=p.severity, cause=f"code:{f.function_code}"))
    for code, names in names_by_code.items():
        if len(names) > 1:
            facts = [f for f in fx if f.function_code == code and "code_from_classification" not in f.flags]
            out.append(Check(doc, "code_names_two_headings", "classification", code, "fail", facts=facts[:2],
                             detail=f"code {code} is used for {' and '.join(sorted(names))}", severity=p.severity,
                             cause=f"code:{code}"))
    return out


class HeadingCodeParams(Params):
    #: a heading printed with its code: groups `name` and `code`
    pattern: str


def _names_match(printed: str, official: str) -> bool:
    """`社会保障和就业` for 社会保障和就业支出: the printed name ends with the official one, 支出 optional."""
    core = official.removesuffix("支出")
    return printed.endswith(official) or (printed.endswith(core) and len(core) >= 2)


@family("heading_codes", HeadingCodeParams)
def heading_codes(ctx: Context, doc: str, p: HeadingCodeParams) -> list[Check]:
    """Every heading printed with a code, figure or not: the name is the code's in the fiscal year, at its level.

    A printed name that matches no heading of the classification at all is left alone (it may be
    prose before a parenthesis); one that is the name of a heading of another level, or of another
    code, is a finding.
    """
    d = ctx.documents[doc]
    out: list[Check] = []
    for m in re.finditer(p.pattern, d.norm):
        name, code = m.group("name"), m.group("code")
        rows = ctx.classification_by_code.get(code, [])
        valid = _valid_in(rows, d.fiscal_year)
        if not valid or any(_names_match(name, r["name"]) for r in valid):
            continue
        other = [r for r in _valid_in(ctx.classification, d.fiscal_year) if r["code"] != code and _names_match(name, r["name"])]
        if not other:
            continue
        best = max(other, key=lambda r: len(r["name"]))
        level = "level" if len(best["code"]) != len(code) else "code"
        f = span_fact(d, m.start("name"), m.end(), m.start("code"), m.end("code"))
        out.append(Check(doc, f"heading_{level}_mismatch", "classification", f"{code}@{m.start('code')}", "fail", facts=[f],
                         detail=f"'{name}（{code}）': {code} is '{valid[0]['name']}' in {d.fiscal_year}; the name printed is that of "
                                f"{best['code']} ({best['level']})", severity=p.severity, cause=f"code:{code}",
                         values={"found": f"{name}（{code}）"}))
    return out


class NearParams(Params):
    measures: list[str]
    #: below this size two figures one digit apart may well be two different figures
    minimum: Decimal
    #: only figures of these metrics (all when empty): e.g. 机关运行经费 and 公用经费, usually one figure
    metrics: list[Metric] = []


@family("last_digit_restated", NearParams)
def last_digit_restated(ctx: Context, doc: str, p: NearParams) -> list[Check]:
    """The same change amount stated twice with a different last digit (36680.54 and 36680.53),
    whatever metric each sentence names: two sizeable figures one unit of their last digit apart
    are one figure misprinted once."""
    out: list[Check] = []
    for measure in p.measures:
        seen: dict[tuple[str, int], RF] = {}
        for f in ctx.facts(doc):
            if f.measure != measure or f.interval is None or abs(f.comparable) < p.minimum:
                continue
            if p.metrics and f.metric not in p.metrics:
                continue
            step = Decimal(10) ** -f.decimals
            for delta in (-step, step):
                other = seen.get((format((f.value + delta).normalize(), "f"), f.decimals))
                if other is not None and other.unit == f.unit and (not p.metrics or other.metric != f.metric):
                    out.append(Check(doc, p.rule, "restated", f"{label(other)}~{f.value_start}", "fail", q(other.comparable),
                                     q(f.comparable), q(f.comparable - other.comparable), Decimal(0), [other, f],
                                     f"{other.in_wan} ({other.metric}, line {other.line}) and {f.in_wan} ({f.metric}, line {f.line}) "
                                     f"differ in the last digit only", p.severity, unit=unit_of(f),
                                     cause=f"lastdigit:{other.value_start}~{f.value_start}"))
            seen.setdefault((format(f.value.normalize(), "f"), f.decimals), f)
    return out


class DecimalsParams(Params):
    #: the share of a document's money figures whose precision counts as usual
    usual_share: Decimal
    measures: list[str]


@family("unusual_decimals", DecimalsParams)
def unusual_decimals(ctx: Context, doc: str, p: DecimalsParams) -> list[Check]:
    """A money figure printed with more decimals than the document's figures usually have (180.399万元 among
    figures of two decimals): often a typo or a figure copied from another unit."""
    money = [f for f in ctx.facts(doc) if f.measure in p.measures and f.interval is not None and unit_of(f) == "万元"
             and f.unit == "万元"]
    if len(money) < 10:
        return []
    counts = [f.decimals for f in money]
    usual = min(d for d in set(counts) if sum(1 for x in counts if x <= d) >= p.usual_share * len(counts))
    out: list[Check] = []
    seen: set[int] = set()
    for f in money:
        if f.decimals > usual and f.value_start not in seen:
            seen.add(f.value_start)
            out.append(Check(doc, p.rule, "text", label(f), "warning", f.value, None, None, None, [f],
                             f"{f.shown} has {f.decimals} decimals; {p.usual_share:%} of the document's figures in 万元 "
                             f"have at most {usual}",
                             p.severity, unit=f.unit, values={"what_zh": f"小数位数异常（本文件金额通常至多{usual}位小数）",
                                                               "found": f.shown}))
    return out
