"""Every page of the site answers 200, as HTML a person would get.

Generated from the database's own table and view list and from metadata's
canned queries, so a new table, view or query is covered without editing
this file: each table/view by default, with `_search` where it has a search
box, with a facet, sorted by each column, one row page per table; each canned
query with parameters taken from the data; and the plugin's own pages
(provenance of every fact, every check, every source, search, dashboard,
about/licence, every download). Requests go through Datasette's in-process
client (fast, no port), with the plugin and templates the server uses.
"""
from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from urllib.parse import quote, urlencode

import pytest
from datasette.app import Datasette
from datasette.utils import path_from_row_pks, tilde_encode

from juesuan.paths import ROOT, SOURCES
from juesuan.publish.dist import build_dist

DB = "juesuan"


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    """(datasette, sqlite connection) configured as `make serve` configures the server."""
    dist = build_dist(tmp_path_factory.mktemp("dist") / "dist", built["duckdb"].parent)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUESUAN_DIST", str(dist))
    ds = Datasette(immutables=[str(built["sqlite"])], metadata=json.loads(built["metadata"].read_text(encoding="utf-8")),
                   plugins_dir=str(ROOT / "plugins"), template_dir=str(ROOT / "templates"),
                   settings={"allow_download": False, "default_page_size": 100, "max_returned_rows": 2000,
                             "sql_time_limit_ms": 3000, "suggest_facets": False})
    yield ds, sqlite3.connect(built["sqlite"]), dist
    mp.undo()


def fetch_all(ds: Datasette, paths: list[str]) -> dict[str, tuple[int, str]]:
    async def go() -> dict[str, tuple[int, str]]:
        out = {}
        for p in paths:
            r = await ds.client.get(p)
            out[p] = (r.status_code, r.text if "text/html" in r.headers.get("content-type", "") else "")
        return out
    return asyncio.run(go())


def assert_all_ok(ds: Datasette, paths: list[str]) -> dict[str, tuple[int, str]]:
    assert paths
    got = fetch_all(ds, paths)
    bad = {p: s for p, (s, _) in got.items() if s != 200}
    assert not bad, f"{len(bad)} of {len(paths)} pages not 200: {dict(list(bad.items())[:20])}"
    return got


def relations(ds: Datasette) -> tuple[list[str], list[str], set[str]]:
    async def go():
        db = ds.get_database(DB)
        return await db.table_names(), await db.view_names(), set(await db.hidden_table_names())
    return asyncio.run(go())


def columns(con: sqlite3.Connection, name: str) -> list[str]:
    return [r[1] for r in con.execute(f"pragma table_info([{name}])")]


def searchable(ds: Datasette, table: str) -> bool:
    html = fetch_all(ds, [f"/{DB}/{table}"])[f"/{DB}/{table}"][1]
    return 'name="_search"' in html


def test_every_table_and_view_in_every_view(site):
    ds, con, _ = site
    tables, views, hidden = relations(ds)
    paths = []
    for name in tables + views:
        base = f"/{DB}/{tilde_encode(name)}"
        paths.append(base)
        if name in hidden:
            continue
        cols = columns(con, name)
        paths.append(f"{base}?_facet={quote(cols[0])}")
        # sorted by each column (a page of 20 rows is enough to render every cell type)
        paths += [f"{base}?_sort={quote(c)}&_size=20" for c in cols] + [f"{base}?_sort_desc={quote(cols[-1])}&_size=20"]
        if searchable(ds, name):
            paths += [f"{base}?_search={quote(t)}" for t in ("医保", "三公", "公务用车", "局", "2022", "。", "\" OR *(NEAR")]
    got = assert_all_ok(ds, paths)
    assert all('class="rows-and-columns"' in got[f"/{DB}/{t}"][1] for t in ("facts", "findings", "source_text"))


