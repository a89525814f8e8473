"""Datasette metadata: metadata.yml (site, queries, facets) plus the titles and
column descriptions of the package, so they are written once (resources.yml)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from juesuan.csvio import atomic_write
from juesuan.package.inputs import load_checked_yaml
from juesuan.paths import BUILD, METADATA_YML
from juesuan.schema import load_resources


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
    for query in db.get("queries", {}).values():
        query.setdefault("hide_sql", True)  # a reader sees the answer first; "show" reveals the SQL
    _without_missing_severity(meta, {f["name"] for f in spec["resources"].get("findings", {}).get("fields", [])})
    return meta


def _without_missing_severity(meta: dict[str, Any], finding_fields: set[str]) -> None:
    """A package whose findings have no `severity` column still gets a findings chart:
    every finding counts as one kind ('finding') instead of the query failing."""
    if "severity" in finding_fields:
        return
    dashboards = meta.get("plugins", {}).get("datasette-dashboards", {})
    for dashboard in dashboards.values():
        for chart in dashboard.get("charts", {}).values():
            if "f.severity" in chart.get("query", ""):
                chart["query"] = chart["query"].replace("f.severity", "'finding'")
                color = chart.get("display", {}).get("encoding", {}).get("color", {})
                color.pop("scale", None)


def write_metadata(out: Path = BUILD / "metadata.json") -> Path:
    atomic_write(out, json.dumps(merged_metadata(), ensure_ascii=False, indent=2).encode("utf-8"))
    return out
