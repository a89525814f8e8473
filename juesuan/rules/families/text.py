"""Rules that read the document text itself, with their patterns as data:
itemised breakdowns (公务接待 by purpose, headcounts in parentheses), text
quality (stray punctuation before a figure, doubled words, impossible dates)
and the disclosure of the template's sections.

The patterns live in rules.yml; the code only says what to do with a match.
A number read here is quoted from the original text at its span, like a fact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import field_validator

from juesuan.extract.lexicon import default_lexicon
from juesuan.model import Fact
from juesuan.rules.checks import RF, Check, fmt, money_factors, q
from juesuan.rules.context import Context, Document
from juesuan.rules.intervals import Interval, zero
from juesuan.rules.registry import Metric, Params, family


def _regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"invalid pattern {v!r}: {exc}") from exc
    return v


def _iv(f: RF) -> Interval:
    """A printed figure's interval: money and percentages stand for what rounds to them; counts are exact."""
    if f.unit in money_factors() or f.unit == "%":
        return Interval.printed(f.value, f.decimals)
    return Interval.exact(f.value)


def added_up(total: RF, parts: list[RF]) -> tuple[str, Decimal, Decimal, Decimal]:
    """(outcome, sum, difference, tolerance) of printed parts against their printed total."""
    s = sum((_iv(x) for x in parts), zero())
    t = _iv(total)
    exact = sum((x.value for x in parts), Decimal(0))
    diff = exact - total.value
    outcome = "pass" if diff == 0 else ("pass_within_rounding" if s.meets(t) else "fail")
    return outcome, exact, diff, s.half_width + t.half_width


def span_fact(doc: Document, start: int, end: int, vstart: int, vend: int, metric: str = "text",
              unit: str = "") -> RF:
    """A stretch of the original text as a pseudo-fact, so a finding can quote and link it."""
    raw = doc.norm[vstart:vend]
    try:
        value = Decimal(raw.replace(",", ""))
    except ArithmeticError:
        value = Decimal(0)
    decimals = len(raw.split(".", 1)[1]) if "." in raw else 0
    f = Fact(doc.doc_id, metric, "text", value, doc.text[vstart:vend], unit, None, decimals, char_start=start, char_end=end,
             value_start=vstart, value_end=vend, quote=doc.text[start:end], origin="rule")
    return RF(f, doc.line_of(vstart))


class ItemisedParams(Params):
    #: one tuple of figures (named groups), e.g. `(?P<batches>\d+)批次，(?P<persons>\d+)人次…`
    pattern: str
    #: what must come between the total's tuple and its first item (e.g. 具体内容包括)
    intro: str
    #: group name → unit, for the explanation
    units: dict[str, str]

    _check = field_validator("pattern", "intro")(_regex)


@family("itemised_breakdown", ItemisedParams)
def itemised_breakdown(ctx: Context, doc: str, p: ItemisedParams) -> list[Check]:
    """A total stated as a tuple (batches, persons, amount) then itemised in tuples of the same shape: each component adds up."""
    d = ctx.documents[doc]
    tup, intro = re.compile(p.pattern), re.compile(p.intro)
    out: list[Check] = []
    for line_no, line in enumerate(d.norm.split("\n"), start=1):
        matches = list(tup.finditer(line))
        if len(matches) < 3:
            continue
        head, items = matches[0], matches[1:]
        if not intro.search(line, head.end(), items[0].start()):
            continue
        base = d.starts[line_no - 1]
        for group, unit in p.units.items():
            total_f = span_fact(d, base + head.start(), base + head.end(), base + head.start(group), base + head.end(group), unit=unit)
            parts = [span_fact(d, base + m.start(), base + m.end(), base + m.start(group), base + m.end(group), unit=unit)
                     for m in items]
            outcome, exact, diff, tol = added_up(total_f, parts)
            out.append(Check(doc, f"{p.rule}_{group}", "parts_sum", f"{group}@{total_f.value_start}", outcome, q(exact),
                             total_f.value, q(diff), q(tol), [total_f, *parts],
                             f"{len(parts)} items: " + " + ".join(f"{x.value_text}{unit}" for x in parts)
                             + f" = {fmt(q(exact))}{unit} vs the stated {total_f.value_text}{unit}", p.severity, unit=unit))
    return out


