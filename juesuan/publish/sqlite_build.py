"""The SQLite database Datasette serves, built from the package.

SQLite has no decimal type, so a number column is stored as REAL for sorting
and charting and its printed digits are kept beside it as `<name>_text`;
the DuckDB build holds the typed DECIMAL truth.

Full-text search: each searchable table has a contentless FTS5 index
`<table>_search` over overlapping character bigrams of its text columns
(juesuan.publish.search explains why), so Chinese terms of any length,
two characters included, are found; the site rewrites queries to match.
"""
from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from juesuan.csvio import FILE_MODE
from juesuan.errors import JuesuanError
from juesuan.paths import BUILD, DATA, METADATA_YML
from juesuan.publish.derived import build_derived
from juesuan.publish.search import segment
from juesuan.publish.views import VIEWS
from juesuan.schema import load_resources

INDEXES_YML = Path(__file__).with_name("indexes.yml")


def _convert(field: dict[str, Any], value: str) -> object:
    if value == "":
        return None
    t = field["type"]
    if t in ("integer", "year"):
        return int(value)
    if t == "boolean":
        return 1 if value == "true" else 0
    if t == "number":
        return float(Decimal(value))  # display copy only; the digits stay in <name>_text
    return value


def creation_order(resources: dict[str, Any]) -> list[str]:
    """Referenced tables first, so foreign keys can be declared."""
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        for fk in resources[name].get("foreignKeys", []):
            if fk["reference"]["resource"] != name:
                visit(fk["reference"]["resource"])
        done.append(name)

    for name in resources:
        visit(name)
    return done


# table -> the text columns its search box looks in
SEARCHABLE: dict[str, tuple[str, ...]] = {
    "source_text": ("text",),
    "facts": ("quote", "function_name"),
    "findings": ("explanation_zh", "explanation_en", "quote_a", "quote_b"),
    "metrics": ("label_zh", "label_en"),
    "documents": ("label", "original_name"),
}


def build_search_indexes(db: sqlite_utils.Database) -> None:
    """One contentless FTS5 table per searchable table, rowid = the table's rowid,
    holding the bigram segmentation of each text column (not the text itself)."""
    for table, columns in SEARCHABLE.items():
        if not db.table(table).exists():
            continue
        index = f"{table}_search"
        cols = ", ".join(f"[{c}]" for c in columns)
        db.execute(f"create virtual table [{index}] using fts5({cols}, content='', tokenize='unicode61')")
        # streamed from a second cursor: the rows are never all in memory (source_text is the largest table)
        rows = db.conn.execute(f"select rowid, {cols} from [{table}]")
        db.conn.executemany(f"insert into [{index}] (rowid, {cols}) values ({', '.join('?' * (len(columns) + 1))})",
                            ((r[0], *(segment(v) for v in r[1:])) for r in rows))
        db.conn.commit()


def create_indexes(db: sqlite_utils.Database, declared: Path = INDEXES_YML,
                   metadata_yml: Path = METADATA_YML) -> list[tuple[str, tuple[str, ...]]]:
    """Index every filter and sort the site uses, then ANALYZE for the planner.

    Datasette runs a GROUP BY per facet on every table page, and the canned
    queries and views filter, join and sort on a few columns; at 1,000
    documents each unindexed one is a scan of ~100k rows per request. Facet and
    sort columns come from metadata.yml, the rest from indexes.yml (data, with
    the query each serves). A column list an existing index already begins with
    is skipped; so is a column the table does not have (metadata may name
    columns of a newer build). Returns the indexes created.
    """
    wanted: list[tuple[str, tuple[str, ...]]] = []
    for table, lists in (yaml.safe_load(declared.read_text(encoding="utf-8")) or {}).items():
        wanted += [(table, tuple(cols)) for cols in lists]
    tables = (yaml.safe_load(metadata_yml.read_text(encoding="utf-8")) or {}).get("databases", {})
    for database in tables.values():
        for table, cfg in (database.get("tables") or {}).items():
            for facet in cfg.get("facets") or []:
                column = facet if isinstance(facet, str) else next(iter(facet.values()), None)
                if isinstance(column, str):
                    wanted.append((table, (column,)))
            for key in ("sort", "sort_desc"):
                if isinstance(cfg.get(key), str):
                    wanted.append((table, (cfg[key],)))
    created = []
    for name, cols in wanted:
        table = db.table(name)
        if not table.exists() or not set(cols) <= set(table.columns_dict):
            continue
        if any(tuple(ix.columns)[: len(cols)] == cols for ix in table.indexes):
            continue
        table.create_index(list(cols), if_not_exists=True)
        created.append((name, cols))
    db.analyze()
    return created


