"""The real Datasette server, started with `make serve`'s arguments on a free loopback port."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from juesuan.bench.server import running_server


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "datasette.log"
    with running_server(log, db=built["sqlite"], metadata=built["metadata"]) as server:  # `make serve`'s arguments
        yield server.base


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


def test_tables_with_foreign_keys_render_as_html(server):
    """The plugin runs inside the real server (it imports the package from the repository) and
    renders foreign-key cells: these pages answered 500 when a cell arrived as a dict."""
    findings = get(server + "/juesuan/findings")
    assert 'class="rows-and-columns"' in findings and 'href="/-/finding/' in findings
    lines = get(server + "/juesuan/source_text?doc_id=kaijiang-2022")
    assert 'class="source-line" href="/-/source/kaijiang-2022#L' in lines


def test_two_character_search_in_a_table_box(server):
    html = get(server + "/juesuan/source_text?" + urllib.parse.urlencode({"_search": "三公", "_size": "max"}))
    rows = html.count('<td class="col-text')
    assert rows > 5 and html.count('<mark class="hit">三公</mark>') >= rows
