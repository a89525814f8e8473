"""Datasette plugin for juesuan: the pages a reader uses.

Provenance pages, links from every figure to its sentence, the source
reader, the finding pages, the home page's data, the README/licence pages
and the reading conventions of table cells (juesuan.publish.cells).
Search lives in juesuan_search.py, downloads in juesuan_downloads.py.

Read-only by construction: every query is a SELECT on the immutable database.
"""
from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils import tilde_decode, to_css_class
from datasette.utils.asgi import NotFound, Response
from datasette.version import __version__
from markupsafe import Markup, escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the plugin ships inside the repository and uses its package
    sys.path.insert(0, str(ROOT))

from juesuan.publish import cells  # noqa: E402
from juesuan.publish.links import DB, fact_url, figures_url, finding_url, source_url  # noqa: E402
from juesuan.publish.search import SEARCH_WORDS  # noqa: E402

CONTEXT_LINES = 3
HOME_DOCUMENTS = 30  # rows of the home page's findings-per-document table


def _link(href: str, cls: str, content: Markup | str) -> Markup:
    return Markup(f'<a class="{cls}" href="{escape(href)}">') + escape(content) + Markup("</a>")


def _is_fact_id(value: Any) -> bool:
    return isinstance(value, str) and value.count(":") >= 3


# a cell -> the column holding the fact it links to
FACT_LINKS = {"fact_id": "fact_id", "fact_a": "fact_a", "fact_b": "fact_b",
              "quote": "fact_id", "quote_a": "fact_a", "quote_b": "fact_b"}


def _fact_or_line_link(datasette, fact_id: str, doc_id: Any, line: Any, cls: str, shown: Markup | str):
    """A link to the figure's provenance page; a finding may cite a sentence that is not a
    figure (a heading, a text span), which links to its line in the source instead."""
    async def link() -> Markup:
        if fact_id in await _fact_ids(datasette):
            return _link(fact_url(datasette, fact_id), cls, shown)
        if doc_id and line:
            return _link(source_url(datasette, doc_id, line), "source-line", shown)
        return escape(shown)
    return link


async def _fact_ids(datasette) -> frozenset[str]:
    """Every fact id, read once per server (the database is immutable), so a page of
    findings costs no query per cell."""
    ids = getattr(datasette, "_juesuan_fact_ids", None)
    if ids is None:
        rows = await datasette.get_database(DB).execute("select fact_id from facts", custom_time_limit=30_000)
        ids = frozenset(r[0] for r in rows)
        datasette._juesuan_fact_ids = ids
    return ids


