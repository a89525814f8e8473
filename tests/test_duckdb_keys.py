"""The DuckDB build checks each table's primary key itself (it declares no PRIMARY KEY
constraint, whose in-memory index grew with the corpus): a duplicated row stops it."""
from __future__ import annotations

import shutil

import pytest

from juesuan.errors import JuesuanError
from juesuan.paths import DATA
from juesuan.publish.duckdb_build import build_duckdb


def test_duplicated_key_stops_the_build_naming_table_and_key(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for csv_path in DATA.glob("*.csv"):
        shutil.copy(csv_path, data / csv_path.name)
    lines = (data / "metrics.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (data / "metrics.csv").write_text("".join(lines + [lines[1]]), encoding="utf-8")
    with pytest.raises(JuesuanError) as err:
        build_duckdb(data, tmp_path / "x.duckdb", tmp_path / "parquet")
    assert "metrics.csv" in str(err.value.path)
    assert "primary key (metric)" in err.value.message and "appears 2 times" in err.value.message

