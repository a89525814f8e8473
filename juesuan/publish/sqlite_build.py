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

from juesuan.csvio import read_csv
from juesuan.package.build import load_resources
from juesuan.paths import BUILD, DATA
from juesuan.publish.views import VIEWS


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
        db.table("facts").create_index(["metric", "measure"], if_not_exists=True)
        db.table("facts").create_index(["doc_id", "value_start"], if_not_exists=True)
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