#: Columns render_cell may change whatever the search (links, the reading conventions).
_SPECIAL_COLUMNS = frozenset(FACT_LINKS) | {"finding_id", "explanation_zh", "explanation_en", "text", "label"}


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links to provenance/finding/source pages, numbers as printed, search hits marked.

    Called for every cell of a page (2,500 on a 100-row facts page): a cell that
    is neither a special column, a number nor a search hit returns at once."""
    value = cells.raw(value)
    if value is None or value == "":
        return None
    words = SEARCH_WORDS.get()
    is_float = isinstance(value, float)
    if column not in _SPECIAL_COLUMNS and not is_float and not (words and isinstance(value, str)):
        return None
    keys = set(row.keys()) if hasattr(row, "keys") else set()

    def cell(name: str) -> Any:
        return cells.raw(row[name]) if name in keys else None

    text = cells.highlight(str(value), words) if isinstance(value, str) else escape(str(value))
    if column in FACT_LINKS and _is_fact_id(cell(FACT_LINKS[column])):
        ref = cell(FACT_LINKS[column])
        shown = value if column in ("fact_id", "fact_a", "fact_b") else text
        cls = "provenance" if column in ("fact_id", "fact_a", "fact_b") else "quote"
        if table in ("facts", "facts_labelled"):  # the row is the fact itself
            return _link(fact_url(datasette, ref), cls, shown)
        line = cell({"a": "line_a", "b": "line_b"}.get(column[-1], "line"))
        return _fact_or_line_link(datasette, ref, cell("doc_id"), line, cls, shown)
    if column == "finding_id" and isinstance(value, str):
        return _link(finding_url(datasette, value), "provenance", value)
    if column in ("explanation_zh", "explanation_en") and cell("finding_id"):
        return _link(finding_url(datasette, cell("finding_id")), "finding", text)
    if column == "text" and cell("doc_id") and cell("line"):
        return _link(source_url(datasette, cell("doc_id"), cell("line")), "source-line", text)
    if table == "documents" and column == "label" and cell("doc_id"):
        doc = cell("doc_id")
        figures = figures_url(datasette, doc)
        return (text + Markup("<br>") + _link(source_url(datasette, doc), "source-doc", "原文 source")
                + Markup(" · ") + _link(figures, "figures", "数字 figures"))
    if is_float:
        printed = cell(f"{column}_text")
        if column == "value":
            return cells.number(value, printed, cell("unit"), cell("measure"))
        if printed is not None or value.is_integer():
            return cells.number(value, printed)
    if words and isinstance(value, str) and text != escape(value):
        return text
    return None


async def _one(db, sql: str, params: dict) -> dict | None:
    rows = (await db.execute(sql, params)).rows
    return dict(rows[0]) if rows else None


async def _context(db, doc_id: str, start: int, end: int, spans: list[tuple[int, int, str]]) -> Markup:
    """The lines around [start, end) with each span marked (offsets into the source text)."""
    first = await _one(db, "select line from source_text where doc_id = :d and char_start <= :s order by line desc limit 1",
                       {"d": doc_id, "s": start})
    last = await _one(db, "select line from source_text where doc_id = :d and char_start <= :e order by line desc limit 1",
                      {"d": doc_id, "e": max(start, end - 1)})
    lo = max(1, (first or {"line": 1})["line"] - CONTEXT_LINES)
    hi = (last or {"line": lo})["line"] + CONTEXT_LINES
    lines = (await db.execute("select line, char_start, text from source_text where doc_id = :d and line between :lo and :hi "
                              "order by line", {"d": doc_id, "lo": lo, "hi": hi})).rows
    out = []
    for ln in lines:
        text, base = ln["text"] or "", ln["char_start"]
        cuts = sorted({0, len(text)} | {max(0, min(len(text), p - base)) for s, e, _ in spans for p in (s, e)})
        pieces = []
        for a, b in itertools.pairwise(cuts):
            piece = escape(text[a:b])
            classes = [cls for s, e, cls in spans if s - base <= a and b <= e - base and a < b]
            for cls in reversed(classes):  # the number innermost, so its colour shows
                piece = Markup(f'<mark class="{cls}">') + piece + Markup("</mark>")
            pieces.append(piece)
        out.append(Markup(f'<div class="src-line" id="L{ln["line"]}"><span class="ln">{ln["line"]}</span>')
                   + Markup("").join(pieces) + Markup("</div>"))
    return Markup("").join(out)


#: The checks a figure takes part in, through the build's link table (an index
#: lookup; a LIKE over checks.facts read every check: 71 ms at 1,000 documents).
CHECKS_OF_FACT = """select c.check_id, c.rule, c.outcome, c.detail from check_facts l
                    join checks c on c.check_id = l.check_id where l.fact_id = :id order by c.check_id"""


async def provenance(request, datasette):
    db = datasette.get_database(DB)
    fact_id = tilde_decode(request.url_vars["fact_id"])
    f = await _one(db, """select f.*, d.fiscal_year, d.file, e.name as entity_name, e.county, m.label_zh, m.label_en
                          from facts f join documents d on d.doc_id = f.doc_id join entities e on e.entity_id = d.entity_id
                          join metrics m on m.metric = f.metric where f.fact_id = :id""", {"id": fact_id})
    if f is None:
        raise NotFound(f"No fact {fact_id}")
    f["shown"] = cells.number(f["value"], f["value_text"], f["unit"] or "（无单位 / no unit）", f["measure"])
    context = await _context(db, f["doc_id"], f["char_start"], f["char_end"],
                             [(f["char_start"], f["char_end"], "quote"), (f["value_start"], f["value_end"], "number")])
    siblings = (await db.execute(
        """select f.fact_id, f.metric, m.label_zh, f.measure, f.value_text, f.unit, f.function_name from facts f
           join metrics m on m.metric = f.metric
           where f.doc_id = :d and f.fact_id != :id and f.char_start < :e and f.char_end > :s order by f.value_start""",
        {"d": f["doc_id"], "id": fact_id, "s": f["char_start"], "e": f["char_end"]})).rows
    checks = (await db.execute(CHECKS_OF_FACT, {"id": fact_id})).rows
    return Response.html(await datasette.render_template("provenance.html", {
        "f": f, "context": context, "siblings": [dict(r) | {"url": fact_url(datasette, r["fact_id"])} for r in siblings],
        "checks": [dict(r) | {"url": finding_url(datasette, r["check_id"])} for r in checks],
        "source_url": source_url(datasette, f["doc_id"], f["line"]),
        "signed": f["measure"] in cells.SIGNED_MEASURES,
    }, request=request))


async def finding(request, datasette):
    db = datasette.get_database(DB)
    fid = tilde_decode(request.url_vars["finding_id"])
    c = await _one(db, """select c.*, d.fiscal_year, e.name as entity_name, fi.explanation_zh, fi.explanation_en,
                          fi.reason, fi.acknowledged,
                          fi.fact_a as cited_fact_a, fi.line_a as cited_line_a, fi.char_start_a as cited_start_a,
                          fi.char_end_a as cited_end_a, fi.fact_b as cited_fact_b, fi.line_b as cited_line_b,
                          fi.char_start_b as cited_start_b, fi.char_end_b as cited_end_b
                          from checks c join documents d on d.doc_id = c.doc_id join entities e on e.entity_id = d.entity_id
                          left join findings fi on fi.finding_id = c.check_id where c.check_id = :id""", {"id": fid})
    if c is None:
        raise NotFound(f"No check {fid}")
    facts = []
    for fact_id in filter(None, (c["facts"] or "").split(";")):
        f = await _one(db, "select f.*, m.label_zh, m.label_en from facts f join metrics m on m.metric = f.metric "
                           "where f.fact_id = :id", {"id": fact_id})
        if f:
            f["context"] = await _context(db, f["doc_id"], f["char_start"], f["char_end"],
                                          [(f["char_start"], f["char_end"], "quote"), (f["value_start"], f["value_end"], "number")])
            f["url"] = fact_url(datasette, fact_id)
            f["shown"] = cells.number(f["value"], f["value_text"], f["unit"], f["measure"])
            facts.append(f)
    # a sentence the finding cites that is no figure (a heading, a text span): shown from its own span
    for side in ("a", "b"):
        start, end = c[f"cited_start_{side}"], c[f"cited_end_{side}"]
        if start is None or end is None or c[f"cited_fact_{side}"] in {f.get("fact_id") for f in facts}:
            continue
        facts.append({"fact_id": c[f"cited_fact_{side}"], "label_zh": "原文", "label_en": "the sentence",
                      "measure": "text", "shown": "", "line": c[f"cited_line_{side}"],
                      "unit": None, "url": source_url(datasette, c["doc_id"], c[f"cited_line_{side}"]),
                      "context": await _context(db, c["doc_id"], start, end, [(start, end, "quote")])})
    # the check's own unit where the rules state it, else the one unit all its figures share
    units = sorted({f["unit"] for f in facts if f["unit"]})
    unit = c.get("unit") or (units[0] if len(units) == 1 else "")
    return Response.html(await datasette.render_template("finding.html", {
        "c": c, "facts": facts, "unit": unit, "source_url": source_url(datasette, c["doc_id"])}, request=request))


async def source(request, datasette):
    db = datasette.get_database(DB)
    doc_id = request.url_vars["doc_id"]
    d = await _one(db, """select d.*, e.name as entity_name from documents d join entities e on e.entity_id = d.entity_id
                          where d.doc_id = :d""", {"d": doc_id})
    if d is None:
        raise NotFound(f"No document {doc_id}")
    lines = (await db.execute("select line, text from source_text where doc_id = :d order by line", {"d": doc_id})).rows
    figures = figures_url(datasette, doc_id)
    return Response.html(await datasette.render_template(
        "source.html", {"d": d, "lines": lines, "figures_url": figures}, request=request))


_REPO_LINK = re.compile(r'<a href="(?![a-z]+:|/|#)[^"]*">(.*?)</a>', re.DOTALL)


def _markdown_page(path: Path, title: str):
    async def page(request, datasette):
        import markdown  # pinned in requirements.txt (Markdown)

        html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=["tables", "fenced_code"])
        # links to files of the repository have no page on the site: keep their text, drop the link
        html = _REPO_LINK.sub(lambda m: m.group(1), html)
        html = Markup(html)  # the project's own README
        return Response.html(await datasette.render_template(
            "page.html", {"page_title": title, "body": html}, request=request))
    return page


async def home(request, datasette):
    """The home page (index.html), without Datasette's index view.

    That view lists every table of every database for a template this site
    replaces: ~220 queries and a permission check per table on each request,
    60 ms of CPU at 1,000 documents. What the page shows comes from
    extra_template_vars (computed once: the database is immutable); the JSON
    listing at /.json is still Datasette's."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    json_url = datasette.absolute_url(request, datasette.urls.path("/.json"))
    context = {"metadata": datasette.metadata(), "databases": [], "datasette_version": __version__,
               "private": False, "alternate_url_json": json_url, "select_templates": ["*index.html"]}
    html = await datasette.render_template("index.html", context, request=request, view_name="index")
    return Response.html(html, headers={"Link": f'{json_url}; rel="alternate"; type="application/json+datasette"'})


