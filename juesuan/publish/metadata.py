"""Datasette metadata: metadata.yml (site, queries, facets) plus the titles and
column descriptions of the package, so they are written once (resources.yml)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from juesuan.csvio import atomic_write
from juesuan.package.build import load_resources
from juesuan.package.inputs import load_checked_yaml
from juesuan.paths import BUILD, METADATA_YML


def merged_metadata(path: Path = METADATA_YML) -> dict[str, Any]:
    meta = load_checked_yaml(path)
    spec = load_resources()
    db = meta.setdefault("databases", {}).setdefault("juesuan", {})
    tables = db.setdefault("tables", {})
    for name, res in spec["resources"].items():
        t = tables.setdefault(name, {})
        t.setdefault("title", res["title"])
        t.setdefault("description", res["description"])
        cols = t.setdefault("columns", {})
        for f in res["fields"]:
            cols.setdefault(f["name"], f"{f['title']}: {f['description']}")
            if f["type"] == "number":
                cols.setdefault(f"{f['name']}_text", f"{f['title']}（原文数字 / as printed）")
    return meta


def write_metadata(out: Path = BUILD / "metadata.json") -> Path:
    atomic_write(out, json.dumps(merged_metadata(), ensure_ascii=False, indent=2).encode("utf-8"))
    return out
