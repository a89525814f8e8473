"""Chinese search on the site: the table search boxes and one search across
sources, figures and findings (`/-/search?q=`).

Every table with a `<table>_search` bigram index (juesuan.publish.search
explains the index and the query rewrite) gets a search box through the
`filters_from_request` hook, which finds terms of any length, 2 characters
included, keeps what the reader typed in the box and marks the matches.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import Response
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the plugin ships inside the repository and uses its package
    sys.path.insert(0, str(ROOT))

from juesuan.publish import cells  # noqa: E402
from juesuan.publish.links import DB, fact_url, finding_url, source_url  # noqa: E402
from juesuan.publish.search import (  # noqa: E402
    SEARCH_WORDS,
    match_expression,
    register_functions,
    terms,
)

SEARCH_LIMIT = 200  # hits listed per section of /-/search (the count is always complete)


async def _search_tables(datasette) -> dict[str, str]:
    """table -> its bigram search index (built by sqlite_build as <table>_search); the
    database is immutable, so it is read once per server."""
    cached = getattr(datasette, "_juesuan_search_tables", None)
    if cached is None:
        names = set(await datasette.get_database(DB).table_names())
        cached = {n[: -len("_search")]: n for n in names if n.endswith("_search") and n[: -len("_search")] in names}
        datasette._juesuan_search_tables = cached
    return cached


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    """`?_search=` on a table with a bigram index: any length of Chinese, 2 characters included.
    Runs last so its `supports_search` wins over Datasette's own (which sees no FTS table)."""
    if database != DB:
        return None

    async def search_filter() -> FilterArguments | None:
        index = (await _search_tables(datasette)).get(table)
        if index is None:
            return None
        query = request.args.get("_search", "")
        SEARCH_WORDS.set(tuple(terms(query)))
        context = {"supports_search": True, "search": query}
        if not query.strip():
            return FilterArguments([], extra_context=context)
        expression = match_expression(query)
        if expression is None:
            return FilterArguments(["0"], human_descriptions=[f'search matches "{query}"'], extra_context=context)
        return FilterArguments(
            [f"rowid in (select rowid from [{index}] where [{index}] match :juesuan_search)"],
            {"juesuan_search": expression}, [f'search matches "{query}"'], context)
    return search_filter


@hookimpl
def asgi_wrapper(datasette):
    """Each request starts with no search words, whichever task or connection serves it."""
    def wrap(app):
        async def with_fresh_words(scope, receive, send):
            token = SEARCH_WORDS.set(())
            try:
                await app(scope, receive, send)
            finally:
                SEARCH_WORDS.reset(token)
        return with_fresh_words
    return wrap


@hookimpl
def prepare_connection(conn):
    register_functions(conn)


async def _search_all(datasette, query: str) -> dict[str, Any]:
    """One query across sources, facts and findings, each hit with its link and the words marked."""
    db = datasette.get_database(DB)
    expression = match_expression(query)
    words = terms(query)
    sections: list[dict[str, Any]] = []
    if expression is None:
        return {"q": query, "sections": sections, "total": 0}
    specs = [
        ("source_text", "原文 / Sources",
         """select s.doc_id, s.line, s.text, d.label from source_text s join documents d on d.doc_id = s.doc_id
            where s.rowid in (select rowid from source_text_search where source_text_search match :m)
            order by d.fiscal_year, s.doc_id, s.line"""),
        ("facts", "数字 / Figures",
         """select f.fact_id, f.value, f.value_text, f.unit, f.measure, f.quote, m.label_zh, d.label
            from facts f join metrics m on m.metric = f.metric join documents d on d.doc_id = f.doc_id
            where f.rowid in (select rowid from facts_search where facts_search match :m)
            order by d.fiscal_year, f.doc_id, f.value_start"""),
        ("findings", "对不上的地方 / Findings",
         """select fi.finding_id, fi.explanation_zh, fi.explanation_en, fi.quote_a, fi.quote_b, d.label
            from findings fi join documents d on d.doc_id = fi.doc_id
            where fi.rowid in (select rowid from findings_search where findings_search match :m)
            order by d.fiscal_year, fi.doc_id, fi.finding_id"""),
    ]
    total = 0
    for key, title, sql in specs:
        rows = (await db.execute(sql, {"m": expression})).rows
        hits = []
        for r in rows[:SEARCH_LIMIT]:
            if key == "source_text":
                hits.append({"url": source_url(datasette, r["doc_id"], r["line"]), "where": f'{r["label"]} · 第 {r["line"]} 行',
                             "text": cells.highlight(r["text"] or "", words)})
            elif key == "facts":
                hits.append({"url": fact_url(datasette, r["fact_id"]),
                             "where": f'{r["label"]} · {r["label_zh"]} '
                                      + str(cells.number(r["value"], r["value_text"], r["unit"], r["measure"]).striptags()),
                             "text": cells.highlight(r["quote"] or "", words)})
            else:
                texts = [r["explanation_zh"] or "", r["quote_a"] or "", r["quote_b"] or ""]
                hits.append({"url": finding_url(datasette, r["finding_id"]), "where": r["label"],
                             "text": Markup(" · ").join(cells.highlight(t, words) for t in texts if t)})
        total += len(rows)
        sections.append({"key": key, "title": title, "count": len(rows), "hits": hits,
                         "table_url": datasette.urls.path(f"/{DB}/{key}?_search={quote(query)}")})
    return {"q": query, "sections": sections, "total": total}


async def search(request, datasette):
    query = request.args.get("q", "").strip()[:200]
    context = await _search_all(datasette, query) if query else {"q": "", "sections": [], "total": 0}
    return Response.html(await datasette.render_template("search.html", context, request=request))


@hookimpl
def register_routes():
    return [(r"^/-/search$", search)]