async def licence(request, datasette):
    return Response.html(await datasette.render_template("licence.html", {}, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/-/provenance/(?P<fact_id>[^/]+)$", provenance),
        (r"^/-/finding/(?P<finding_id>[^/]+)$", finding),
        (r"^/-/source/(?P<doc_id>[a-z0-9-]+)$", source),
        (r"^/-/about$", _markdown_page(ROOT / "README.md", "关于 / About juesuan")),
        (r"^/-/licence$", licence),
    ]


async def _findings_per_document(datasette) -> list[dict[str, Any]]:
    db = datasette.get_database(DB)
    rows = (await db.execute("""
        select d.doc_id, d.label, d.fiscal_year, count(f.finding_id) as findings,
               sum(case when f.severity = 'error' then 1 else 0 end) as errors
        from documents d left join findings f on f.doc_id = d.doc_id
        group by d.doc_id order by d.fiscal_year, d.doc_id""")).rows
    return [dict(r) | {"url": datasette.urls.path(f"/{DB}/where_numbers_dont_add_up?doc_id={quote(r['doc_id'])}"),
                       "findings_url": datasette.urls.path(f"/{DB}/findings?doc_id={quote(r['doc_id'])}"),
                       "source_url": source_url(datasette, r["doc_id"])} for r in rows]


# the tables a reader browses from the home page, most useful first (the rest are on /juesuan)
HOME_TABLES = ("facts_labelled", "facts", "findings", "documents", "source_text", "entities", "metrics", "checks")


async def _browse(datasette) -> dict[str, Any]:
    db = datasette.get_database(DB)
    tables = []
    for name in HOME_TABLES:
        if not await db.table_exists(name) and name not in await db.view_names():
            continue
        meta = datasette.table_metadata(DB, name)
        count = (await db.execute(f"select count(*) from [{name}]")).first()[0]
        tables.append({"url": datasette.urls.table(DB, name), "title": meta.get("title") or name,
                       "description": meta.get("description") or "", "count": count})
    queries = [{"url": datasette.urls.path(f"/{DB}/{name}"), "title": q.get("title") or name}
               for name, q in (datasette.metadata("queries", database=DB) or {}).items()]
    return {"browse_tables": tables, "browse_queries": queries}


async def _totals(datasette) -> dict[str, Any]:
    """What the site holds, in one line under the statement."""
    db = datasette.get_database(DB)
    row = (await db.execute("""select (select count(*) from documents) as documents,
                                      (select count(distinct entity_id) from documents) as bodies,
                                      (select min(fiscal_year) from documents) as first_year,
                                      (select max(fiscal_year) from documents) as last_year,
                                      (select count(*) from facts) as figures,
                                      (select count(*) from findings) as findings""")).first()
    return dict(row)


async def _home_data(datasette) -> dict[str, Any]:
    every_document = await _findings_per_document(datasette)
    # a large corpus shows the documents with most findings, still in year order
    top = {d["doc_id"] for d in sorted(every_document, key=lambda d: -d["findings"])[:HOME_DOCUMENTS]}
    per_document = [d for d in every_document if d["doc_id"] in top]
    return {"per_document": per_document, "most_findings": max([1] + [d["findings"] for d in per_document]),
            "documents_total": len(every_document), "dashboard_charts": _dashboard_charts(datasette),
            "totals": await _totals(datasette),
            **await _browse(datasette)}


def _dashboard_charts(datasette) -> list[dict[str, str]]:
    """The overview dashboard's charts (datasette-dashboards' configuration), each with its own page."""
    config = datasette.plugin_config("datasette-dashboards") or {}
    return [{"title": chart.get("title", slug), "url": datasette.urls.path(f"/-/dashboards/{board}/{slug}")}
            for board, dashboard in config.items() for slug, chart in dashboard.get("charts", {}).items()]


@hookimpl
def extra_template_vars(template, datasette, table):
    if template == "index.html":
        async def home() -> dict[str, Any]:
            # the database is immutable: what the home page shows of it is computed once per server
            data = getattr(datasette, "_juesuan_home", None)
            if data is None:
                data = await _home_data(datasette)
                datasette._juesuan_home = data
            return data
        return home
    if template == "table.html":
        return {"juesuan_order": lambda names: cells.column_order(table, names), "juesuan_tbody": table_body}
    return {}


def table_body(display_rows: list[Any], order: list[int]) -> Markup:
    """The rows of a table page as HTML, written in one Python pass.

    The same markup _table.html's nested loop wrote cell by cell (`<td class="col-…
    type-…">value</td>`, the value escaped unless it is already markup), but a
    100-row facts page has 2,500 cells and Jinja's async rendering spent ~40 %
    of the page's CPU on them; each column's CSS class is computed once here."""
    css: dict[str, str] = {}
    out: list[str] = []
    for row in display_rows:
        cells_ = list(row)
        out.append("<tr>")
        for i in order:
            cell = cells_[i]
            column = cell["column"]
            cls = css.get(column)
            if cls is None:
                cls = css[column] = str(escape(to_css_class(column)))
            out.append(f'<td class="col-{cls} type-{escape(cell["value_type"])}">{escape(cell["value"])}</td>')
        out.append("</tr>")
    return Markup("\n".join(out))
