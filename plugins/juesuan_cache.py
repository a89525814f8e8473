"""A bounded in-memory cache of whole responses, for an immutable, read-only site.

Why: at 1,000 documents a table page costs 80-230 ms of server CPU (Datasette's
declared facets are GROUP BYs over ~70k rows, the HTML renders every cell) and
the home page ~45 ms; the issue-12 targets are 10 ms p50 and 300 req/s on two
cores. The database is opened immutable (`-i`) and nothing writes, so the same
URL yields the same bytes until the server restarts: the first request pays,
the next are served from memory. What varies is never stored: responses that
set a cookie, anything but a 200 to a GET, requests carrying credentials,
Datasette's own introspection pages under /-/ (threads, versions...), and
bodies over a per-entry bound. Memory is bounded by a total byte budget (LRU).

`JUESUAN_RESPONSE_CACHE_MB=0` turns it off (the soak measures both ways).

Also computed once here: each table's permission ``allow`` blocks (below).
"""
from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from datasette import hookimpl
from datasette.plugins import pm

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BUDGET_ENV = "JUESUAN_RESPONSE_CACHE_MB"
DEFAULT_BUDGET_MB = 64.0
MAX_ENTRY_BYTES = 1024 * 1024
#: Paths under /-/ that are pages of the site (deterministic), not introspection.
CACHEABLE_DASH = ("/-/provenance/", "/-/source/", "/-/finding/", "/-/dashboards", "/-/static")
#: Query parameters that ask for per-request output (debug traces, template context).
UNCACHEABLE_PARAMS = (b"_trace", b"_context")
HIT = (b"x-juesuan-cache", b"hit")


class ResponseCache:
    """Least-recently-used responses, at most `budget` bytes of bodies in all."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[tuple[str, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()

    def get(self, key: tuple[str, bytes]) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
        return hit

    def put(self, key: tuple[str, bytes], status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if key in self.entries or len(body) > min(MAX_ENTRY_BYTES, self.budget):
            return
        self.entries[key] = (status, headers, body)
        self.size += len(body)
        while self.size > self.budget:
            _, (_, _, old) = self.entries.popitem(last=False)
            self.size -= len(old)


def cacheable_request(scope: Scope) -> bool:
    """A GET for a page whose bytes depend only on the URL."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    path = scope["path"]
    if path.startswith("/-/") and not path.startswith(CACHEABLE_DASH):
        return False
    query = scope.get("query_string", b"")
    if any(p in query for p in UNCACHEABLE_PARAMS):
        return False
    for name, value in scope.get("headers", []):
        if name == b"authorization" or (name == b"cookie" and b"ds_actor" in value):
            return False
    return True


def cached(app: ASGIApp, cache: ResponseCache) -> ASGIApp:
    """ASGI middleware serving repeated GETs from `cache`."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if not cacheable_request(scope):
            await app(scope, receive, send)
            return
        host = next((v for k, v in scope.get("headers", []) if k == b"host"), b"")
        # JSON carries absolute URLs built from the Host header and scheme: part of the key
        key = (scope["path"], b"|".join((scope.get("scheme", "http").encode(), host, scope.get("query_string", b""))))
        hit = cache.get(key)
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": [*headers, HIT]})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0

        async def record(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                start.update(status=message["status"], headers=list(message.get("headers", [])))
            elif message["type"] == "http.response.body" and size <= MAX_ENTRY_BYTES:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if not message.get("more_body", False):
                    headers = start.get("headers", [])
                    if start.get("status") == 200 and not any(k.lower() == b"set-cookie" for k, _ in headers):
                        body = b"".join(chunks)
                        cache.put(key, 200, _with_length(headers, len(body)), body)
            await send(message)

        await app(scope, receive, record)

    return serve


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    """Headers for replaying a body in one piece (no chunked framing carried over)."""
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"transfer-encoding")]
    return [*kept, (b"content-length", str(length).encode())]


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    mutable = [db for name, db in datasette.databases.items() if db.is_mutable and name not in ("_internal", "_memory")]
    budget = int(float(os.environ.get(BUDGET_ENV, DEFAULT_BUDGET_MB)) * 1024 * 1024)  # read when the app is built

    def wrap(app: ASGIApp) -> ASGIApp:
        if mutable or budget <= 0:  # a writable database can change under a cached page
            return app
        return cached(app, ResponseCache(budget))

    return wrap


@hookimpl
def startup(datasette: Any) -> None:
    memoize_table_permissions(datasette)
    memoize_metadata(datasette)


def memoize_metadata(datasette: Any) -> None:
    """Answer each metadata lookup once instead of merging the metadata anew.

    Datasette 0.65.5 merges its metadata sources on every ``metadata()`` call,
    and a table page makes one per rendered cell (plugins read their
    configuration in ``render_cell``): 2,300 calls, ~20 ms of a 100-row facts
    page. The answer depends only on the metadata, fixed while the server runs
    when no plugin supplies metadata at run time (``get_metadata``), which is
    checked here. A merged dictionary is handed out as a fresh copy, as before;
    nested values were shared before too.
    """
    if pm.hook.get_metadata.get_hookimpls() or getattr(datasette.metadata, "memoized", False):
        return
    compute = datasette.metadata
    answers: dict[tuple[Any, ...], Any] = {}

    def metadata(key: str | None = None, database: str | None = None, table: str | None = None,
                 fallback: bool = True) -> Any:
        k = (key, database, table, fallback)
        if k not in answers:
            answers[k] = compute(key=key, database=database, table=table, fallback=fallback)
        found = answers[k]
        return dict(found) if key is None and isinstance(found, dict) else found

    metadata.memoized = True  # type: ignore[attr-defined]
    datasette.metadata = metadata


def memoize_table_permissions(datasette: Any) -> None:
    """Compute each table's ``allow`` blocks once instead of on every check.

    Datasette 0.65.5 answers every view-table permission check by deep-copying
    the whole metadata (41 KB with the column descriptions): ~2.4 ms a table,
    70 ms of CPU for the home page, which checks every table. The answer
    depends only on the metadata, which is fixed while the server runs (no
    plugin here supplies metadata at run time), so it is kept per table.
    """
    compute = getattr(datasette, "_table_permission_allows", None)
    if compute is None or getattr(compute, "memoized", False):
        return
    cache: dict[tuple[str, str], tuple[Any, ...]] = {}

    def allows(database: str, table: str) -> list[Any]:
        key = (database, table)
        if key not in cache:
            cache[key] = tuple(compute(database, table))
        return list(cache[key])

    allows.memoized = True  # type: ignore[attr-defined]
    datasette._table_permission_allows = allows
