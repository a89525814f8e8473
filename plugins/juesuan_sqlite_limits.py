"""Bounds on what one SQL query may build on the published server (issue 13, item 6).

``select printf('%.*c', 200000000, 'x')`` returned 200 MB and took the server
from 206 MB to 1.3 GB RSS: rows were capped, bytes were not. Each connection
gets SQLite's ``SQLITE_LIMIT_LENGTH`` (a value or row), a row factory capping
the total a query returns (many rows just under the value cap), and a printf
that does not spend tens of seconds padding a result it will throw away.
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

from datasette import hookimpl

#: Largest string, blob or row any query may build (bytes). The biggest value
#: the database stores is a source line or a quote (a few KB); FTS5 segments
#: stay far below this too (SQLite also applies the limit when reading a value).
MAX_VALUE_BYTES = 2 * 1024 * 1024
#: Largest total of text and blob lengths one query may return. The value cap
#: alone still lets 200 rows of 2 MB build a 400 MB page (measured: a 4 MB cap
#: took the server from 70 MB to 1 GB RSS); the longest legitimate page (2,000
#: source lines) is well under 1 MB.
MAX_RESULT_CHARS = 8 * 1024 * 1024


def budgeted_rows(limit: int) -> Callable[[sqlite3.Cursor, tuple[Any, ...]], sqlite3.Row]:
    """A row factory that refuses a result whose text and blobs exceed `limit`.

    One connection serves one query at a time (Datasette gives each thread its
    own), and each query gets a fresh cursor, so the count restarts per cursor.
    The error is an OperationalError so Datasette answers it as a bad query (400).
    """
    state: list[Any] = [None, 0]

    def factory(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> sqlite3.Row:
        if cursor is not state[0]:
            state[0], state[1] = cursor, 0
        total = state[1]
        for value in row:
            if value.__class__ is str or value.__class__ is bytes:
                total += len(value)
        state[1] = total
        if total > limit:
            raise sqlite3.OperationalError(f"result too large: over {limit // (1024 * 1024)} MB of text")
        return sqlite3.Row(cursor, row)

    return factory


#: A conversion in a printf format: flags, width, precision (``*`` takes them from the arguments).
_PRINTF_SPEC = re.compile(r"%[-+ 0#,!]*(\d*|\*)(?:\.(\d*|\*))?")


def bounded_printf(limit: int) -> Callable[..., Any]:
    """SQLite's printf/format, answering NULL at once for a width or precision over `limit`.

    With the length limit, ``printf('%.*c', 2000000000, 'x')`` still pads
    character by character before it gives up and returns NULL: 13-50 s in one
    function call, which the time limit cannot interrupt, holding one of the
    three SQL threads. NULL is what SQLite answers for a too-long result too
    (raising would print a callback traceback). Anything else is formatted by
    SQLite's own printf on a private connection.
    """
    raw = sqlite3.connect(":memory:", check_same_thread=False)

    def printf(fmt: Any, *args: Any) -> Any:
        if isinstance(fmt, str):
            for spec in _PRINTF_SPEC.finditer(fmt):
                if any(g and g.isdigit() and int(g) > limit for g in spec.groups()):
                    return None
            if "*" in fmt and any(isinstance(a, int) and abs(a) > limit for a in args):
                return None
        placeholders = ", ".join("?" * (1 + len(args)))
        return raw.execute(f"select printf({placeholders})", (fmt, *args)).fetchone()[0]

    return printf


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.row_factory = budgeted_rows(MAX_RESULT_CHARS)
    printf = bounded_printf(MAX_VALUE_BYTES)
    for name in ("printf", "format"):  # format is printf's other name (SQLite 3.38+)
        conn.create_function(name, -1, printf, deterministic=True)
