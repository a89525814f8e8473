"""Datasette plugin for juesuan: provenance pages, links from every figure to its
sentence, the source reader, and the downloads on the home page.

Read-only by construction: every query is a SELECT on the immutable database.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

DB = "juesuan"
CONTEXT_LINES = 3
DIST = Path(os.environ.get("JUESUAN_DIST", Path(__file__).resolve().parent.parent / "build" / "dist"))
MANIFEST = DIST / "manifest.json"


def fact_url(datasette, fact_id: str) -> str:
    return datasette.urls.path(f"/-/provenance/{tilde_encode(fact_id)}")


def finding_url(datasette, finding_id: str) -> str:
    return datasette.urls.path(f"/-/finding/{tilde_encode(finding_id)}")


def source_url(datasette, doc_id: str, line: int | None = None) -> str:
    return datasette.urls.path(f"/-/source/{quote(doc_id, safe='')}") + (f"#L{line}" if line else "")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if value is None or value == "":
        return None
    keys = row.keys() if hasattr(row, "keys") else []
    if column in ("fact_id", "fact_a", "fact_b") and isinstance(value, str) and value.count(":") >= 3:
        return Markup(f'<a class="provenance" href="{escape(fact_url(datasette, value))}">{escape(value)}</a>')
    if column == "finding_id" and isinstance(value, str):
        return Markup(f'<a class="provenance" href="{escape(finding_url(datasette, value))}">{escape(value)}</a>')
    if column in ("quote", "quote_a", "quote_b"):
        ref = {"quote": "fact_id", "quote_a": "fact_a", "quote_b": "fact_b"}[column]
        if ref in keys and row[ref] and str(row[ref]).count(":") >= 3:
            return Markup(f'<a class="quote" href="{escape(fact_url(datasette, row[ref]))}">{escape(value)}</a>')
    if column in ("explanation_zh", "explanation_en") and "finding_id" in keys and row["finding_id"]:
        return Markup(f'<a class="finding" href="{escape(finding_url(datasette, row["finding_id"]))}">{escape(value)}</a>')
    if column == "text" and "doc_id" in keys and "line" in keys:
        return Markup(f'<a class="source-line" href="{escape(source_url(datasette, row["doc_id"], row["line"]))}">{escape(value)}</a>')
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
        for a, b in zip(cuts, cuts[1:]):
            piece = escape(text[a:b])
            classes = [cls for s, e, cls in spans if s - base <= a and b <= e - base and a < b]
            for cls in classes:
                piece = Markup(f'<mark class="{cls}">') + piece + Markup("</mark>")
            pieces.append(piece)
        out.append(Markup(f'<div class="src-line" id="L{ln["line"]}"><span class="ln">{ln["line"]}</span>')
                   + Markup("").join(pieces) + Markup("</div>"))
    return Markup("").join(out)


async def provenance(request, datasette):
    db = datasette.get_database(DB)
    fact_id = tilde_decode(request.url_vars["fact_id"])
    f = await _one(db, """select f.*, d.fiscal_year, d.file, e.name as entity_name, e.county, m.label_zh, m.label_en
                          from facts f join documents d on d.doc_id = f.doc_id join entities e on e.entity_id = d.entity_id
                          join metrics m on m.metric = f.metric where f.fact_id = :id""", {"id": fact_id})
    if f is None:
        raise NotFound(f"No fact {fact_id}")
    context = await _context(db, f["doc_id"], f["char_start"], f["char_end"],
                             [(f["char_start"], f["char_end"], "quote"), (f["value_start"], f["value_end"], "number")])
    siblings = (await db.execute(
        """select f.fact_id, f.metric, m.label_zh, f.measure, f.value_text, f.unit, f.function_name from facts f
           join metrics m on m.metric = f.metric
           where f.doc_id = :d and f.fact_id != :id and f.char_start < :e and f.char_end > :s order by f.value_start""",
        {"d": f["doc_id"], "id": fact_id, "s": f["char_start"], "e": f["char_end"]})).rows
    checks = (await db.execute("select check_id, rule, outcome, detail from checks where ';' || facts || ';' like :p order by check_id",
                               {"p": f"%;{fact_id};%"})).rows
    return Response.html(await datasette.render_template("provenance.html", {
        "f": f, "context": context, "siblings": [dict(r) | {"url": fact_url(datasette, r["fact_id"])} for r in siblings],
        "checks": [dict(r) | {"url": finding_url(datasette, r["check_id"])} for r in checks],
        "source_url": source_url(datasette, f["doc_id"], f["line"]),
    }, request=request))


async def finding(request, datasette):
    db = datasette.get_database(DB)
    fid = tilde_decode(request.url_vars["finding_id"])
    c = await _one(db, """select c.*, d.fiscal_year, e.name as entity_name, fi.explanation_zh, fi.explanation_en,
                          fi.reason, fi.acknowledged, fi.severity as finding_severity
                          from checks c join documents d on d.doc_id = c.doc_id join entities e on e.entity_id = d.entity_id
                          left join findings fi on fi.finding_id = c.check_id where c.check_id = :id""", {"id": fid})
    if c is None:
        raise NotFound(f"No check {fid}")
    facts = []
    for fact_id in filter(None, (c["facts"] or "").split(";")):
        f = await _one(db, "select * from facts where fact_id = :id", {"id": fact_id})
        if f:
            f["context"] = await _context(db, f["doc_id"], f["char_start"], f["char_end"],
                                          [(f["char_start"], f["char_end"], "quote"), (f["value_start"], f["value_end"], "number")])
            f["url"] = fact_url(datasette, fact_id)
            facts.append(f)
    return Response.html(await datasette.render_template("finding.html", {"c": c, "facts": facts}, request=request))


async def source(request, datasette):
    db = datasette.get_database(DB)
    doc_id = request.url_vars["doc_id"]
    d = await _one(db, """select d.*, e.name as entity_name from documents d join entities e on e.entity_id = d.entity_id
                          where d.doc_id = :d""", {"d": doc_id})
    if d is None:
        raise NotFound(f"No document {doc_id}")
    lines = (await db.execute("select line, text from source_text where doc_id = :d order by line", {"d": doc_id})).rows
    return Response.html(await datasette.render_template("source.html", {"d": d, "lines": lines}, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/-/provenance/(?P<fact_id>[^/]+)$", provenance),
        (r"^/-/finding/(?P<finding_id>[^/]+)$", finding),
        (r"^/-/source/(?P<doc_id>[a-z0-9-]+)$", source),
    ]


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}
    downloads = []
    if MANIFEST.exists():
        downloads = json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]
    return {"downloads": downloads, "dist_url": datasette.urls.path("/dist/")}