class ParenthesisedParams(Params):
    #: a total followed by its parts in parentheses; groups `total`, `unit`, `body`
    pattern: str
    #: one part inside the parentheses; groups `value`, `unit`
    part: str
    #: how a list that need not be whole begins (其中, 含): a shortfall there is information
    partial: str

    _check = field_validator("pattern", "part", "partial")(_regex)


@family("parenthesised_breakdown", ParenthesisedParams)
def parenthesised_breakdown(ctx: Context, doc: str, p: ParenthesisedParams) -> list[Check]:
    """`现有编制数46名（行政编制6名、参照公务员编制35名…）`: the parts in parentheses make the total."""
    d = ctx.documents[doc]
    out: list[Check] = []
    part_re = re.compile(p.part)
    for m in re.finditer(p.pattern, d.norm):
        parts_m = [x for x in part_re.finditer(d.norm, m.start("body"), m.end("body")) if x.group("unit") == m.group("unit")]
        if len(parts_m) < 2:
            continue
        unit = m.group("unit")
        total_f = span_fact(d, m.start(), m.end(), m.start("total"), m.end("total"), unit=unit)
        parts = [span_fact(d, x.start(), x.end(), x.start("value"), x.end("value"), unit=unit) for x in parts_m]
        outcome, exact, diff, tol = added_up(total_f, parts)
        if outcome == "fail" and diff < 0 and re.match(p.partial, m.group("body")):
            outcome = "incomplete"    # （其中党员12人、女性10人）: a partial list, not a breakdown
        out.append(Check(doc, p.rule, "parts_sum", f"{total_f.value_start}", outcome, q(exact), total_f.value, q(diff),
                         q(tol), [total_f, *parts],
                         " + ".join(f"{x.value_text}{unit}" for x in parts) + f" = {fmt(q(exact))}{unit} vs {total_f.value_text}{unit}",
                         p.severity, unit=unit, values={"remainder": fmt(q(-diff))}))
    return out


class PatternParams(Params):
    #: the text to flag; group `at` (optional) marks the span to quote
    pattern: str
    what: str            # the English words for what was found
    what_zh: str
    #: findings of other rules about the same span share this cause (e.g. `unitless`)
    cause: str = ""

    _check = field_validator("pattern")(_regex)


@family("text_pattern", PatternParams)
def text_pattern(ctx: Context, doc: str, p: PatternParams) -> list[Check]:
    """Text-quality findings by pattern: a stray comma between a cue and its figure, a doubled word."""
    d = ctx.documents[doc]
    out: list[Check] = []
    for m in re.finditer(p.pattern, d.norm):
        start, end = (m.start("at"), m.end("at")) if "at" in m.groupdict() else (m.start(), m.end())
        lo, hi = max(0, start - 12), min(len(d.text), end + 12)
        f = span_fact(d, lo, hi, start, end)
        out.append(Check(doc, p.rule, "text", f"{start}", "warning", facts=[f], severity=p.severity,
                         cause=f"{p.cause}:{start}" if p.cause else "",
                         detail=f"{p.what}: '{d.text[start:end]}' in '{d.text[lo:hi].strip()}'",
                         values={"what_zh": p.what_zh, "found": d.text[start:end]}))
    return out


class TypoParams(Params):
    #: a mis-typed word of the genre → the word meant (负贵 → 负责): shape- or input-method slips
    words: dict[str, str]


