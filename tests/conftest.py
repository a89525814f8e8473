from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def datasette_server(db: Path, metadata: Path, log_path: Path, extra: list[str] = (), env: dict | None = None):
    """The real `datasette serve` on a free loopback port; yields its base URL."""
    port = free_port()
    with open(log_path, "wb") as log:  # a file, not a pipe: an unread pipe fills up and blocks the server
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("datasette")), "serve", "-i", str(db), "--metadata", str(metadata),
             "--setting", "sql_time_limit_ms", "1000", "--setting", "max_returned_rows", "2000",
             *extra, "-h", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail("datasette did not start: " + log_path.read_text(errors="replace"))
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)