def test_a_row_page_per_table(site):
    ds, con, _ = site
    tables, _, hidden = relations(ds)
    paths = []
    for name in tables:
        if name in hidden:
            continue
        pks = [r[1] for r in sorted(con.execute(f"pragma table_info([{name}])"), key=lambda r: r[5]) if r[5]]
        con.row_factory = sqlite3.Row
        row = con.execute(f"select rowid, * from [{name}] limit 1").fetchone()
        con.row_factory = None
        if row is None:
            continue
        paths.append(f"/{DB}/{tilde_encode(name)}/{path_from_row_pks(row, pks, not pks)}")
    assert len(paths) >= 10
    assert_all_ok(ds, paths)


def canned_params(con: sqlite3.Connection) -> dict[str, str]:
    """A value from the data for each parameter a canned query may take."""
    doc_id, body = con.execute("select d.doc_id, e.name from documents d join entities e using (entity_id) limit 1").fetchone()
    metric, measure = con.execute("select metric, measure from facts group by 1, 2 order by count(*) desc limit 1").fetchone()
    return {"doc_id": doc_id, "body": body[:2], "metric": metric, "measure": measure, "name": "", "q": "医保"}


def test_every_canned_query(site):
    ds, con, _ = site
    queries = ds.metadata("queries", database=DB) or {}
    assert queries
    values = canned_params(con)
    paths = []
    for name, spec in queries.items():
        params = sorted(set(re.findall(r"(?<!:):(\w+)", spec["sql"])))
        missing = [p for p in params if p not in values]
        assert not missing, f"canned query {name}: no sample value for {missing}"
        paths.append(f"/{DB}/{name}")
        paths.append(f"/{DB}/{name}?" + urlencode({p: values[p] for p in params}))
    got = assert_all_ok(ds, paths)
    for name, spec in queries.items():
        title = re.search(r"<title>(.*?)</title>", got[f"/{DB}/{name}"][1], re.DOTALL).group(1)
        assert spec["title"].split(" / ")[0] in title and "select" not in title.lower(), title


def test_plugin_pages(site):
    ds, con, dist = site
    facts = [r[0] for r in con.execute("select fact_id from facts")]
    checks = [r[0] for r in con.execute("select check_id from checks")]
    docs = [r[0] for r in con.execute("select doc_id from documents")]
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["files"]
    paths = ([f"/-/provenance/{tilde_encode(f)}" for f in facts] + [f"/-/finding/{tilde_encode(c)}" for c in checks]
             + [f"/-/source/{d}" for d in docs] + [f"/-/download/{f['path']}" for f in manifest]
             + ["/", f"/{DB}", "/-/dashboards", "/-/dashboards/overview", "/-/about", "/-/licence", "/-/search",
                "/-/search?q=" + quote("医保"), "/-/search?q=" + quote("三公经费"), "/-/search?q=" + quote("!!")])
    dashboards = ds.plugin_config("datasette-dashboards") or {}
    paths += [f"/-/dashboards/{b}/{c}" for b, d in dashboards.items() for c in d.get("charts", {})]
    assert_all_ok(ds, paths)


def test_missing_things_are_404_not_500(site):
    ds, _, _ = site
    got = fetch_all(ds, ["/-/provenance/nope:1:x:y", "/-/finding/nope", "/-/source/nope", "/-/download/csv/nope.csv",
                         "/-/download/manifest.json"])
    assert {p: s for p, (s, _) in got.items() if s != 404} == {}


def grep_lines(con: sqlite3.Connection, term: str) -> int:
    """How many lines of the source files contain `term` (what grep -c would add up to)."""
    return sum(sum(1 for line in (SOURCES / file).read_text(encoding="utf-8").splitlines() if term in line)
               for (file,) in con.execute("select file from documents"))


@pytest.mark.parametrize("term", ["医保", "三公", "公务用车", "医疗保障局", "局"])
def test_table_search_box_finds_what_grep_finds(site, term):
    ds, con, _ = site
    expected = grep_lines(con, term)
    assert expected
    path = f"/{DB}/source_text?_search={quote(term)}&_size=max"
    status, html = fetch_all(ds, [path])[path]
    assert status == 200
    shown = int(re.search(r"<h3>\s*([\d,]+) rows?", html).group(1).replace(",", ""))
    assert shown == expected
    cells = re.findall(r'<td class="col-text[^"]*">(.*?)</td>', html, re.DOTALL)
    assert len(cells) == min(expected, 2000)
    assert all(f'<mark class="hit">{term}</mark>' in c for c in cells)
    assert f'value="{term}"' in html  # the box shows what the reader typed, not the rewritten query


