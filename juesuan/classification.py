"""The national functional classification (政府收支分类科目) as curated here."""
from __future__ import annotations

from pathlib import Path

from juesuan.csvio import read_csv
from juesuan.paths import CLASSIFICATION_CSV

COLUMNS = ("code", "level", "name", "parent_code", "valid_from", "valid_to", "source", "note")


def load_classification(path: Path = CLASSIFICATION_CSV) -> list[dict[str, str]]:
    return read_csv(path, COLUMNS)
