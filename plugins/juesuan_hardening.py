"""Hardening of the published Datasette: cheap error pages, early refusals, safe headers.

(Bounds on what a query may build: juesuan_sqlite_limits.py.)

Why each piece exists (issue 13, measured on the live server):

- Datasette 0.65's default ``handle_exception`` prints a ``rich`` traceback *with
  locals* for every error page, 404s included, when ``rich`` is installed (it is:
  other tools pull it in). That print costs ~0.3 s of CPU on the event loop, 5 s
  for a 30 KB id, and for a 404 raised outside an ``except`` block (any unknown
  path such as ``/-/source/../../x``) rich itself raises, so the page is a 500.
  This plugin replaces that handler: same templates and JSON shape, no traceback
  for client errors, one plain logged traceback for a real server fault.
- Datasette raises ``DatasetteError`` for bad request parameters (``_sort=zzz``,
  ``_sort`` with ``_sort_desc``, a bad ``_through``) without a status, which
  means 500. Every ``DatasetteError`` in 0.65 describes the request, so one
  without a client status is answered 400.
- Absurdly long paths or query strings are refused before routing, and every
  response carries the usual security headers (the downloads are served, with
  their content types, by ``juesuan_downloads`` at ``/-/download/``).
- A client sending errors faster than a person could (a 404 flood) gets its
  error responses slowed down (a tarpit, a leaky bucket per client): a
  closed-loop flood then asks less often, so it takes less of the one server
  process; successful responses are never delayed.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.plugins import pm
from datasette.utils import add_cors_headers, tilde_decode
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("juesuan.server")

#: Longest path (bytes, percent-encoded as sent) routed at all. Ids are a few
#: dozen characters; anything longer cannot name a row or page.
MAX_PATH_BYTES = 1024
#: Longest query string; arbitrary SQL fits easily, a 1 MB flood does not.
MAX_QUERY_BYTES = 32 * 1024

#: Datasette's pages carry inline scripts and styles; the dashboards' Vega
#: compiles its expressions with ``new Function`` and so needs 'unsafe-eval'
#: (only there). Map tiles of datasette-leaflet come from OpenStreetMap.
_CSP_BASE = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://*.tile.openstreetmap.org; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; script-src 'self' 'unsafe-inline'"
)
CSP = _CSP_BASE
CSP_WITH_EVAL = _CSP_BASE + " 'unsafe-eval'"
EVAL_PREFIXES = ("/-/dashboards",)

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"strict-origin-when-cross-origin",
}

_NOT_FOUND_HTML = (
    b'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>404</title></head>'
    b'<body><h1>404</h1><p>\xe6\x97\xa0\xe6\xad\xa4\xe9\xa1\xb5\xe9\x9d\xa2 / Not found. '
    b'<a href="/">\xe9\xa6\x96\xe9\xa1\xb5 / Home</a></p></body></html>'
)


#: A client's errors fill a bucket that drains ERROR_RATE a second; up to ERROR_BUDGET in
#: the bucket are answered at once, beyond it each further error waits TARPIT_STEP_S
#: longer per error in the bucket (capped at TARPIT_MAX_S). A person following links
#: makes a few errors; a link checker a few a second.
ERROR_BUDGET = 20
ERROR_RATE = 5.0
TARPIT_STEP_S = 0.05
TARPIT_MAX_S = 5.0


class ErrorTarpit:
    """Per-client leaky buckets of errors, and the delay each new error earns.

    Measured: at the same concurrency a 404 flood took 50-100 % of the server's
    CPU beside cached pages (a 404 costs 1-6 ms, a cached page 0.5-1 ms). A
    one-second window let a flood of 32 clients through at ~40 errors a second
    (each window opened with the whole budget again). With a bucket that drains
    at ERROR_RATE, a closed-loop flood is held near that rate plus
    clients / TARPIT_MAX_S whatever its concurrency (32 clients: ~11 a second,
    ~3 % of a core), and a client that stops erring gets its budget back.
    """

    def __init__(self, budget: int = ERROR_BUDGET, step: float = TARPIT_STEP_S, cap: float = TARPIT_MAX_S,
                 max_clients: int = 10_000, rate: float = ERROR_RATE) -> None:
        self.budget, self.step, self.cap, self.max_clients, self.rate = budget, step, cap, max_clients, rate
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (level, time of the last error)

    def _level(self, client: str, now: float) -> float:
        level, last = self.buckets.get(client, (0.0, now))
        return max(0.0, level - self.rate * max(0.0, now - last))

    def delay(self, client: str, now: float) -> float:
        """Record one error of `client` at `now` (seconds); how long its response should wait."""
        if client not in self.buckets and len(self.buckets) >= self.max_clients:
            self.buckets = {k: v for k, v in self.buckets.items() if self._level(k, now) > 0}  # forget drained clients
        # bounded: the level that earns the longest wait, plus one
        level = min(self._level(client, now) + 1, self.budget + self.cap / self.step + 1)
        self.buckets[client] = (level, now)
        return min(self.cap, self.step * (level - self.budget)) if level > self.budget else 0.0


def _unregister_default_exception_handler() -> None:
    """Drop Datasette's default handler: it prints the rich traceback and renders a
    second error page nobody sees (every handler's response is awaited)."""
    if pm.has_plugin("datasette.handle_exception"):
        pm.unregister(name="datasette.handle_exception")


_unregister_default_exception_handler()


class ShortAccessLog(logging.Filter):
    """Cut long paths in uvicorn's access log: a flood of 30 KB ids otherwise
    writes 30 KB of log per request (3.5 MB in a 30 s soak)."""

    MAX = 200

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and len(args[2]) > self.MAX:
            record.args = (args[0], args[1], f"{args[2][:self.MAX]}... ({len(args[2])} chars)", args[3], args[4])
        return True


_access_log = logging.getLogger("uvicorn.access")
if not any(type(f).__name__ == ShortAccessLog.__name__ for f in _access_log.filters):
    _access_log.addFilter(ShortAccessLog())


def security_headers(path: str) -> dict[bytes, bytes]:
    """The headers every response carries; the CSP depends on the page."""
    csp = CSP_WITH_EVAL if path.startswith(EVAL_PREFIXES) else CSP
    return {**SECURITY_HEADERS, b"content-security-policy": csp.encode()}


def _json_object(*keys: str) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            parsed = json.loads(value)
        except ValueError:
            return False
        return isinstance(parsed, dict) and all(isinstance(parsed.get(k), str | int) for k in keys)
    return check


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


def _facet_spec(value: str) -> bool:
    return not value.startswith("{") or _json_object("simple")(value)


#: Datasette 0.65.5's reserved parameters whose malformed values it answers with a
#: 500 (an int() or json.loads() of the raw value, a missing key); found by fuzzing
#: the table and row pages. A value failing its check is refused with a 400.
PARAM_CHECKS: dict[str, Callable[[str], bool]] = {
    "_timelimit": _matches(r"\d{1,9}"),
    "_next": _matches(r"[A-Za-z0-9_~,.\-]*"),  # tilde-encoded keys or an offset
    "_through": _json_object("table", "column", "value"),
    "_facet": _facet_spec,
    "_facet_array": _facet_spec,
    "_facet_date": _facet_spec,
}


def bad_parameter(query_string: bytes) -> str | None:
    """The first query parameter Datasette would fail on, None if all are well formed."""
    if not query_string:
        return None
    for key, value in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            return key  # SQLite cannot take a NUL in a statement (a column name from a parameter)
        check = PARAM_CHECKS.get(key)
        if check is not None and not check(value):
            return key
    return None


def refusal(scope: Scope) -> tuple[int, str] | None:
    """(status, reason) for a request refused before routing (None: let Datasette answer)."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    if len(raw_path) > MAX_PATH_BYTES:
        return 404, "Not found"
    if any(seg in (".", "..") for seg in scope["path"].split("/")):
        return 404, "Not found"  # no page lives at a dot segment; never let one reach a route or mount
    query = scope.get("query_string", b"")
    if len(query) > MAX_QUERY_BYTES:
        return 414, "URI too long"
    bad = bad_parameter(query)
    if bad is not None:
        return 400, f"Bad value for the parameter {bad}"
    return None


async def _send_refusal(send: Send, status: int, reason: str, path: str) -> None:
    if path.endswith(".json"):
        body = json.dumps({"ok": False, "error": reason, "status": status}).encode()
        ctype = b"application/json; charset=utf-8"
    else:
        body = _NOT_FOUND_HTML if status == 404 else escape(reason).encode()
        ctype = b"text/html; charset=utf-8" if status == 404 else b"text/plain; charset=utf-8"
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
    headers += list(security_headers(path).items())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


#: A row page: /database/table/key1,key2 (Datasette's row route, with an optional .format).
_ROW_PATH = re.compile(r"/([^/.]+)/([^/.]+)/([^/.]+)(?:\.\w+)?")
#: A table or view page: /database/name with an optional .format.
_TABLE_PATH = re.compile(r"/([^/.]+)/([^/.]+)(?:\.\w+)?")


class RowKeys:
    """Whether a row page names as many key values as its table has primary keys,
    and whether a view's ``_next`` is an offset.

    Datasette 0.65.5 binds the values it is given: ``/juesuan/source_text/1`` (the
    key is doc_id, line) fails with "You did not supply a value for binding
    parameter" and a 500. Key counts are looked up once per table.
    """

    def __init__(self, datasette: Any) -> None:
        self.datasette = datasette
        self.counts: dict[tuple[str, str], int] = {}
        self.views: dict[str, set[str]] = {}

    async def row_fits(self, path: str) -> bool:
        m = _ROW_PATH.fullmatch(path)
        if m is None or m.group(1) not in self.datasette.databases:
            return True
        database, table = m.group(1), tilde_decode(m.group(2))
        key = (database, table)
        if key not in self.counts:
            db = self.datasette.get_database(database)
            if not await db.table_exists(table):
                return True  # Datasette answers a missing table itself
            self.counts[key] = max(1, len(await db.primary_keys(table)))  # rowid tables: one key
        return m.group(3).count(",") + 1 == self.counts[key]

    async def next_fits(self, path: str, query: bytes) -> bool:
        """A view pages by offset: its ``_next`` must be a number (int() of it is a 500 otherwise)."""
        if b"_next=" not in query:
            return True
        m = _TABLE_PATH.fullmatch(path)
        if m is None or m.group(1) not in self.datasette.databases:
            return True
        if m.group(1) not in self.views:
            self.views[m.group(1)] = set(await self.datasette.get_database(m.group(1)).view_names())
        if tilde_decode(m.group(2)) not in self.views[m.group(1)]:
            return True
        return all(v.isdigit() for k, v in parse_qsl(query.decode("utf-8", "replace")) if k == "_next")


def harden(app: ASGIApp, tarpit: ErrorTarpit | None = None, rows: RowKeys | None = None) -> ASGIApp:
    """ASGI middleware: early refusals, security headers, error tarpit."""
    tarpit = tarpit or ErrorTarpit()

    async def slow_down(scope: Scope, status: int) -> None:
        if status >= 400:
            client = (scope.get("client") or ("?", 0))[0]
            wait = tarpit.delay(client, time.monotonic())
            if wait:
                await asyncio.sleep(wait)

    async def hardened(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope["path"]
        refused = refusal(scope)
        if refused is None and rows is not None:
            if not await rows.row_fits(path):
                refused = (404, "Not found")
            elif not await rows.next_fits(path, scope.get("query_string", b"")):
                refused = (400, "Bad value for the parameter _next")
        if refused is not None:
            await slow_down(scope, refused[0])
            await _send_refusal(send, *refused, path)
            return
        extra = security_headers(path)

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                await slow_down(scope, message["status"])
                replace = dict(extra)
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in replace]
                message = {**message, "headers": headers + list(replace.items())}
            await send(message)

        await app(scope, receive, send_hardened)

    return hardened


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: harden(app, rows=RowKeys(datasette))


def classify(exception: BaseException) -> tuple[int, str | Markup, str | None, dict[str, Any]]:
    """(status, message, title, extra JSON fields) of an exception raised by a request."""
    if isinstance(exception, Base400):
        return exception.status, str(exception.args[0]) if exception.args else "", None, {}
    if isinstance(exception, DatasetteError):
        message: str | Markup = Markup(exception.message) if exception.message_is_html else exception.message
        status = exception.status if 400 <= exception.status < 500 else 400
        return status, message, exception.title, dict(exception.error_dict or {})
    if isinstance(exception, QueryInterrupted):
        # a plugin page's query hit sql_time_limit_ms (Datasette's own views answer 400):
        # the server is busy or the page too slow, not broken
        return 503, "The query took too long; try again.", "SQL interrupted", {}
    return 500, str(exception), None, {}


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: BaseException) -> Callable[[], Awaitable[Response]]:
    async def inner() -> Response:
        status, message, title, info = classify(exception)
        if status >= 500:  # a real fault: one plain traceback in the log, none for client errors
            log.error("%s %s", request.method, request.path, exc_info=exception)
        info.update({"ok": False, "error": message, "status": status, "title": title})
        headers: dict[str, str] = {}
        if datasette.cors:
            add_cors_headers(headers)
        if request.path.split("?")[0].endswith(".json"):
            return Response.json(info, status=status, headers=headers)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        html = await template.render_async(
            dict(info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=list))
        return Response.html(html, status=status, headers=headers)

    return inner
