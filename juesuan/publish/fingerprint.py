"""Row counts and content hashes per table, comparable across CSV, SQLite and DuckDB.

Why: `make validate` must prove the databases it would serve hold exactly the
package, not merely that they exist. Each store types values its own way
(SQLite REAL, DuckDB DECIMAL(18,4), the CSV's printed digits), so every value
is brought to one canonical text first (numbers as normalised decimals, booleans
as true/false, dates ISO) and each row is hashed. The table's hash is the sum
of its row hashes modulo 2^256: independent of row order (no sort, streams in
constant memory) yet sensitive to a deleted, added or changed row.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

MOD = 1 << 256


def canonical(kind: str, value: Any) -> str:
    """One text for a value whatever store it came from."""
    if value is None or value == "":
        return ""
    if kind == "number":
        try:
            d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
        except InvalidOperation:
            return f"?{value}"
        return "0" if d == 0 else format(d.normalize(), "f")
    if kind in ("integer", "year"):
        try:
            return str(int(value))
        except (TypeError, ValueError):
            return f"?{value}"
    if kind == "boolean":
        if isinstance(value, str):
            return value.lower()
        return "true" if value else "false"
    if kind == "date" and isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return str(value)


def fingerprint(rows: Iterable[Sequence[Any]], kinds: Sequence[str]) -> dict[str, Any]:
    """{"rows": n, "sha256": order-independent content hash} of typed rows."""
    total, n = 0, 0
    for row in rows:
        text = "\x1f".join(canonical(k, v) for k, v in zip(kinds, row, strict=True))
        total = (total + int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")) % MOD
        n += 1
    return {"rows": n, "sha256": f"{total:064x}"}


def _kinds(fields: list[dict[str, Any]]) -> list[str]:
    return [f["type"] for f in fields]


def csv_fingerprint(path: Path, fields: list[dict[str, Any]]) -> dict[str, Any]:
    names = [f["name"] for f in fields]
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return fingerprint(([r.get(n) for n in names] for r in reader), _kinds(fields))


def sqlite_fingerprints(con: sqlite3.Connection, table: str, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two fingerprints: with the REAL number columns, and with their `<name>_text`
    digits. Both must equal the package's: a value ×10 in either copy is caught."""
    names = [f["name"] for f in fields]
    cols = {r[1] for r in con.execute(f'PRAGMA table_info("{table}")')}
    copies = {f"{n}_text" for n in names} & cols - set(names)   # a package column of that name is not a copy
    text_names = [f"{n}_text" if f["type"] == "number" and f"{n}_text" in copies else n for n, f in zip(names, fields, strict=True)]
    out = []
    for select in (names, text_names):
        cur = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in select)} FROM "{table}"')
        out.append(fingerprint(iter(cur), _kinds(fields)))
    return out


def duckdb_fingerprint(con: Any, table: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    names = ", ".join(f'"{f["name"]}"' for f in fields)
    cur = con.execute(f'SELECT {names} FROM "{table}"')

    def rows() -> Iterable[Sequence[Any]]:
        while True:
            chunk = cur.fetchmany(10000)
            if not chunk:
                return
            yield from chunk

    return fingerprint(rows(), _kinds(fields))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
