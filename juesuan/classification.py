"""The national functional classification (政府收支分类科目) as curated here."""
from __future__ import annotations

from pathlib import Path

from juesuan.csvio import read_csv
from juesuan.paths import CLASSIFICATION_CSV

LEVELS = ("类", "款", "项")
LEVEL_DIGITS = {"类": 3, "款": 5, "项": 7}   # a code's length says its level
LEVEL_OF_DIGITS = {n: level for level, n in LEVEL_DIGITS.items()}   # … and back: 5 digits is a 款
COLUMNS = ("code", "level", "name", "parent_code", "valid_from", "valid_to", "source", "note")


def load_classification(path: Path = CLASSIFICATION_CSV) -> list[dict[str, str]]:
    return read_csv(path, COLUMNS)