@family("typos", TypoParams)
def typos(ctx: Context, doc: str, p: TypoParams) -> list[Check]:
    """Words of the genre's vocabulary printed with a mis-typed character: information for the reader, never
    corrected in place (the quote keeps what was printed)."""
    d = ctx.documents[doc]
    out: list[Check] = []
    if not p.words:
        return out
    for m in re.finditer("|".join(re.escape(w) for w in sorted(p.words, key=len, reverse=True)), d.norm):
        found = d.text[m.start():m.end()]
        meant = p.words[m.group(0)]
        line = d.line_of(m.start())
        line_end = d.starts[line] - 1 if line < len(d.starts) else len(d.text)
        lo, hi = max(d.starts[line - 1], m.start() - 8), min(line_end, m.end() + 8)   # the quote stays on its line
        f = span_fact(d, lo, hi, m.start(), m.end())
        out.append(Check(doc, p.rule, "text", f"{m.start()}", "warning", facts=[f], severity=p.severity,
                         detail=f"'{found}' is probably a slip for '{meant}': '{d.text[lo:hi].strip()}'",
                         values={"what_zh": f"疑似错别字，应为“{meant}”", "found": found}))
    return out


class ListedItemParams(Params):
    #: one item of a numbered list of projects; groups `name` and `rest` (the item's text after its name)
    item: str
    #: an amount, searched in the item's first clause
    amount: str
    #: how many items of the same list must print an amount before a missing one is remarkable
    min_with_amount: int = 2

    _check = field_validator("item", "amount")(_regex)


@family("listed_without_amount", ListedItemParams)
def listed_without_amount(ctx: Context, doc: str, p: ListedItemParams) -> list[Check]:
    """`4. 城乡居民保险档案资料整理工作经费，用于…` in a numbered list whose other projects print their amounts
    (`1. 党建工作经费3万元，…`): the reader cannot tell what this one cost. Information, not an error."""
    d = ctx.documents[doc]
    item_re, amount_re = re.compile(p.item), re.compile(p.amount)
    out: list[Check] = []
    run: list[tuple[int, re.Match[str], bool]] = []

    def close() -> None:
        with_amount = sum(1 for _, _, has in run if has)
        if with_amount >= p.min_with_amount:
            for line, m, has in run:
                if not has:
                    f = span_fact(d, m.start(), m.end("name"), m.start("name"), m.end("name"))
                    out.append(Check(doc, p.rule, "text", f"{m.start('name')}", "warning", facts=[f], severity=p.severity,
                                     detail=f"item '{m.group('name')}' on line {line} has no amount, while {with_amount} "
                                            f"items of its list have one",
                                     values={"what_zh": "所列项目未注明金额", "found": d.text[m.start("name"):m.end("name")]}))
        run.clear()

    for line in range(1, len(d.starts) + 1):
        start = d.starts[line - 1]
        end = d.starts[line] - 1 if line < len(d.starts) else len(d.norm)
        m = item_re.match(d.norm, start, end)
        if m is None:
            if d.norm[start:end].strip():
                close()      # a line of prose ends the list; blank lines do not
            continue
        first_clause = re.split(r"[，,。；;]", m.group("rest"), maxsplit=1)[0]
        run.append((line, m, bool(amount_re.search(first_clause))))
    close()
    return out


class DateParams(Params):
    pattern: str          # groups y, m, d (d optional)
    #: how many years after the fiscal year a date may be (the report is written the year after)
    years_after: int = 1

    _check = field_validator("pattern")(_regex)


@family("impossible_date", DateParams)
def impossible_date(ctx: Context, doc: str, p: DateParams) -> list[Check]:
    """A date that does not exist, or lies after the fiscal year's report could have been written."""
    d = ctx.documents[doc]
    out: list[Check] = []
    for m in re.finditer(p.pattern, d.norm):
        y, mo = int(m.group("y")), int(m.group("m"))
        day = int(m.group("d")) if m.groupdict().get("d") else 1
        why = ""
        try:
            date(y, mo, day)
        except ValueError:
            why = "no such date"
        if not why and m.groupdict().get("d") and y > d.fiscal_year + p.years_after:   # plans name future years
            why = f"after fiscal year {d.fiscal_year} + {p.years_after}"
        if why:
            f = span_fact(d, m.start(), m.end(), m.start(), m.end())
            out.append(Check(doc, p.rule, "text", f"{m.start()}", "warning", facts=[f], severity=p.severity,
                             detail=f"date '{m.group(0)}': {why}", values={"what_zh": "日期不可能", "found": m.group(0)}))
    return out