@pytest.mark.parametrize("term", ["医保", "三公"])
def test_facts_search_box_and_home_search(site, term):
    ds, con, _ = site
    in_quotes = con.execute("select count(*) from facts where instr(quote, ?) or instr(function_name, ?)",
                            (term, term)).fetchone()[0]
    paths = [f"/{DB}/facts?_search={quote(term)}&_size=max", "/-/search?q=" + quote(term)]
    got = fetch_all(ds, paths)
    shown = int(re.search(r"<h3>\s*([\d,]+) rows?", got[paths[0]][1]).group(1).replace(",", ""))
    assert shown == in_quotes
    home = got[paths[1]][1]
    sources = int(re.search(r'原文 / Sources <span class="en">\((\d+)\)', home).group(1))
    figures = int(re.search(r'数字 / Figures <span class="en">\((\d+)\)', home).group(1))
    assert (sources, figures) == (grep_lines(con, term), in_quotes)
    assert home.count(f'<mark class="hit">{term}</mark>') >= min(sources, 200)


def test_downloads_have_their_content_types_and_the_excel_csv_a_bom(site):
    ds, _, dist = site
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["files"]

    async def go():
        return {f["path"]: await ds.client.get(f"/-/download/{f['path']}") for f in manifest}
    got = asyncio.run(go())
    kinds = {"csv": "text/csv; charset=utf-8", "zip": "application/zip", "parquet": "application/vnd.apache.parquet",
             "duckdb": "application/octet-stream"}
    for path, r in got.items():
        assert r.headers["content-type"] == kinds[path.rsplit(".", 1)[1]], path
        assert r.content == (dist / path).read_bytes()
        assert "attachment" in r.headers["content-disposition"]
    excel = [p for p in got if p.startswith("csv-excel/")]
    assert excel and len(excel) == len([p for p in got if p.startswith("csv/")])
    for p in excel:
        standard = got["csv/" + p.split("/", 1)[1]].content
        assert got[p].content == b"\xef\xbb\xbf" + standard and not standard.startswith(b"\xef\xbb\xbf")
        assert got[p].content.decode("utf-8-sig") == standard.decode("utf-8")


def test_search_words_do_not_leak_into_the_next_page(site):
    """Highlighting is per request: a searched page, then unsearched ones in the same client."""
    ds, _, _ = site
    got = fetch_all(ds, [f"/{DB}/source_text?_search=" + quote("医保"), f"/{DB}/checks", f"/{DB}/where_numbers_dont_add_up",
                         f"/{DB}/source_text"])
    pages = list(got.values())
    assert '<mark class="hit">' in pages[0][1]
    assert all('<mark class="hit">' not in html for _, html in pages[1:])


def test_reading_conventions_as_rendered(site):
    """Counts read as integers, a decrease says 减少 on its provenance page, a finding shows units,
    column descriptions sit behind a toggle, and the reader's columns come first."""
    ds, con, _ = site
    decrease = con.execute("select fact_id, value_text from facts where measure = 'change_amount' and value < 0 limit 1").fetchone()
    increase = con.execute("select fact_id from facts where measure like 'change%' and value > 0 limit 1").fetchone()
    check = con.execute("""select c.check_id, c.lhs_text, min(f.unit) from checks c join facts f
                           on instr(';' || c.facts || ';', ';' || f.fact_id || ';')
                           where c.lhs_text is not null group by c.check_id
                           having count(distinct f.unit) = 1 and min(f.unit) = '万元' limit 1""").fetchone()
    paths = [f"/{DB}/facts?measure=count&_size=max", f"/-/provenance/{tilde_encode(decrease[0])}",
             f"/-/provenance/{tilde_encode(increase[0])}", f"/-/finding/{tilde_encode(check[0])}", f"/{DB}/facts"]
    got = fetch_all(ds, paths)
    counts = re.findall(r'<td class="col-value[^"]*">(.*?)</td>', got[paths[0]][1], re.DOTALL)
    assert counts and not [c for c in counts if re.match(r"\s*-?\d+\.0\b", c)]
    assert "减少" in got[paths[1]][1] and f"−{decrease[1]}" in got[paths[1]][1]
    assert "增加" in got[paths[2]][1]
    assert f"{check[1]} 万元" in got[paths[3]][1]
    facts = got[paths[4]][1]
    assert re.search(r"<details class=\"column-descriptions-toggle\">\s*<summary>", facts)
    headers = re.findall(r'<th [^>]*data-column="([^"]+)"', facts)
    assert headers[:5] == ["doc_id", "metric", "measure", "value", "quote"], headers[:6]


