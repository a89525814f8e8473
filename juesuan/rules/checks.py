"""What a rule returns: checks on facts, and the view of a fact the rules use.

A check is one rule instance evaluated on one document: its outcome, the
computed and stated sides, their difference and the rounding tolerance
implied by the printed precision. `RF` is a fact as the rules see it: the
shared `model.Fact`, plus its line and its value as an interval in 万元
(money) or as printed (counts, percentages) — computed once per fact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from juesuan.extract.lexicon import default_lexicon
from juesuan.model import PERCENT_MEASURES, Fact
from juesuan.rules.intervals import Interval


def money_factors() -> dict[str, Decimal]:
    """万元 per unit, from the lexicon (the one place units are defined)."""
    return default_lexicon().money_units


@dataclass(eq=False)
class RF:
    """A fact with its line; attribute access falls through to the `Fact`."""

    fact: Fact
    line: int
    #: the value as narrowed by a more precise statement of the same figure elsewhere (7822.5 and 7822.51)
    refined: Interval | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fact, name)

    @property
    def fact_id(self) -> str:
        return self.fact.fact_id

    @cached_property
    def interval(self) -> Interval | None:
        """In 万元 for money, as printed otherwise; None where the unit is missing."""
        f = self.fact
        factors = money_factors()
        if f.unit in factors:
            return Interval.printed(f.value, f.decimals, factors[f.unit])
        if f.unit == "" and f.measure not in PERCENT_MEASURES:
            return None
        return Interval.printed(f.value, f.decimals)

    @property
    def half_width(self) -> Decimal:
        """Half the rounding step of the figure as printed (its own statement, not narrowed)."""
        assert self.interval is not None, self.fact_id
        return self.interval.half_width

    @property
    def iv(self) -> Interval:
        """The interval of a fact known to have a unit (the index drops the others), narrowed by the
        document's more precise statements of the same figure."""
        assert self.interval is not None, self.fact_id
        return self.refined or self.interval

    @cached_property
    def comparable(self) -> Decimal:
        return self.fact.value * money_factors().get(self.fact.unit, Decimal(1))

    @property
    def shown(self) -> str:
        """The figure with its unit as printed, e.g. `118.44元`."""
        return f"{self.fact.value_text or self.fact.value}{self.fact.unit}"

    def _in_wan(self, printed: str) -> str:
        """The figure in 万元, with what was printed where the printed unit is another money unit."""
        unit = self.fact.unit
        if unit in money_factors() and unit != "万元":
            return f"{fmt(q(self.comparable))}万元{printed.format(self.shown)}"
        return self.shown

    @property
    def in_wan_zh(self) -> str:
        """`0.011844万元（印作118.44元）`, for `explanation_zh`."""
        return self._in_wan("（印作{}）")

    @property
    def in_wan(self) -> str:
        """`0.011844万元 (printed 118.44元)`, for the English detail."""
        return self._in_wan(" (printed {})")


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
    facts: list[RF] = field(default_factory=list)
    detail: str = ""
    severity: str = "error"
    unit: str = ""           # the unit both sides are in (万元, %, 人 …)
    cause: str = ""          # checks with the same cause make one finding
    values: dict[str, str] = field(default_factory=dict)   # extra placeholders for the explanation

    @property
    def check_id(self) -> str:
        return f"{self.doc_id}:{self.rule}:{self.key}"


def fmt(d: Decimal | None) -> str:
    return "" if d is None else format(d, "f")


def q(d: Decimal | None) -> Decimal | None:
    """Round a computed figure for publication (6 decimals is finer than any printed figure)."""
    return None if d is None else d.quantize(Decimal("0.000001")).normalize() + Decimal(0)


def compare(computed: Interval, stated: Interval, exact_equal: bool) -> str:
    if exact_equal:
        return "pass"
    return "pass_within_rounding" if computed.meets(stated) else "fail"


def agree(a: RF, b: RF) -> str:
    """Two statements of one quantity: equal, equal within what each printed precision allows, or not.
    Printed to the same precision in the same unit they must print the same digits."""
    if a.comparable == b.comparable:
        return "pass"
    if a.decimals == b.decimals and a.unit == b.unit:
        return "fail"
    ai, bi = a.interval, b.interval     # each as printed: the statements are what is compared, not their narrowing
    assert ai is not None and bi is not None
    return "pass_within_rounding" if ai.meets(bi) else "fail"


def rounds_to(value: Decimal, printed: Decimal, decimals: int) -> bool:
    return value.quantize(Decimal(10) ** -decimals) == printed if decimals >= 0 else False


def label(f: RF) -> str:
    """metric(code)@offset: how a check names the fact it is about."""
    return f"{f.metric}{'(' + f.function_code + ')' if f.function_code else ''}@{f.value_start}"


def unit_of(f: RF) -> str:
    return "万元" if f.unit in money_factors() else f.unit