@dataclass(frozen=True)
class Section:
    key: str
    title_zh: str
    pattern: str
    since: int
    until: int | None


class DisclosureParams(Params):
    #: the kinds of document (sources.csv doc_kind) the template applies to
    kinds: list[str]
    #: what may stand before a heading on its line (bookmarks, numbering)
    prefix: str
    #: the template's sections: key → {title, pattern, since, until}
    sections: dict[str, dict[str, str | int | None]]

    _check = field_validator("prefix")(_regex)


def disclosed(doc: Document, sections: list[Section], prefix: str) -> list[tuple[Section, int | None]]:
    """Each section applicable in the document's year with the line where its heading starts (None: absent).

    The last heading line wins: a table of contents lists the sections before the body does.
    """
    out: list[tuple[Section, int | None]] = []
    for s in sections:
        if s.since > doc.fiscal_year or (s.until is not None and s.until < doc.fiscal_year):
            continue
        found = list(re.finditer(prefix + "(?:" + s.pattern + ")", doc.norm, re.M))
        out.append((s, doc.line_of(found[-1].start()) if found else None))
    return out


def section_list(p: DisclosureParams) -> list[Section]:
    return [Section(k, str(v["title"]), str(v["pattern"]), int(str(v.get("since") or 0)),
                    int(str(v["until"])) if v.get("until") else None) for k, v in p.sections.items()]


@family("disclosures", DisclosureParams)
def disclosures(ctx: Context, doc: str, p: DisclosureParams) -> list[Check]:
    """A standard section of the 部门决算 template the document does not contain: information, not an error."""
    d = ctx.documents[doc]
    if d.kind not in p.kinds:
        return []
    out: list[Check] = []
    for s, line in disclosed(d, section_list(p), p.prefix):
        out.append(Check(doc, p.rule, "disclosure", s.key, "pass" if line else "incomplete", severity=p.severity,
                         detail=f"section {s.key} ({s.title_zh}) " + (f"starts on line {line}" if line else "not found"),
                         values={"what_zh": s.title_zh}))
    return out


class LabelledParams(Params):
    #: the total; groups `total` and `unit`
    pattern: str
    #: the labels of the parts that make the total (others in the same list, e.g. retirees, are not parts)
    parts: list[str]
    #: how far after the total its parts may stand (characters)
    window: int = 80
    #: the labels partition the total (全额/差额/自收自支: every post is funded one way), so a label the
    #: document leaves out has none and a shortfall is an error, not an unitemised remainder
    exhaustive: bool = False


@family("labelled_breakdown", LabelledParams)
def labelled_breakdown(ctx: Context, doc: str, p: LabelledParams) -> list[Check]:
    """`在编在职人数75人，其中公务员5人、参公人员8人，事业人员63人`: the named parts make the total."""
    d = ctx.documents[doc]
    out: list[Check] = []
    for m in re.finditer(p.pattern, d.norm):
        unit = m.group("unit")
        end = min(len(d.norm), m.end() + p.window)
        found = []
        for lab in p.parts:
            pm = re.compile(re.escape(lab) + r"[^，、；。,;\d]{0,6}?(?P<value>\d+)\s*" + re.escape(unit)).search(d.norm, m.end(), end)
            if pm:
                found.append(span_fact(d, pm.start(), pm.end(), pm.start("value"), pm.end("value"), unit=unit))
        if len(found) < 2:
            continue
        total_f = span_fact(d, m.start(), m.end(), m.start("total"), m.end("total"), unit=unit)
        outcome, exact, diff, _ = added_up(total_f, found)
        if outcome == "fail" and diff < 0 and len(found) < len(p.parts) and not p.exhaustive:
            outcome = "incomplete"    # a part the document does not name may hold the rest
        out.append(Check(doc, p.rule, "parts_sum", f"{total_f.value_start}", outcome, exact, total_f.value, diff, Decimal(0),
                         [total_f, *found], " + ".join(f"{x.quote}" for x in found) + f" = {exact}{unit} vs {total_f.quote}",
                         p.severity, unit=unit, values={"remainder": format(-diff, "f")}))
    return out