def _rows(path: Path, fields: list[dict[str, Any]], text_copies: list[str]) -> Iterator[tuple[object, ...]]:
    """Typed rows of a package CSV, the fields then the `<name>_text` copies, read record by
    record from the file: `csvio.iter_csv` decodes a whole file first, and source_text alone
    is ~100 MB of text at 1,000 documents, so memory would grow with the corpus."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise JuesuanError("empty CSV (no header)", path, 1)
            missing = [f["name"] for f in fields if f["name"] not in header]
            if missing:
                raise JuesuanError(f"missing column(s): {', '.join(missing)}", path, 1)
            at = {n: i for i, n in enumerate(header)}
            typed = [(at[f["name"]], f) for f in fields]
            copies = [at[n] for n in text_copies]
            for values in reader:
                if not values or values == [""]:
                    continue
                if len(values) != len(header):
                    raise JuesuanError(f"row has {len(values)} fields, the header has {len(header)}", path, reader.line_num)
                yield tuple(_convert(f, values[i]) for i, f in typed) + tuple(values[i] or None for i in copies)
        except csv.Error as exc:
            raise JuesuanError(f"malformed CSV: {exc}", path, reader.line_num) from exc


def build_sqlite(data_dir: Path = DATA, out: Path = BUILD / "juesuan.db") -> Path:
    """Write the SQLite file at `out`. Every table is filled inside ONE transaction
    with executemany (no journal: the file is new and, when it replaces a served
    build, lives in a staging directory until the whole set is complete)."""
    spec = load_resources()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, out.with_name(out.name + "-journal"), out.with_name(out.name + "-wal")):
        stale.unlink(missing_ok=True)
    db = sqlite_utils.Database(out)
    conn = db.conn
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    for name in creation_order(spec["resources"]):
        res = spec["resources"][name]
        fields = res["fields"]
        names = [f["name"] for f in fields]
        coltypes: dict[str, type] = {}
        text_copies = []
        for f in fields:
            coltypes[f["name"]] = {"integer": int, "year": int, "number": float, "boolean": int}.get(f["type"], str)
        for f in fields:
            if f["type"] == "number" and f"{f['name']}_text" not in names:
                coltypes[f"{f['name']}_text"] = str
                text_copies.append(f["name"])
        fks = [(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
               for fk in res.get("foreignKeys", [])]
        db.table(name).create(coltypes, pk=res["primaryKey"] if len(res["primaryKey"]) > 1 else res["primaryKey"][0],
                        foreign_keys=fks)
        all_cols = names + [f"{n}_text" for n in text_copies]
        sql = (f'INSERT INTO "{name}" ({", ".join(chr(34) + c + chr(34) for c in all_cols)}) '
               f'VALUES ({", ".join("?" for _ in all_cols)})')
        conn.executemany(sql, _rows(data_dir / f"{name}.csv", fields, text_copies))
        for fk in fks:
            db.table(name).create_index([fk[0]], if_not_exists=True)
    conn.execute("COMMIT")
    create_indexes(db)
    build_derived(db)
    build_search_indexes(db)
    for view_name, sql in VIEWS.items():
        db.create_view(view_name, sql)
    db.vacuum()
    db.close()
    os.chmod(out, FILE_MODE)
    return out
