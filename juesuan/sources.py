"""The raw inputs: data/sources/sources.csv and the files it lists.

The build refuses to run on a source whose bytes no longer match the hash
recorded for it: a silently edited source would change every offset.

Decoding is strict UTF-8 (a byte-order mark is accepted and dropped; CRLF line
ends are kept, so offsets still count the file's own characters). Anything
else is refused with a message that NAMES what the file looks like (UTF-16,
GB18030, a truncated UTF-8 file, binary), because "not UTF-8" alone sends a
maintainer guessing. Devices, FIFOs and files over a size bound are refused
before a byte is read: `/dev/zero` would otherwise fill memory and a FIFO
would block forever.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from juesuan.csvio import read_csv
from juesuan.errors import JuesuanError
from juesuan.paths import SOURCES, SOURCES_CSV

COLUMNS = (
    "doc_id", "file", "original_name", "sha256", "bytes", "entity_id", "entity_name_stated",
    "fiscal_year", "doc_kind", "sections", "report_date", "note",
)

#: Largest source accepted (bytes); a county's final accounts are tens of KB.
MAX_BYTES = int(os.environ.get("JUESUAN_MAX_SOURCE_BYTES", str(64 * 1024 * 1024)))

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)
# the genre is Chinese: among the encodings a detector finds plausible, these are the real candidates
_CHINESE = {"gb18030": "GB18030", "gbk": "GB18030", "gb2312": "GB18030", "hz": "GB18030",
            "big5": "BIG5", "big5hkscs": "BIG5", "cp950": "BIG5"}


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, refusing what is not a regular file of sane size."""
    limit = MAX_BYTES if limit is None else limit
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise JuesuanError("file not found", path) from exc
    except OSError as exc:
        raise JuesuanError(f"cannot read: {exc.strerror}", path) from exc
    if stat.S_ISDIR(st.st_mode):
        raise JuesuanError("is a directory, not a text file", path)
    if stat.S_ISFIFO(st.st_mode):
        raise JuesuanError("is a FIFO (named pipe), not a regular file; save the text to a file first", path)
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        raise JuesuanError("is a device, not a regular file", path)
    if not stat.S_ISREG(st.st_mode):
        raise JuesuanError("is not a regular file", path)
    if st.st_size > limit:
        raise JuesuanError(f"file is {st.st_size} bytes, over the {limit}-byte bound for one document "
                           "(set JUESUAN_MAX_SOURCE_BYTES to raise it)", path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)   # a file that grows while read is still bounded
    except OSError as exc:
        raise JuesuanError(f"cannot read: {exc.strerror}", path) from exc
    if len(raw) > limit:
        raise JuesuanError(f"file is over the {limit}-byte bound for one document", path)
    return raw


def guess_encoding(raw: bytes) -> str | None:
    """A human name for the encoding the bytes look like, or None (binary/unknown)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw[:65536]))
    names = [m.encoding for m in matches]
    if names and names[0].startswith(("utf_16", "utf_32")):
        parts = names[0].split("_")
        return "UTF-" + "".join(parts[1:]).upper()
    for n in names:
        if n in _CHINESE:
            return _CHINESE[n]
    return names[0].upper().replace("_", "-") if names else None


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 text (BOM dropped), or an error naming the encoding the bytes look like."""
    if not raw.strip():
        raise JuesuanError("empty file: nothing to read", path)
    for bom, bom_name in _BOMS:
        if raw.startswith(bom):
            raise JuesuanError(f"{bom_name} text (byte-order mark); convert it, e.g. iconv -f {bom_name} -t UTF-8", path)
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if exc.reason == "unexpected end of data" and exc.end >= len(raw):
            raise JuesuanError(f"the file ends inside a UTF-8 character (byte {exc.start}): it was cut short; "
                               "get the complete file", path, line) from exc
        guess = guess_encoding(raw)
        if guess is None:
            raise JuesuanError(f"binary or unknown encoding (byte {exc.start} is not UTF-8); "
                               "convert the document to UTF-8 text first", path, line) from exc
        raise JuesuanError(f"not UTF-8 text (byte {exc.start}); it looks like {guess}; convert it, "
                           f"e.g. iconv -f {guess} -t UTF-8", path, line) from exc
    if "\x00" in text:
        wide = guess_encoding(raw)
        if wide and wide.startswith(("UTF-16", "UTF-32")):
            raise JuesuanError(f"{wide} text without a byte-order mark; convert it, e.g. iconv -f {wide} -t UTF-8", path)
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise JuesuanError("binary file (contains NUL bytes); convert the document to plain text first", path, line)
    return text


def read_text(path: Path) -> str:
    """A source's text, or an error that says what is wrong with the file."""
    return decode(read_bytes(path), path)


@dataclass
class Source:
    """One listed document. `text` is read on demand when the source was loaded
    lazily, so a build over many documents holds one text at a time."""

    row: dict[str, str]
    path: Path
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is not None:
            return self._text
        raw = read_bytes(self.path)
        if hashlib.sha256(raw).hexdigest() != self.row["sha256"]:   # changed since load_sources checked it
            raise JuesuanError("changed while the build was reading it (hash differs from sources.csv)", self.path)
        return decode(raw, self.path)

    @property
    def doc_id(self) -> str:
        return self.row["doc_id"]

    @property
    def fiscal_year(self) -> int:
        return int(self.row["fiscal_year"])


class SourceTexts(Mapping[str, str]):
    """doc_id → text of the listed sources, each read when it is asked for.

    Why a Mapping over lazy sources rather than a dict of texts: the curated checks look
    texts up by doc_id, and a build over thousands of documents must not hold them all.

    Why exactly one cached text: the curated tables list their rows document by document,
    so consecutive lookups are nearly always of the same document; keeping the last text
    answers them without re-reading and re-hashing the file, and never holds more than one
    text. A lookup out of that order costs one re-read (hash checked again), never a wrong
    text. A larger cache would hide nothing the curated tables need and hold more memory."""

    def __init__(self, sources: list[Source]) -> None:
        self._by_id = {s.doc_id: s for s in sources}
        self._last: tuple[str, str] | None = None

    def __getitem__(self, doc_id: str) -> str:
        if self._last is None or self._last[0] != doc_id:
            self._last = (doc_id, self._by_id[doc_id].text)
        return self._last[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)


def load_sources(csv_path: Path = SOURCES_CSV, root: Path = SOURCES, lazy: bool = False) -> list[Source]:
    """Every listed source, checked against its recorded hash and size and decoded
    once (so a bad file stops the build before anything is written)."""
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
        if "/" in row["file"] or row["file"].startswith("."):
            raise JuesuanError(f"file '{row['file']}' must be a plain file name in {root}", csv_path, line)
        if not path.exists():
            raise JuesuanError(f"source file {row['file']} listed for '{doc_id}' does not exist", csv_path, line)
        raw = read_bytes(path)
        digest = hashlib.sha256(raw).hexdigest()
        if digest != row["sha256"]:
            raise JuesuanError(
                f"hash mismatch for {row['file']}: recorded {row['sha256'][:12]}…, file has {digest[:12]}… "
                "(a source must stay byte-identical; add a changed document under a new doc_id)",
                csv_path, line,
            )
        if str(len(raw)) != row["bytes"]:
            raise JuesuanError(f"size mismatch for {row['file']}: recorded {row['bytes']}, file has {len(raw)}", csv_path, line)
        text = decode(raw, path)
        out.append(Source(row, path, None if lazy else text))
    return out
