"""The raw inputs: data/sources/sources.csv and the files it lists.

The build refuses to run on a source whose bytes no longer match the hash
recorded for it: a silently edited source would change every offset.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from juesuan.csvio import read_csv
from juesuan.errors import JuesuanError
from juesuan.paths import SOURCES, SOURCES_CSV

COLUMNS = (
    "doc_id", "file", "original_name", "sha256", "bytes", "entity_id", "entity_name_stated",
    "fiscal_year", "doc_kind", "sections", "report_date", "note",
)


@dataclass
class Source:
    row: dict[str, str]
    path: Path
    text: str

    @property
    def doc_id(self) -> str:
        return self.row["doc_id"]

    @property
    def fiscal_year(self) -> int:
        return int(self.row["fiscal_year"])


def read_text(path: Path) -> str:
    """A source's text, or an error that says what is wrong with the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise JuesuanError("file not found", path) from exc
    except IsADirectoryError as exc:
        raise JuesuanError("is a directory, not a text file", path) from exc
    if not raw.strip():
        raise JuesuanError("empty file: nothing to read", path)
    if b"\x00" in raw[:8192]:
        raise JuesuanError("binary file (contains NUL bytes); convert the document to plain text first", path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = _guess_encoding(raw)
        raise JuesuanError(
            f"not UTF-8 text (byte {exc.start}){hint}; convert it, e.g. iconv -f {hint_name(raw)} -t UTF-8",
            path, line,
        ) from exc


def hint_name(raw: bytes) -> str:
    for enc in ("gb18030", "big5", "utf-16"):
        try:
            raw.decode(enc)
            return enc.upper()
        except UnicodeDecodeError:
            continue
    return "ENCODING"


def _guess_encoding(raw: bytes) -> str:
    name = hint_name(raw)
    return "" if name == "ENCODING" else f"; it looks like {name}"


def load_sources(csv_path: Path = SOURCES_CSV, root: Path = SOURCES) -> list[Source]:
    rows = read_csv(csv_path, COLUMNS)
    seen: set[str] = set()
    out = []
    for row in rows:
        line = int(row["_line"])
        doc_id = row["doc_id"]
        if doc_id in seen:
            raise JuesuanError(f"duplicate doc_id '{doc_id}'", csv_path, line)
        seen.add(doc_id)
        if not row["fiscal_year"].isdigit():
            raise JuesuanError(f"fiscal_year '{row['fiscal_year']}' is not a year", csv_path, line)
        path = root / row["file"]
        if not path.exists():
            raise JuesuanError(f"source file {row['file']} listed for '{doc_id}' does not exist", csv_path, line)
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != row["sha256"]:
            raise JuesuanError(
                f"hash mismatch for {row['file']}: recorded {row['sha256'][:12]}…, file has {digest[:12]}… "
                "(a source must stay byte-identical; add a changed document under a new doc_id)",
                csv_path, line,
            )
        if str(len(raw)) != row["bytes"]:
            raise JuesuanError(f"size mismatch for {row['file']}: recorded {row['bytes']}, file has {len(raw)}", csv_path, line)
        out.append(Source(row, path, read_text(path)))
    return out