class TextShareParams(Params):
    #: an amount and its share of a named base; groups `amount`, `base`, `pct`
    pattern: str
    #: the totals whose shares this rule tests (the base label as printed is read by the lexicon's terms
    #: and share_bases: 占总支出 is a share of expenditure_total)
    base_metrics: list[Metric]

    _check = field_validator("pattern")(_regex)


def base_metric(label: str) -> str | None:
    """The metric a share's base label names, as the extractor reads it: the lexicon's share_bases
    (总支出 as a base is this year's spending), else its term when the term names one metric."""
    lex = default_lexicon()
    if label in lex.share_bases:
        return lex.share_bases[label]
    metrics = lex.terms.get(label) or ()
    return metrics[0] if len(metrics) == 1 else None


@family("text_share", TextShareParams)
def text_share(ctx: Context, doc: str, p: TextShareParams) -> list[Check]:
    """`彩票公益金支出 77.34 万元，占总支出比率为 0.09%`: every printed share of a named total, read from the
    text, equals amount ÷ that total as the document states it (the nearest statement before)."""
    d = ctx.documents[doc]
    out: list[Check] = []
    for m in re.finditer(p.pattern, d.norm):
        metric = base_metric(m.group("base"))
        if metric not in p.base_metrics:
            continue
        amount = span_fact(d, m.start(), m.end(), m.start("amount"), m.end("amount"), unit="万元")
        pct = span_fact(d, m.start(), m.end(), m.start("pct"), m.end("pct"), unit="%")
        base = ctx.nearest(doc, metric, "amount", pct)
        if base is None or not base.comparable:
            continue
        ratio = Interval.printed(amount.value, amount.decimals) / base.iv
        if ratio is None:
            continue
        ratio = ratio.scale(Decimal(100))
        exact = amount.value / base.comparable * 100
        stated = Interval.printed(pct.value, pct.decimals)
        outcome = "pass" if exact.quantize(Decimal(10) ** -pct.decimals) == pct.value else (
            "pass_within_rounding" if ratio.meets(stated) else "fail")
        out.append(Check(doc, p.rule, "ratio", f"{pct.value_start}", outcome, q(exact), pct.value, q(exact - pct.value),
                         q(ratio.half_width + stated.half_width), [pct, amount, base],
                         f"{amount.value_text}万元 ÷ {metric} {base.in_wan} (printed as 占{m.group('base')})",
                         p.severity, unit="%", cause=f"share:{pct.value_start}"))
    return out


class NearTextParams(Params):
    #: a printed change amount; group `value`
    pattern: str
    #: below this size two figures one digit apart may well be two different figures
    minimum: Decimal

    _check = field_validator("pattern")(_regex)


@family("last_digit_restated_text", NearTextParams)
def last_digit_restated_text(ctx: Context, doc: str, p: NearTextParams) -> list[Check]:
    """`收入减少 36680.54 万元` … `比去年减少 36680.53 万元`: the same change amount printed twice with another
    last digit, read from the text (whatever the extractor made of the sentences)."""
    d = ctx.documents[doc]
    out: list[Check] = []
    seen: dict[tuple[Decimal, int], RF] = {}
    for m in re.finditer(p.pattern, d.norm):
        f = span_fact(d, m.start(), m.end(), m.start("value"), m.end("value"), unit="万元")
        if abs(f.value) < p.minimum:
            continue
        step = Decimal(10) ** -f.decimals
        for delta in (-step, step):
            other = seen.get((f.value + delta, f.decimals))
            if other is not None:
                out.append(Check(doc, p.rule, "restated", f"{other.value_start}~{f.value_start}", "fail", other.value, f.value,
                                 f.value - other.value, Decimal(0), [other, f],
                                 f"{other.value_text}万元 on line {other.line} and {f.value_text}万元 on line {f.line} "
                                 f"differ in the last digit only", p.severity, unit="万元",
                                 cause=f"lastdigit:{other.value_start}~{f.value_start}"))
        seen.setdefault((f.value, f.decimals), f)
    return out


