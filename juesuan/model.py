"""The one fact type shared by extraction, the package build and the rules.

Extraction creates facts, the package writes them to `data/facts.csv` and the
rule engine reads them; all three use this class so that nothing is turned
into string dicts and parsed back in between. It lives in the foundation
stage so that every later stage may import it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Measure(StrEnum):
    """What a figure measures of its metric (FACTS.md): the measures of `data/facts.csv`."""
    AMOUNT = "amount"
    SHARE_PCT = "share_pct"
    CHANGE_AMOUNT = "change_amount"
    CHANGE_PCT = "change_pct"
    BUDGET = "budget"
    BUDGET_ADJUSTED = "budget_adjusted"
    COMPLETION_PCT = "completion_pct"
    COUNT = "count"
    BUDGET_DIFF_AMOUNT = "budget_diff_amount"   # actual minus budget (比预算减少A万元)
    BUDGET_DIFF_PCT = "budget_diff_pct"         # the same as a percent of the budget


#: The kinds of figure a fact can be, as the strings `data/facts.csv` holds.
MEASURES = tuple(m.value for m in Measure)
#: The measures that are percents whatever the document's money unit.
PERCENT_MEASURES = tuple(m for m in MEASURES if m.endswith("_pct"))


@dataclass
class Fact:
    """One figure a document states, with where it stands in the original text.

    `value` is the figure as printed (in `unit`); `value_wan` is the same money in
    万元 when the unit is a money unit, so that rules compare like with like.
    `value_start`/`value_end` locate the printed number, `char_start`/`char_end`
    the quoted clause; `quote` equals the original text at that span.
    """

    doc_id: str
    metric: str
    measure: str
    value: Decimal
    value_text: str
    unit: str
    value_wan: Decimal | None
    decimals: int
    function_code: str = ""
    function_name: str = ""
    function_level: str = ""
    function_path: str = ""
    base_metric: str = ""
    compared_year: int | None = None
    char_start: int = 0
    char_end: int = 0
    value_start: int = 0
    value_end: int = 0
    quote: str = ""
    section: str = ""
    flags: list[str] = field(default_factory=list)
    origin: str = "extracted"
    note: str = ""

    @property
    def fact_id(self) -> str:
        return f"{self.doc_id}:{self.value_start:06d}:{self.metric}:{self.measure}"
