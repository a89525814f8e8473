"""DuckDB (typed DECIMAL truth) and Parquet exports, built from the package.

The CSVs are read with the column types the package declares, so money is
DECIMAL end to end; no float ever holds a figure. DuckDB reads each CSV itself
(read_csv, streamed in C++), never through Python rows or data frames, within a
fixed memory budget.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from juesuan.csvio import DIR_MODE, FILE_MODE
from juesuan.errors import JuesuanError
from juesuan.paths import BUILD, DATA
from juesuan.publish.views import VIEWS
from juesuan.schema import load_resources

#: DuckDB's buffer pool for the build. Left alone it may take 80 % of the machine and grows
#: with the corpus (~0.2 MB per document); capped, it spills to a temp directory beside the
#: file (measured for DuckDB alone: 256 → ~175 MB at 1,000 documents, 223 MB at 10,000, same tables).
MEMORY_LIMIT = "128MB"

TYPE_MAP = {"string": "VARCHAR", "integer": "BIGINT", "year": "INTEGER", "date": "DATE", "number": "DECIMAL(18,4)", "boolean": "BOOLEAN"}


def duckdb_type(field: dict[str, Any]) -> str:
    return field.get("sql") or TYPE_MAP[field["type"]]


def _check_key(con: duckdb.DuckDBPyConnection, table: str, key: list[str], source: Path) -> None:
    """The primary key holds, checked by one aggregate after the load. Why not a PRIMARY KEY
    constraint: DuckDB keeps its index (ART) in memory, so the build's memory grew with the
    corpus and failed at 10,000 documents within the buffer budget; an aggregate spills."""
    cols = ", ".join(f'"{k}"' for k in key)
    dup = con.execute(f'SELECT {cols}, count(*) FROM "{table}" GROUP BY {cols} HAVING count(*) > 1 LIMIT 1').fetchone()
    if dup:
        raise JuesuanError(f"primary key ({', '.join(key)}) = ({', '.join(map(str, dup[:-1]))}) appears {dup[-1]} times", source)


def build_duckdb(data_dir: Path = DATA, out: Path = BUILD / "juesuan.duckdb", parquet_dir: Path = BUILD / "parquet") -> Path:
    """Write the DuckDB file and the Parquet exports at the given paths. Callers that
    replace a served build pass paths inside a staging directory (databases.py):
    atomicity is the output set's, not this function's."""
    spec = load_resources()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, out.with_name(out.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    con.execute("SET enable_progress_bar = false")   # a build prints results, not terminal animations
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    # one thread: the ordered Parquet export buffers per thread and ran out of the budget at
    # 10,000 documents with two (even with 256 MB); the load is I/O-bound anyway
    con.execute("SET threads = 1")
    try:
        for name, res in spec["resources"].items():
            cols = ", ".join(f'"{f["name"]}" {duckdb_type(f)}' for f in res["fields"])
            con.execute(f'CREATE TABLE "{name}" ({cols})')
            types = "{" + ", ".join(f"'{f['name']}': '{duckdb_type(f)}'" for f in res["fields"]) + "}"
            con.execute(
                f"INSERT INTO \"{name}\" SELECT * FROM read_csv(?, header=true, columns={types}, "
                "quote='\"', escape='\"', nullstr='', auto_detect=false, strict_mode=true)",
                [str(data_dir / f"{name}.csv")],
            )
            _check_key(con, name, res["primaryKey"], data_dir / f"{name}.csv")
        for view_name, sql in VIEWS.items():
            con.execute(f'CREATE VIEW "{view_name}" AS {sql}')
        if parquet_dir.exists():
            shutil.rmtree(parquet_dir)
        parquet_dir.mkdir(parents=True)
        os.chmod(parquet_dir, DIR_MODE)
        for name in spec["resources"]:
            target = parquet_dir / f"{name}.parquet"
            con.execute(f"COPY \"{name}\" TO '{target}' (FORMAT parquet)")
            os.chmod(target, FILE_MODE)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.chmod(out, FILE_MODE)
    return out
