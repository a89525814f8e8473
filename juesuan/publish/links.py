"""The site's own URLs, in one place, so every page links to the same addresses.

Ids with ':' or '/' (fact and finding ids) are tilde-encoded as Datasette
encodes row ids; document ids are plain slugs.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from datasette.utils import tilde_encode

DB = "juesuan"


def fact_url(datasette: Any, fact_id: str) -> str:
    """The provenance page of one figure."""
    return str(datasette.urls.path(f"/-/provenance/{tilde_encode(fact_id)}"))


def finding_url(datasette: Any, finding_id: str) -> str:
    """The page of one check or finding, both sentences shown."""
    return str(datasette.urls.path(f"/-/finding/{tilde_encode(finding_id)}"))


def source_url(datasette: Any, doc_id: str, line: int | None = None) -> str:
    """The source reader, at a line if given."""
    return str(datasette.urls.path(f"/-/source/{quote(str(doc_id), safe='')}")) + (f"#L{line}" if line else "")


def figures_url(datasette: Any, doc_id: str) -> str:
    """Every figure of one document (a ready-made question)."""
    return str(datasette.urls.path(f"/{DB}/figures_of_document?doc_id={quote(str(doc_id), safe='')}"))
