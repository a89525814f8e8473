"""The measure and metric vocabulary the grammar and the fact type share:
what a figure can measure, how a printed number becomes a Decimal, and the
kind and group of every metric id (data/curated/metrics.csv)."""
from __future__ import annotations

import csv
from decimal import Decimal
from enum import StrEnum

from juesuan.paths import METRICS_CSV


class Measure(StrEnum):
    """What a figure measures of its metric (FACTS.md)."""
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


MEASURES = tuple(m.value for m in Measure)


def parse_number(text: str) -> tuple[Decimal, int]:
    """The printed number as a Decimal and its stated decimals (`1 234.50` → 1234.50, 2)."""
    clean = text.replace(",", "").replace(" ", "")
    value = Decimal(clean)
    decimals = len(clean.split(".", 1)[1]) if "." in clean else 0
    return value, decimals


METRIC_KINDS: dict[str, str] = {}
METRIC_GROUPS: dict[str, str] = {}


def _load_vocabulary() -> None:


    with open(METRICS_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            METRIC_KINDS[row["metric"]] = row["kind"]
            METRIC_GROUPS[row["metric"]] = row["group"]
