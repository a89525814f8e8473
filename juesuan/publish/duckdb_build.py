"""DuckDB (typed DECIMAL truth) and Parquet exports, built from the package.

The CSVs are read with the column types the package declares, so money is
DECIMAL end to end; no float ever holds a figure.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from juesuan.csvio import replace_dir
from juesuan.package.build import load_resources
from juesuan.paths import BUILD, DATA
from juesuan.publish.views import VIEWS

TYPE_MAP = {"string": "VARCHAR", "integer": "BIGINT", "year": "INTEGER", "date": "DATE", "number": "DECIMAL(18,4)", "boolean": "BOOLEAN"}


def duckdb_type(field: dict) -> str:
    return field.get("sql") or TYPE_MAP[field["type"]]


def build_duckdb(data_dir: Path = DATA, out: Path = BUILD / "juesuan.duckdb", parquet_dir: Path = BUILD / "parquet") -> Path:
    spec = load_resources()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=".duckdb-", dir=out.parent))
    try:
        tmp_db = tmp_dir / out.name
        con = duckdb.connect(str(tmp_db))
        for name, res in spec["resources"].items():
            cols = ", ".join(f'"{f["name"]}" {duckdb_type(f)}' for f in res["fields"])
            pk = ", ".join(f'"{k}"' for k in res["primaryKey"])
            con.execute(f'CREATE TABLE "{name}" ({cols}, PRIMARY KEY ({pk}))')
            types = "{" + ", ".join(f"'{f['name']}': '{duckdb_type(f)}'" for f in res["fields"]) + "}"
            con.execute(
                f"INSERT INTO \"{name}\" SELECT * FROM read_csv(?, header=true, columns={types}, "
                "quote='\"', escape='\"', nullstr='', auto_detect=false, strict_mode=true)",
                [str(data_dir / f"{name}.csv")],
            )
        for view_name, sql in VIEWS.items():
            con.execute(f'CREATE VIEW "{view_name}" AS {sql}')
        pq_tmp = tmp_dir / "parquet"
        pq_tmp.mkdir()
        for name in spec["resources"]:
            con.execute(f"COPY \"{name}\" TO '{pq_tmp / (name + '.parquet')}' (FORMAT parquet)")
        con.close()
        os.replace(tmp_db, out)
        replace_dir(pq_tmp, parquet_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return out