class LabelTextParams(Params):
    #: a heading's name followed by an amount; `{label}` stands for the escaped name, group `value`
    pattern: str


@family("label_conflict_text", LabelTextParams)
def label_conflict_text(ctx: Context, doc: str, p: LabelTextParams) -> list[Check]:
    """`行政运行支出是 505.42 万元` where the accounts give 行政运行 406.37万元: one label, two values.
    Only headings the document names once are compared (two 行政运行 of two classes are two headings)."""
    d = ctx.documents[doc]
    by_name: dict[str, list[RF]] = {}
    for f in ctx.find(doc, "function_expenditure"):
        if f.function_name and len(f.function_code) == 7:
            by_name.setdefault(f.function_name, []).append(f)
    out: list[Check] = []
    for name, fs in by_name.items():
        if len({f.function_code for f in fs}) != 1:
            continue
        stated = fs[0]
        for m in re.finditer(p.pattern.replace("{label}", re.escape(name)), d.norm):
            f = span_fact(d, m.start(), m.end(), m.start("value"), m.end("value"), unit="万元")
            if any(x.value_start == f.value_start for x in fs):
                continue
            iv = Interval.printed(f.value, f.decimals)
            if iv.meets(stated.iv):
                continue
            out.append(Check(doc, p.rule, "restated", f"{name}@{stated.value_start}~{f.value_start}", "fail", q(stated.comparable),
                             f.value, q(f.value - stated.comparable), q(iv.half_width + stated.iv.half_width), [stated, f],
                             f"'{name}' is {stated.in_wan} on line {stated.line} and {f.value_text}万元 on line {f.line}",
                             p.severity, unit="万元"))
    return out


class DifferenceParams(Params):
    #: a budget, the actual and the stated increase in one passage; groups `budget`, `actual`, `increase`
    pattern: str

    _check = field_validator("pattern")(_regex)


@family("stated_difference", DifferenceParams)
def stated_difference(ctx: Context, doc: str, p: DifferenceParams) -> list[Check]:
    """`预算批复数为 319.63 万元 … 决算支出数据为 406.37 万元。决算数大于年初预算数的主要原因是：调整预算增加了
    86.74 万元`: the increase the text gives is the actual less the budget."""
    d = ctx.documents[doc]
    out: list[Check] = []
    for m in re.finditer(p.pattern, d.norm):
        budget, actual, increase = (span_fact(d, m.start(), m.end(), m.start(g), m.end(g), unit="万元")
                                    for g in ("budget", "actual", "increase"))
        implied = Interval.printed(actual.value, actual.decimals) - Interval.printed(budget.value, budget.decimals)
        stated = Interval.printed(increase.value, increase.decimals)
        exact = actual.value - budget.value
        diff = exact - increase.value
        outcome = "pass" if diff == 0 else ("pass_within_rounding" if implied.meets(stated) else "fail")
        out.append(Check(doc, p.rule, "parts_sum", f"{increase.value_start}", outcome, q(exact), increase.value, q(diff),
                         q(implied.half_width + stated.half_width), [increase, actual, budget],
                         f"actual {actual.value_text}万元 − budget {budget.value_text}万元 = {fmt(q(exact))}万元 vs the stated "
                         f"increase {increase.value_text}万元", p.severity, unit="万元"))
    return out
