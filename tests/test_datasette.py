"""The real Datasette server, started on a free loopback port."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("log") / "datasette.log"
    log = open(log_path, "wb")  # a file, not a pipe: an unread pipe fills up and blocks the server
    datasette = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen(
        [str(datasette), "serve", "-i", str(built["sqlite"]), "--metadata", str(built["metadata"]),
         "--setting", "sql_time_limit_ms", "1000", "--setting", "max_returned_rows", "2000",
         "-h", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("datasette did not start: " + log_path.read_text(errors="replace"))
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def test_home_page_is_bilingual(server):
    html = get(server + "/")
    assert "县级医疗保障局" in html and "final accounts" in html


def test_facts_table_as_json_with_provenance(server):
    data = json.loads(get(server + "/juesuan/facts.json?_shape=objects&metric=reception_batches"))
    rows = data["rows"]
    assert rows and all(r["metric"] == "reception_batches" for r in rows)
    assert all(r["quote"] and "批次" in r["quote"] for r in rows)


def test_canned_query_runs(server):
    q = urllib.parse.urlencode({"doc_id": "pingchang-2019", "_shape": "objects"})
    rows = json.loads(get(server + "/juesuan/figures_of_document.json?" + q))["rows"]
    assert any(r["metric"] == "expenditure_basic" and r["value"] == 453.44 for r in rows)


def test_columns_have_descriptions(server):
    meta = json.loads(get(server + "/-/metadata.json"))
    tables = meta["databases"]["juesuan"]["tables"]
    for name in ("facts", "documents", "entities", "metrics", "source_text", "classification"):
        assert tables[name]["description"] and " / " in tables[name]["title"]
    assert "原文" in tables["facts"]["columns"]["quote"]


def test_write_is_refused(server):
    q = urllib.parse.urlencode({"sql": "insert into metrics (metric) values ('x')"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        get(server + "/juesuan.json?" + q)
    assert exc.value.code in (400, 403)
