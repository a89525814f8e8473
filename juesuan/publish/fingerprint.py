"""Row counts and content hashes per table, to prove the served databases hold the package.

Why: `make validate` must show the databases it would serve hold exactly the
package, not merely that they exist. SQLite and the CSV type values differently
(REAL and printed digits vs text), so every value is brought to one canonical
text (numbers as normalised decimals, booleans true/false, dates ISO) and each
row is hashed; the table's hash is the sum of its row hashes modulo 2^256:
independent of row order (no sort, constant memory) yet sensitive to a deleted,
added or changed row. DuckDB is compared with the CSV inside DuckDB itself (row count and a sum of
row hashes on both sides, the CSV read with the build's types): constant memory,
and it runs in C++ rather than hashing every row in Python.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
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


def _text(value: Any) -> str:
    return "" if value is None else value if type(value) is str else str(value)


def _integer(value: Any) -> str:
    return "" if value is None or value == "" else str(int(value)) if type(value) is not int else str(value)


_FAST: dict[str, Callable[[Any], str]] = {"string": _text, "integer": _integer, "year": _integer}
_converters: dict[tuple[str, ...], list[Callable[[Any], str]]] = {}


def _row_hash(kinds: Sequence[str], row: Sequence[Any]) -> int:
    """The row's hash; strings and integers (most cells) skip the general canonical()."""
    key = tuple(kinds)
    convs = _converters.get(key)
    if convs is None:
        convs = _converters[key] = [_FAST.get(k) or partial(canonical, k) for k in kinds]
    text = "\x1f".join([c(v) for c, v in zip(convs, row, strict=True)])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


def fingerprint(rows: Iterable[Sequence[Any]], kinds: Sequence[str]) -> dict[str, Any]:
    """{"rows": n, "sha256": order-independent content hash} of typed rows."""
    total, n = 0, 0
    for row in rows:
        total = (total + _row_hash(kinds, row)) % MOD
        n += 1
    return {"rows": n, "sha256": f"{total:064x}"}


def _kinds(fields: list[dict[str, Any]]) -> list[str]:
    return [f["type"] for f in fields]


def csv_fingerprint(path: Path, fields: list[dict[str, Any]]) -> dict[str, Any]:
    names = [f["name"] for f in fields]
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return fingerprint(([r.get(n) for n in names] for r in reader), _kinds(fields))


def sqlite_fingerprint(con: sqlite3.Connection, table: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The fingerprint of a SQLite table, numbers taken from their `<name>_text` digits,
    plus "real_mismatches": rows whose REAL copy is not those digits (checked in SQL,
    with a relative tolerance of 1e-12, as the REAL is a display copy). A value ×10 in
    either copy is caught."""
    names = [f["name"] for f in fields]
    cols = {r[1] for r in con.execute(f'PRAGMA table_info("{table}")')}
    copies = {f"{n}_text" for n in names} & cols - set(names)   # a package column of that name is not a copy
    select = [f"{n}_text" if f["type"] == "number" and f"{n}_text" in copies else n for n, f in zip(names, fields, strict=True)]
    cur = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in select)} FROM "{table}"')
    out = fingerprint(iter(cur), _kinds(fields))
    pairs = [(n, f"{n}_text") for n, f in zip(names, fields, strict=True) if f["type"] == "number" and f"{n}_text" in copies]
    out["real_mismatches"] = 0
    if pairs:
        cond = " OR ".join(f'("{r}" IS NULL) <> ("{t}" IS NULL) OR abs("{r}" - CAST("{t}" AS REAL)) > 1e-12 * max(1.0, abs("{r}"))'
                           for r, t in pairs)
        out["real_mismatches"] = con.execute(f'SELECT count(*) FROM "{table}" WHERE {cond}').fetchone()[0]
    return out


def duckdb_matches(con: Any, table: str, fields: list[dict[str, Any]], csv_path: Path, types: str) -> tuple[int, bool]:
    """(rows in DuckDB, whether they are the CSV's rows): each side's row count and the sum
    of its typed rows' hashes, computed inside DuckDB with the CSV read with the types the
    build declared. Why a hash sum and not EXCEPT ALL: a multiset difference holds both
    sides in memory (1.25 GB at 10,000 documents, and it cannot spill), an aggregate
    streams in constant memory. The files themselves are held to their SHA-256 in the
    manifest, so this compares content, not guards against a forged collision."""
    names = ", ".join(f'"{f["name"]}"' for f in fields)
    con.execute("SET enable_progress_bar = false")
    src = (f"read_csv(?, header=true, columns={types}, quote='\"', escape='\"', "
           "nullstr='', auto_detect=false, strict_mode=true)")
    digest = f"count(*), coalesce(sum(hash({names})::HUGEINT), 0)"
    n, served = con.execute(f'SELECT {digest} FROM "{table}"').fetchone()
    m, package = con.execute(f"SELECT {digest} FROM {src}", [str(csv_path)]).fetchone()
    return int(n), (n, served) == (m, package)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
