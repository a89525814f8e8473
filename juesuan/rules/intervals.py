"""Interval arithmetic on printed figures.

A figure printed with d decimals stands for every value that rounds to it:
the interval value ± 0.5·10⁻ᵈ. A sum check passes when the interval of the
parts' sum meets the interval of the total; a ratio check when the interval
of part ÷ base meets the interval of the printed percentage. Tolerance comes
from the printed precision, never from a fixed epsilon.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Interval:
    lo: Decimal
    hi: Decimal

    @classmethod
    def printed(cls, value: Decimal, decimals: int, factor: Decimal = Decimal(1)) -> Interval:
        if value == 0:
            return cls(Decimal(0), Decimal(0))  # a printed zero means nothing was spent, not 'below 0.5'
        half = Decimal(5) * Decimal(10) ** (-(decimals + 1))
        a, b = (value - half) * factor, (value + half) * factor
        return cls(min(a, b), max(a, b))

    @classmethod
    def exact(cls, value: Decimal) -> Interval:
        return cls(value, value)

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __truediv__(self, other: Interval) -> Interval | None:
        if other.lo <= 0 <= other.hi:
            return None  # division by an interval containing zero says nothing
        cands = [self.lo / other.lo, self.lo / other.hi, self.hi / other.lo, self.hi / other.hi]
        return Interval(min(cands), max(cands))

    def scale(self, k: Decimal) -> Interval:
        a, b = self.lo * k, self.hi * k
        return Interval(min(a, b), max(a, b))

    def meets(self, other: Interval) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def intersect(self, other: Interval) -> Interval | None:
        """What both statements allow; None where they contradict each other."""
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return Interval(lo, hi) if lo <= hi else None

    @property
    def half_width(self) -> Decimal:
        return (self.hi - self.lo) / 2


def zero() -> Interval:
    return Interval(Decimal(0), Decimal(0))
