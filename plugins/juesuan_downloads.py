"""The downloads (`make dist` → build/dist/): listed on the home page and served
by `/-/download/<path>` only if manifest.json lists them, each with its real
content type and as an attachment (a DuckDB file is not text/plain)."""
from __future__ import annotations

import json
import mimetypes
import os
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

ROOT = Path(__file__).resolve().parent.parent
# what each download is, so a browser saves it instead of showing it as text
CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".zip": "application/zip",
    ".parquet": "application/vnd.apache.parquet",
    ".duckdb": "application/octet-stream",
}


def _dist() -> Path:
    """The downloads directory (`make dist`); JUESUAN_DIST points a test at its own build."""
    return Path(os.environ.get("JUESUAN_DIST", ROOT / "build" / "dist"))


def _download_groups(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The per-table downloads side by side (CSV, CSV for Excel, Parquet), one row a table."""
    groups: dict[str, dict[str, Any]] = {}
    for f in files:
        folder, _, name = f["path"].rpartition("/")
        if not folder:
            continue
        stem = name.rsplit(".", 1)[0]
        group = groups.setdefault(stem, {"name": stem, "title": f["title"].split(": ", 1)[-1], "files": {}})
        group["files"][folder] = f
    return list(groups.values())


def _manifest() -> list[dict[str, Any]]:
    manifest = _dist() / "manifest.json"
    if not manifest.exists():
        return []
    return json.loads(manifest.read_text(encoding="utf-8"))["files"]


async def download(request, datasette):
    """A published file, only if the manifest lists it, with its real content type."""
    path = request.url_vars["path"]
    if path not in {f["path"] for f in _manifest()}:
        raise NotFound("No such download")
    target = _dist() / path
    suffix = target.suffix.lower()
    content_type = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    # the Excel variant is saved under its own name, beside the standard file
    filename = f"{target.stem}.excel{target.suffix}" if path.startswith("csv-excel/") else target.name
    return Response(target.read_bytes(), content_type=content_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@hookimpl
def register_routes():
    return [(r"^/-/download/(?P<path>[a-z0-9_-]+(?:/[a-z0-9_.-]+)?\.[a-z]+)$", download)]


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}
    files = _manifest()
    return {"downloads": files, "download_url": datasette.urls.path("/-/download/"),
            "whole_downloads": [f for f in files if "/" not in f["path"]],
            "table_downloads": _download_groups(files)}
