"""The metric vocabulary the grammar and the fact type share (the measures
are juesuan.model.Measure): how a printed number becomes a Decimal, and the
kind and group of every metric id (data/curated/metrics.csv)."""
from __future__ import annotations

import csv
from decimal import Decimal

from juesuan.paths import METRICS_CSV


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
