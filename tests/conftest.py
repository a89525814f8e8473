from __future__ import annotations

from pathlib import Path

import pytest

from juesuan.extract.lexicon import default_lexicon


@pytest.fixture(scope="session")
def lex():
    return default_lexicon()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """DuckDB, Parquet, SQLite and metadata built from the committed package into a temp dir."""
    from juesuan.publish.duckdb_build import build_duckdb
    from juesuan.publish.metadata import write_metadata
    from juesuan.publish.sqlite_build import build_sqlite

    out = tmp_path_factory.mktemp("build")
    return {
        "duckdb": build_duckdb(out=out / "juesuan.duckdb", parquet_dir=out / "parquet"),
        "parquet": out / "parquet",
        "sqlite": build_sqlite(out=out / "juesuan.db"),
        "metadata": write_metadata(out / "metadata.json"),
    }
