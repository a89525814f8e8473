"""What the site's derived tables give a reader (issue 12): the checks a figure
takes part in, listed on its provenance page from the check↔fact link table;
facets of unfiltered pages, read from precomputed counts, exactly as Datasette
would count them; the home page rendered without Datasette's index view.

Driven in-process with `make serve`'s own arguments (as test_server_hardening).
"""
from __future__ import annotations

import asyncio
import html
import re
import sqlite3
from collections import Counter
from urllib.parse import urlsplit

import pytest
from datasette.app import Datasette
from datasette.utils import tilde_decode, tilde_encode

from juesuan.bench.server import serve_args
from juesuan.publish.derived import declared_facets
from tests.test_server_hardening import datasette_kwargs

DB = "juesuan"


@pytest.fixture(scope="module")
def site(built):
    ds = Datasette(**datasette_kwargs(serve_args(db=built["sqlite"], metadata=built["metadata"])))
    con = sqlite3.connect(f"file:{built['sqlite']}?mode=ro", uri=True)
    yield ds, con
    con.close()


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


def test_the_link_table_holds_every_fact_of_every_check_in_order(site):
    _, con = site
    links: dict[str, list[str]] = {}
    for check_id, fact_id in con.execute("select check_id, fact_id from check_facts order by check_id, position"):
        links.setdefault(check_id, []).append(fact_id)
    expected = {c: [f for f in (facts or "").split(";") if f] for c, facts in con.execute("select check_id, facts from checks")}
    assert links == {c: f for c, f in expected.items() if f}
    assert sum(map(len, links.values())) > len(links)  # checks compare two or more figures


def test_the_provenance_page_lists_the_checks_of_its_figure(site):
    ds, con = site
    involved: dict[str, set[str]] = {}
    for check_id, facts in con.execute("select check_id, facts from checks"):
        for fact_id in filter(None, (facts or "").split(";")):
            involved.setdefault(fact_id, set()).add(check_id)
    failing = {r[0] for r in con.execute("select check_id from checks where outcome = 'fail'")}
    # one figure of a failing check, and figures with the most and with no checks
    sample = sorted(involved, key=lambda f: (not (involved[f] & failing), -len(involved[f])))[:3]
    sample += [f for (f,) in con.execute("select fact_id from facts") if f not in involved][:1]
    assert len(sample) == 4
    for fact_id in sample:
        r = get(ds, f"/-/provenance/{tilde_encode(fact_id)}")
        assert r.status_code == 200
        listed = {tilde_decode(html.unescape(h)) for h in re.findall(r'href="/-/finding/([^"]+)"', r.text)}
        assert listed == involved.get(fact_id, set()), fact_id
        if involved.get(fact_id):
            assert "涉及的核对 / Checks this figure takes part in" in r.text
    assert any(involved[f] & failing for f in sample[:1]) and "outcome-fail" in get(
        ds, f"/-/provenance/{tilde_encode(sample[0])}").text


def test_the_link_table_is_published_and_explained(site):
    ds, con = site
    r = get(ds, f"/{DB}/check_facts")
    assert r.status_code == 200
    assert "核对涉及的数字 / Which figures each check involves" in r.text
    (check_id, fact_id) = con.execute("select check_id, fact_id from check_facts order by check_id limit 1").fetchone()
    assert f'href="/-/provenance/{tilde_encode(fact_id)}"' in r.text  # each figure links to its provenance
    r = get(ds, f"/{DB}/check_facts.json?fact_id={fact_id}&_shape=array")
    assert check_id in {row["check_id"] for row in r.json()}


def _datasette_counts(con: sqlite3.Connection, table: str, column: str, size: int) -> list[tuple[object, int]]:
    """The GROUP BY Datasette 0.65 runs for a column facet."""
    return con.execute(f'select "{column}" as value, count(*) as count from "{table}" where "{column}" is not null '
                       f'group by "{column}" order by count desc, value limit {size + 1}').fetchall()


def test_unfiltered_facets_are_the_counts_datasette_would_compute(site, built):
    ds, con = site
    facets = [(t, c) for t, c in declared_facets() if con.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", (t,)).fetchone()]
    assert ("facts", "doc_id") in facets
    for table, column in facets:
        size = (ds.table_metadata(DB, table) or {}).get("facet_size") or ds.setting("default_facet_size")
        got = get(ds, f"/{DB}/{table}.json?_size=0").json()["facet_results"][column]
        expected = _datasette_counts(con, table, column, size)
        assert [(v["value"], v["count"]) for v in got["results"]] == expected[:size], (table, column)
        assert got["truncated"] == (len(expected) > size)
        assert not any(v["selected"] for v in got["results"])


def test_a_facet_link_leads_to_as_many_rows_as_it_counts(site):
    ds, con = site
    got = get(ds, f"/{DB}/facts.json?_size=0").json()["facet_results"]["metric"]
    top = got["results"][0]
    path = urlsplit(top["toggle_url"])
    filtered = get(ds, f"{path.path}?{path.query}").json()
    counted = Counter(m for (m,) in con.execute("select metric from facts"))[top["value"]]
    assert filtered["filtered_table_rows_count"] == top["count"] == counted


def test_filtered_facets_count_the_filtered_rows(site):
    ds, con = site
    (metric,) = con.execute("select metric from facts group by metric order by count(*) desc limit 1").fetchone()
    got = get(ds, f"/{DB}/facts.json?metric={metric}&_size=0").json()["facet_results"]
    expected = Counter(d for (d,) in con.execute("select doc_id from facts where metric = ?", (metric,)))
    assert {v["value"]: v["count"] for v in got["doc_id"]["results"]} == {
        d: n for d, n in expected.items() if d in {v["value"] for v in got["doc_id"]["results"]}}
    assert [v["value"] for v in got["metric"]["results"]] == [metric]
    assert got["metric"]["results"][0]["selected"]


def test_the_home_page_shows_the_corpus_and_keeps_its_json_listing(site):
    ds, con = site
    r = get(ds, "/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    (figures,) = con.execute("select count(*) from facts").fetchone()
    (documents,) = con.execute("select count(*) from documents").fetchone()
    text = re.sub(r"<[^>]+>", "", r.text)
    assert f"{figures:,} figures" in text and f"{documents} documents" in text
    assert 'href="/-/search"' in r.text or 'action="/-/search"' in r.text
    assert 'rel="alternate"' in r.headers.get("link", "")
    listing = get(ds, "/.json")
    assert listing.status_code == 200 and DB in listing.json()
    assert listing.json()[DB]["tables_count"] > 0
