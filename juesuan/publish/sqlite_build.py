"""The SQLite database Datasette serves, built from the package.

SQLite has no decimal type, so a number column is stored as REAL for sorting
and charting and its printed digits are kept beside it as `<name>_text`;
the DuckDB build holds the typed DECIMAL truth.

Full-text search: FTS5's trigram tokenizer indexes every 3-character run,
which suits Chinese (no word segmentation needed) but cannot match a term
shorter than three characters. Two-character terms (医保, 三公) are found by
the canned query `search_sentences`, which falls back to LIKE on the
source lines for such terms; the corpus is small enough for a scan.
"""
from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import sqlite_utils
import yaml

from juesuan.csvio import read_csv
from juesuan.package.build import load_resources
from juesuan.paths import BUILD, DATA, METADATA_YML
from juesuan.publish.views import VIEWS

INDEXES_YML = Path(__file__).with_name("indexes.yml")


def _convert(field: dict, value: str) -> object:
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


def creation_order(resources: dict) -> list[str]:
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


def build_sqlite(data_dir: Path = DATA, out: Path = BUILD / "juesuan.db") -> Path:
    spec = load_resources()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".juesuan-", suffix=".db", dir=out.parent)
    os.close(fd)
    os.unlink(tmp_name)
    tmp = Path(tmp_name)
    try:
        db = sqlite_utils.Database(tmp)
        for name in creation_order(spec["resources"]):
            res = spec["resources"][name]
            fields = res["fields"]
            names = [f["name"] for f in fields]
            coltypes: dict[str, type] = {}
            for f in fields:
                coltypes[f["name"]] = {"integer": int, "year": int, "number": float, "boolean": int}.get(f["type"], str)
                if f["type"] == "number" and f"{f['name']}_text" not in names:
                    coltypes[f"{f['name']}_text"] = str
            rows = []
            for raw in read_csv(data_dir / f"{name}.csv", names):
                row = {f["name"]: _convert(f, raw[f["name"]]) for f in fields}
                for f in fields:
                    if f["type"] == "number" and f"{f['name']}_text" not in names:
                        row[f"{f['name']}_text"] = raw[f["name"]] or None
                rows.append(row)
            fks = [(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
                   for fk in res.get("foreignKeys", [])]
            db.table(name).create(coltypes, pk=res["primaryKey"] if len(res["primaryKey"]) > 1 else res["primaryKey"][0],
                            foreign_keys=fks)
            db.table(name).insert_all(rows)
            for fk in fks:
                db.table(name).create_index([fk[0]], if_not_exists=True)
        create_indexes(db)
        db.table("source_text").enable_fts(["text"], tokenize="trigram", create_triggers=False)
        db.table("facts").enable_fts(["quote"], tokenize="trigram", create_triggers=False)
        for view_name, sql in VIEWS.items():
            db.create_view(view_name, sql)
        db.vacuum()
        db.close()
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
