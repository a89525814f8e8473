"""The rule engine: evaluates every rule instance on the published facts.

Each family below is written once and applied to every document that states
the figures it relates; which metrics a rule relates is data (rules.yml).
Arithmetic is Decimal interval arithmetic (see intervals.py), so a check
that passes only within rounding is told apart from an exact one.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from juesuan.paths import DATA
from juesuan.rules.intervals import Interval, zero

RULES_YML = Path(__file__).with_name("rules.yml")


def money_factors() -> dict[str, Decimal]:
    """万元 per unit, from the lexicon (the one place units are defined)."""
    from juesuan.extract.lexicon import default_lexicon

    return default_lexicon().money_units


@dataclass
class F:
    """A fact as the rules see it."""
    fact_id: str
    doc_id: str
    metric: str
    measure: str
    value: Decimal
    decimals: int
    unit: str
    function_code: str
    function_name: str
    function_level: str
    base_metric: str
    compared_year: int | None
    line: int
    value_start: int
    char_start: int
    char_end: int
    quote: str
    section: str
    flags: str

    @property
    def interval(self) -> Interval | None:
        """In 万元 for money, as printed otherwise; None where the unit is missing."""
        factors = money_factors()
        if self.unit in factors:
            return Interval.printed(self.value, self.decimals, factors[self.unit])
        if self.unit == "" and self.measure not in ("share_pct", "change_pct", "completion_pct"):
            return None
        return Interval.printed(self.value, self.decimals)

    @property
    def comparable(self) -> Decimal:
        return self.value * money_factors().get(self.unit, Decimal(1))


@dataclass
class Check:
    doc_id: str
    rule: str
    family: str
    key: str
    outcome: str
    lhs: Decimal | None = None
    rhs: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    facts: list[F] = field(default_factory=list)
    detail: str = ""
    severity: str = "error"

    @property
    def check_id(self) -> str:
        return f"{self.doc_id}:{self.rule}:{self.key}"


def load_rules(path: Path = RULES_YML) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_facts(path: Path = DATA / "facts.csv") -> list[F]:
    with open(path, encoding="utf-8", newline="") as fh:
        return facts_from_rows(csv.DictReader(fh))


def facts_from_rows(rows: Iterable[dict[str, Any]]) -> list[F]:
    out = []
    for raw in rows:
        r = {k: "" if v is None else str(v) for k, v in raw.items()}
        out.append(F(
            fact_id=r["fact_id"], doc_id=r["doc_id"], metric=r["metric"], measure=r["measure"],
            value=Decimal(r["value"]), decimals=int(r["decimals"]), unit=r["unit"],
            function_code=r["function_code"], function_name=r["function_name"],
            function_level=r["function_level"], base_metric=r["base_metric"],
            compared_year=int(r["compared_year"]) if r["compared_year"] else None,
            line=int(r["line"]), value_start=int(r["value_start"]), char_start=int(r["char_start"]),
            char_end=int(r["char_end"]), quote=r["quote"], section=r["section"], flags=r["flags"],
        ))
    return out


def q(d: Decimal | None) -> Decimal | None:
    """Round a computed figure for publication (6 decimals is finer than any printed figure)."""
    return None if d is None else d.quantize(Decimal("0.000001")).normalize() + Decimal(0)


def compare(computed: Interval, stated: Interval, exact_equal: bool) -> str:
    if exact_equal:
        return "pass"
    return "pass_within_rounding" if computed.meets(stated) else "fail"


def _rounds_to(value: Decimal, printed: Decimal, decimals: int) -> bool:
    return value.quantize(Decimal(10) ** -decimals) == printed if decimals >= 0 else False


# ---------------------------------------------------------------------------
class Engine:
    def __init__(self, facts: list[F], rules: dict[str, Any], documents: dict[str, dict[str, str]],
                 classification: list[dict[str, str]]) -> None:
        self.rules, self.documents, self.classification = rules, documents, classification
        self.by_doc: dict[str, list[F]] = defaultdict(list)
        for f in facts:
            self.by_doc[f.doc_id].append(f)
        for fs in self.by_doc.values():
            fs.sort(key=lambda f: f.value_start)

    # -- finding facts ------------------------------------------------------
    def find(self, doc: str, metric: str, measure: str = "amount", *, line: int | None = None,
             section: str | None = None, code: str | None = None) -> list[F]:
        out = []
        for f in self.by_doc[doc]:
            if f.metric != metric or f.measure != measure:
                continue
            if line is not None and f.line != line:
                continue
            if section is not None and f.section != section:
                continue
            if code is not None and f.function_code != code:
                continue
            if f.interval is None:
                continue
            out.append(f)
        return out

    def nearest(self, doc: str, metric: str, measure: str, anchor: F, code: str | None = None) -> F | None:
        """The statement of `metric` closest before `anchor`: same line, else same section, else first in the document."""
        for scope in ("line", "section", "doc"):
            kw: dict[str, Any] = {"code": code}
            if scope == "line":
                kw["line"] = anchor.line
            elif scope == "section":
                kw["section"] = anchor.section
            cands = self.find(doc, metric, measure, **kw)
            if not cands:
                continue
            before = [f for f in cands if f.value_start <= anchor.value_start]
            return before[-1] if before else cands[0]
        return None

    # -- families -----------------------------------------------------------
    def run(self) -> list[Check]:
        checks: list[Check] = []
        for doc in sorted(self.documents):
            checks += self.parts_sum(doc)
            checks += self.function_sums(doc)
            checks += self.identities(doc)
            checks += self.ratios(doc)
            checks += self.completion(doc)
            checks += self.yoy(doc)
            checks += self.restated(doc)
            checks += self.plausibility(doc)
            checks += self.classification_checks(doc)
        seen: set[str] = set()
        unique = []
        for c in checks:
            if c.check_id in seen:
                continue
            seen.add(c.check_id)
            unique.append(c)
        return unique

    def _sum_check(self, doc: str, rule: str, family: str, total: F, parts: list[F], exhaustive: bool,
                   n_expected: int) -> Check:
        s = zero()
        exact = Decimal(0)
        for p in parts:
            s = s + p.interval
            exact += p.comparable
        t = total.interval
        diff = exact - total.comparable
        tol = s.half_width + t.half_width
        if s.meets(t):
            outcome = "pass" if diff == 0 else "pass_within_rounding"
        elif s.hi < t.lo and (not exhaustive or len(parts) < n_expected):
            outcome = "incomplete"
        else:
            outcome = "fail"
        key = f"{total.metric}@{total.value_start}"
        names = " + ".join(f"{p.metric}({p.function_code})" if p.function_code else p.metric for p in parts)
        return Check(doc, rule, family, key, outcome, q(exact), q(total.comparable), q(diff), q(tol),
                     [total, *parts], detail=f"{names} vs {total.metric}{'(' + total.function_code + ')' if total.function_code else ''}")

    def parts_sum(self, doc: str) -> list[Check]:
        out = []
        for r in self.rules["sums"]:
            measure = r.get("measure", "amount")
            for tm in r["total"]:
                for total in self.find(doc, tm):
                    # each part as stated after the total: on its line, else in its section
                    parts = []
                    for pm in r["parts"]:
                        for scope in ({"line": total.line}, {"section": total.section}):
                            cands = [p for p in self.find(doc, pm, measure, **scope) if p.value_start >= total.value_start]
                            if cands:
                                parts.append(cands[0])
                                break
                    if parts:
                        out.append(self._sum_check(doc, r["rule"], "parts_sum", total, parts, r["exhaustive"], len(r["parts"])))
        return out

    def function_sums(self, doc: str) -> list[Check]:
        """Classes → general-budget expenditure (the 结构 statement), and 款/项 → their 类/款."""
        out = []
        fx = [f for f in self.by_doc[doc] if f.metric == "function_expenditure" and f.measure == "amount" and f.interval]
        # classes stated on one line with the general-budget (or fiscal-grant) total
        for total_metric in self.rules["class_totals"]:
            for total in self.find(doc, total_metric):
                classes = [f for f in fx if f.line == total.line and len(f.function_code) == 3]
                if classes:
                    out.append(self._sum_check(doc, "classes_to_total", "parts_sum", total, classes, True, len(classes)))
        # children → parent, first statement of each distinct heading
        first: dict[tuple[str, str], F] = {}
        for f in fx:
            if f.function_code:
                # a stated code used for two headings counts twice; a mapped one once
                stated = "code_from_classification" not in f.flags
                first.setdefault((f.function_code, f.function_name if stated else ""), f)
        for (code, _), parent in first.items():
            if len(code) not in (3, 5):
                continue
            kids = [f for (c, _), f in first.items() if c != code and c.startswith(code) and len(c) > len(code)]
            # the deepest level stated under this parent, without double counting 款 and its 项
            deepest = [k for k in kids if not any(o is not k and o.function_code.startswith(k.function_code)
                                                  and len(o.function_code) > len(k.function_code) for o in kids)]
            if deepest:
                out.append(self._sum_check(doc, f"children_to_{'class' if len(code) == 3 else 'section'}",
                                           "parts_sum", parent, deepest, False, len(deepest)))
        return out

    def identities(self, doc: str) -> list[Check]:
        out = []
        for r in self.rules["identities"]:
            lhs_f = self.find(doc, r["lhs"][0])
            if not lhs_f:
                continue
            lhs = lhs_f[0]
            terms: list[tuple[int, F]] = []
            missing = []
            for t in r["rhs"]:
                sign, metric = (-1, t[1:]) if t.startswith("-") else (1, t)
                fs = self.find(doc, metric)
                if fs:
                    terms.append((sign, fs[0]))
                else:
                    missing.append(metric)
            required_missing = [m for m in missing if m not in r.get("optional", [])]
            if required_missing or not terms:
                continue
            s = zero()
            exact = Decimal(0)
            for sign, f in terms:
                s = s + f.interval if sign > 0 else s - f.interval
                exact += sign * f.comparable
            diff = exact - lhs.comparable
            tol = s.half_width + lhs.interval.half_width
            if s.meets(lhs.interval):
                outcome = "pass" if diff == 0 else "pass_within_rounding"
            elif missing:
                outcome = "incomplete"   # an unstated carry-over could close the gap
            else:
                outcome = "fail"
            detail = " ".join([" ".join(("+ " if sign > 0 else "− ") + f.metric for sign, f in terms).lstrip("+ "), "vs", lhs.metric] +
                              ([f"({', '.join(missing)} not stated)"] if missing else []))
            out.append(Check(doc, r["rule"], "identity", f"{lhs.metric}@{lhs.value_start}", outcome, q(exact),
                             q(lhs.comparable), q(diff), q(tol), [lhs] + [f for _, f in terms], detail))
        g = self.rules["general_budget_equals_total"]
        when_a, when_b = (self.find(doc, m) for m in g["when"])
        if when_a and when_b and when_a[0].comparable == when_b[0].comparable:
            then_a, then_b = (self.find(doc, m) for m in g["then"])
            if then_a and then_b:
                a, b = then_a[0], then_b[0]
                diff = a.comparable - b.comparable
                outcome = compare(a.interval, b.interval, diff == 0)
                out.append(Check(doc, "general_budget_is_total", "identity", f"{a.metric}@{a.value_start}", outcome,
                                 q(a.comparable), q(b.comparable), q(diff), q(a.interval.half_width + b.interval.half_width),
                                 [a, b, when_a[0], when_b[0]], "all income is general-budget grant"))
        return out

    def ratios(self, doc: str) -> list[Check]:
        out = []
        shares = [f for f in self.by_doc[doc] if f.measure == "share_pct"]
        for s in shares:
            part = self.nearest(doc, s.metric, "amount", s, code=s.function_code or None)
            if part is None or part.line != s.line:
                continue
            if not s.base_metric:
                continue
            base = self.nearest(doc, s.base_metric, "amount", part)
            if base is None or base.interval is None:
                continue
            ratio = part.interval / base.interval
            if ratio is None:
                if part.comparable == 0 and s.value == 0:
                    out.append(Check(doc, "share", "ratio", f"{s.metric}@{s.value_start}", "pass", Decimal(0), s.value,
                                     Decimal(0), Decimal(0), [s, part, base], "0 of 0"))
                continue
            ratio = ratio.scale(Decimal(100))
            exact = part.comparable / base.comparable * 100 if base.comparable else None
            stated = Interval.printed(s.value, s.decimals)
            outcome = compare(ratio, stated, exact is not None and _rounds_to(exact, s.value, s.decimals))
            out.append(Check(doc, "share", "ratio", f"{s.metric}{'(' + s.function_code + ')' if s.function_code else ''}@{s.value_start}",
                             outcome, q(exact), s.value, q(exact - s.value) if exact is not None else None,
                             q((ratio.hi - ratio.lo) / 2 + stated.half_width), [s, part, base],
                             f"{part.metric} ÷ {base.metric}"))
        # the shares of one breakdown add up to 100
        groups: dict[tuple[int, str], list[F]] = defaultdict(list)
        for s in shares:
            if s.base_metric:
                groups[(s.line, s.base_metric)].append(s)
        for (line, base), members in groups.items():
            if len(members) < 2:
                continue
            total = sum((Interval.printed(m.value, m.decimals) for m in members), zero())
            exact = sum((m.value for m in members), Decimal(0))
            hundred = Interval.exact(Decimal(100))
            outcome = compare(total, hundred, exact == 100)
            if outcome == "fail" and total.hi < 100:
                outcome = "incomplete"  # shares of only some parts
            out.append(Check(doc, "shares_sum_to_100", "ratio", f"{base}@line{line}", outcome, q(exact), Decimal(100),
                             q(exact - 100), q(total.half_width), members, f"{len(members)} shares of {base}"))
        return out

    def completion(self, doc: str) -> list[Check]:
        out = []
        budget_of = self.rules.get("budget_of", {})
        for c in (f for f in self.by_doc[doc] if f.measure == "completion_pct"):
            code = c.function_code or None
            actual = self.nearest(doc, c.metric, "amount", c, code=code)
            budget = self.nearest(doc, c.metric, "budget", c, code=code)
            if budget is None and c.metric in budget_of:
                budget = self.nearest(doc, budget_of[c.metric], "amount", c)
            if actual is None or budget is None or (actual.line != c.line and budget.line != c.line):
                continue
            ratio = actual.interval / budget.interval
            if ratio is None:
                continue
            ratio = ratio.scale(Decimal(100))
            exact = actual.comparable / budget.comparable * 100
            stated = Interval.printed(c.value, c.decimals)
            outcome = compare(ratio, stated, _rounds_to(exact, c.value, c.decimals))
            out.append(Check(doc, "completion_rate", "ratio", f"{c.metric}{'(' + c.function_code + ')' if c.function_code else ''}@{c.value_start}",
                             outcome, q(exact), c.value, q(exact - c.value), q(ratio.half_width + stated.half_width),
                             [c, actual, budget], f"{actual.metric} ÷ {budget.metric} ({budget.measure})"))
        return out

    def yoy(self, doc: str) -> list[Check]:
        out = []
        year = int(self.documents[doc]["fiscal_year"])
        entity = self.documents[doc]["entity_id"]
        for ch in (f for f in self.by_doc[doc] if f.measure == "change_amount" and f.interval is not None):
            code = ch.function_code or None
            current = self.nearest(doc, ch.metric, "amount" if ch.unit != "人" else "count", ch, code=code)
            if current is None:
                current_list = [f for f in self.by_doc[doc] if f.metric == ch.metric and f.measure == "count" and f.line == ch.line]
                current = current_list[0] if current_list else None
            if current is None or current.interval is None:
                continue
            prev_iv = current.interval - ch.interval
            prev = current.comparable - ch.comparable
            pct = next((f for f in self.by_doc[doc] if f.metric == ch.metric and f.measure == "change_pct"
                        and f.line == ch.line and f.function_code == ch.function_code
                        and f.value_start > ch.value_start), None)
            prev_text = f"{q(prev)}（{ch.compared_year or year - 1}）"
            if pct is not None:
                ratio = ch.interval / prev_iv
                if ratio is not None:
                    ratio = ratio.scale(Decimal(100))
                    exact = ch.comparable / prev * 100 if prev else None
                    stated = Interval.printed(pct.value, pct.decimals)
                    outcome = compare(ratio, stated, exact is not None and _rounds_to(exact, pct.value, pct.decimals))
                    out.append(Check(doc, "change_amount_vs_percent", "yoy", f"{ch.metric}@{ch.value_start}", outcome,
                                     q(exact), pct.value, q(exact - pct.value) if exact is not None else None,
                                     q(ratio.half_width + stated.half_width), [ch, pct, current], prev_text))
            # the previous year's document, when we have it
            for other, d in self.documents.items():
                if d["entity_id"] == entity and int(d["fiscal_year"]) == (ch.compared_year or year - 1):
                    then = self.find(other, ch.metric, current.measure, code=code)
                    if then:
                        diff = then[0].comparable - prev
                        outcome = compare(then[0].interval, prev_iv, diff == 0)
                        out.append(Check(doc, "implied_previous_vs_previous_report", "yoy", f"{ch.metric}@{ch.value_start}",
                                         outcome, q(prev), q(then[0].comparable), q(-diff), q(prev_iv.half_width + then[0].interval.half_width),
                                         [ch, current, then[0]], f"implied by {doc}, stated in {other}"))
        return out

    def restated(self, doc: str) -> list[Check]:
        out = []
        groups: dict[tuple, list[F]] = defaultdict(list)
        for f in self.by_doc[doc]:
            if f.interval is None:
                continue
            groups[(f.metric, f.measure, f.function_code, f.function_name, f.base_metric, f.compared_year)].append(f)
        for key, fs in groups.items():
            if len(fs) < 2:
                continue
            first = fs[0]
            for other in fs[1:]:
                diff = other.comparable - first.comparable
                if first.decimals == other.decimals and first.unit == other.unit:
                    # the same quantity printed to the same precision must print the same
                    outcome = "pass" if diff == 0 else "fail"
                else:
                    outcome = compare(first.interval, other.interval, diff == 0)
                out.append(Check(doc, "same_figure_twice", "restated",
                                 f"{first.metric}:{first.measure}{'(' + first.function_code + ')' if first.function_code else ''}@{first.value_start}~{other.value_start}",
                                 outcome, q(first.comparable), q(other.comparable), q(diff),
                                 q(first.interval.half_width + other.interval.half_width), [first, other],
                                 f"lines {first.line} and {other.line}"))
        return out

    def plausibility(self, doc: str) -> list[Check]:
        out: list[Check] = []
        d = self.documents[doc]

        def warn(rule: str, key: str, detail: str, facts: list[F], lhs: Decimal | None = None, rhs: Decimal | None = None) -> None:
            out.append(Check(doc, rule, "plausibility", key, "warning", lhs, rhs, None, None, facts, detail, "warning"))

        totals = self.find(doc, "expenditure_total")
        if totals:
            t = totals[0]
            for m in self.rules["within_expenditure"]:
                for f in self.find(doc, m):
                    if f.interval.lo > t.interval.hi:
                        warn("part_exceeds_total_expenditure", f"{m}@{f.value_start}",
                             f"{m} {f.value}{f.unit} exceeds expenditure_total {t.value}{t.unit}", [f, t], q(f.comparable), q(t.comparable))
        for f in self.by_doc[doc]:
            if f.measure == "share_pct" and not (0 <= f.value <= 100):
                warn("share_out_of_range", f"{f.metric}@{f.value_start}", f"share {f.value}% outside 0–100", [f], f.value)
            if f.measure in ("amount", "budget", "count") and f.value < 0:
                warn("negative_figure", f"{f.metric}@{f.value_start}", f"{f.metric} is negative ({f.value})", [f], f.value)
            if f.measure == "count" and f.unit in self.rules["count_units_integer"] and f.value != f.value.to_integral_value():
                warn("non_integer_count", f"{f.metric}@{f.value_start}", f"count {f.value}{f.unit} is not a whole number", [f], f.value)
            for flag in filter(None, f.flags.split(";")):
                name = flag.split(":", 1)[0]
                if name in ("unit_missing", "unit_suspect", "unit_abbreviated", "stray_character", "sign_unresolved"):
                    warn(name, f"{f.metric}@{f.value_start}", f"{f.metric} {f.value}{f.unit or ''}: {flag}", [f], f.value)
        report_date = d.get("report_date") or ""
        if report_date and report_date < f"{d['fiscal_year']}-12-31":
            warn("report_before_year_end", "report_date",
                 f"report dated {report_date}, before fiscal year {d['fiscal_year']} ended", [])
        return out

    def classification_checks(self, doc: str) -> list[Check]:
        out: list[Check] = []
        year = int(self.documents[doc]["fiscal_year"])
        by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self.classification:
            by_code[row["code"]].append(row)
        fx = [f for f in self.by_doc[doc] if f.metric == "function_expenditure"]
        names_by_code: dict[str, set[str]] = defaultdict(set)
        for f in fx:
            if not f.function_code:
                out.append(Check(doc, "heading_unmapped", "classification", f.function_name, "fail",
                                 facts=[f], detail=f"heading '{f.function_name}' matches no code of the classification"))
                continue
            stated = "code_from_classification" not in f.flags
            if stated:
                names_by_code[f.function_code].add(f.function_name)
                rows = by_code.get(f.function_code)
                if not rows:
                    out.append(Check(doc, "code_unknown", "classification", f"{f.function_code}@{f.value_start}", "warning",
                                     facts=[f], detail=f"code {f.function_code} is not in the curated classification", severity="warning"))
                    continue
                valid = [r for r in rows if int(r["valid_from"]) <= year and (not r["valid_to"] or year <= int(r["valid_to"]))]
                ok = {r["name"] for r in valid} | {r["name"] + "支出" for r in valid} | {r["name"].removesuffix("支出") for r in valid}
                outcome = "pass" if f.function_name in ok else "fail"
                out.append(Check(doc, "code_name_matches_year", "classification", f"{f.function_code}:{f.function_name}", outcome,
                                 facts=[f], detail=f"{f.function_code} is named '{f.function_name}'; valid in {year}: "
                                                   f"{' / '.join(sorted(r['name'] for r in valid)) or 'none'}"))
        for code, names in names_by_code.items():
            if len(names) > 1:
                facts = [f for f in fx if f.function_code == code and "code_from_classification" not in f.flags]
                out.append(Check(doc, "code_names_two_headings", "classification", code, "fail", facts=facts[:2],
                                 detail=f"code {code} is used for {' and '.join(sorted(names))}"))
        return out


def run_rules(facts: list[F] | None = None, documents: dict[str, dict[str, str]] | None = None) -> list[Check]:
    """Every check on the published package: the rule families on facts, and the
    checks on the curated score sheets and indicators."""
    from juesuan.classification import load_classification
    from juesuan.package.curated import load_indicators, load_scores
    from juesuan.rules.curated_checks import indicator_checks, score_checks
    from juesuan.sources import load_sources

    if facts is None:
        facts = load_facts()
    if documents is None:
        with open(DATA / "documents.csv", encoding="utf-8", newline="") as fh:
            documents = {r["doc_id"]: r for r in csv.DictReader(fh)}
    checks = Engine(facts, load_rules(), documents, load_classification()).run()
    texts = {s.doc_id: s.text for s in load_sources()}
    with open(DATA / "metrics.csv", encoding="utf-8", newline="") as fh:
        metrics = {r["metric"] for r in csv.DictReader(fh)}
    scores, totals = load_scores(texts)
    checks += score_checks(scores, totals, texts) + indicator_checks(load_indicators(texts, metrics), facts, texts)
    return checks


def summarise(checks: Iterable[Check]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for c in checks:
        counts[c.outcome] += 1
    return dict(counts)