def test_about_and_licence_link_only_to_pages_that_exist(site):
    ds, _, _ = site
    pages = fetch_all(ds, ["/-/about", "/-/licence", "/"])
    assert "juesuan" in pages["/-/about"][1] and "CC BY 4.0" in pages["/-/licence"][1]
    internal = set()
    for _, html in pages.values():
        for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
            assert href.startswith(("/", "#", "https://creativecommons.org/", "https://datasette.io")), href
            if href.startswith("/") and not href.startswith("/-/static"):
                internal.add(href.split("#")[0].replace("&amp;", "&"))
    assert_all_ok(ds, sorted(internal))


def test_every_link_in_the_findings_answers(site):
    """The links a reader follows from the findings (explanations, quotes, facts) and from the documents
    all answer 200: a finding may cite a sentence that is no figure, which must not link to a missing page."""
    ds, _, _ = site
    pages = [f"/{DB}/findings?_size=max", f"/{DB}/where_numbers_dont_add_up", f"/{DB}/documents",
             f"/{DB}/three_public_ranking"]
    links = set()
    for path, (status, html) in fetch_all(ds, pages).items():
        assert status == 200, path
        for href in re.findall(r'<a [^>]*href="(/[^"#]*)', html):
            if href.startswith(("/-/provenance/", "/-/finding/", "/-/source/", f"/{DB}/figures_of_document")):
                links.add(href.replace("&amp;", "&"))
    assert len(links) > 20
    assert_all_ok(ds, sorted(links))


def test_a_finding_citing_a_sentence_that_is_no_figure(built, tmp_path):
    """A finding may cite a heading or text span that is not a row of facts: its page shows that
    sentence marked in context, and the findings table links it to its source line."""
    db_path = tmp_path / "juesuan.db"
    db_path.write_bytes(built["sqlite"].read_bytes())
    con = sqlite3.connect(db_path)
    fid, doc, fact_a, line_a, start, _end, quote_a = con.execute(
        "select finding_id, doc_id, fact_a, line_a, char_start_a, char_end_a, quote_a from findings "
        "where fact_a is not null and char_start_a is not null limit 1").fetchone()
    pseudo = f"{doc}:{start:06d}:text:text"
    con.execute("update findings set fact_a = ? where finding_id = ?", (pseudo, fid))
    con.execute("update checks set facts = replace(facts, ?, ?) where check_id = ?", (fact_a, pseudo, fid))
    con.commit()
    con.close()
    ds = Datasette(immutables=[str(db_path)], metadata=json.loads(built["metadata"].read_text(encoding="utf-8")),
                   plugins_dir=str(ROOT / "plugins"), template_dir=str(ROOT / "templates"))
    page, table = f"/-/finding/{tilde_encode(fid)}", f"/{DB}/findings?finding_id={quote(fid)}"
    got = fetch_all(ds, [page, table])
    assert got[page][0] == 200
    marked = "".join(re.findall(r'<mark class="quote">(.*?)</mark>', got[page][1], re.DOTALL))
    assert quote_a.replace("\n", "") in marked.replace("\n", "").replace("&#34;", '"')
    assert f'class="source-line" href="/-/source/{doc}#L{line_a}"' in got[table][1]
    assert f"/-/provenance/{tilde_encode(pseudo)}" not in got[table][1]
