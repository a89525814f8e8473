"""Reading and writing CSV: strict on input, byte-stable and atomic on output.

Input errors point at the PHYSICAL line of the file (where an editor puts the
cursor), not at the CSV record number: a quoted field may span lines, and an
unbalanced quote swallows everything after it, so the line that matters is
the one where the broken record starts.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from juesuan.errors import JuesuanError

FILE_MODE = 0o644
DIR_MODE = 0o755


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise JuesuanError("file not found", path) from exc
    except IsADirectoryError as exc:
        raise JuesuanError("is a directory, not a CSV file", path) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise JuesuanError(f"not UTF-8 text (byte {exc.start})", path, line) from exc


def iter_records(path: Path, text: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(physical start line, fields) for every non-blank record, header included.

    The file is read as it is parsed, not decoded whole first: facts.csv of 10,000
    documents is ~270 MB, which as one string (and a StringIO copy) took > 1 GB.
    A file that is not UTF-8 is decoded whole only then, to name the byte and line."""
    if text is not None:
        yield from _records(path, io.StringIO(text, newline=""))
        return
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError as exc:
        raise JuesuanError("file not found", path) from exc
    except IsADirectoryError as exc:
        raise JuesuanError("is a directory, not a CSV file", path) from exc
    with fh:
        try:
            yield from _records(path, fh)
        except UnicodeDecodeError:
            _decode(path)   # raises the error with its byte and line
            raise


def _records(path: Path, source: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """A csv.Error is reported at the line where the failing record STARTS, which
    is where an unbalanced quote was typed (the parser only notices it lines later)."""
    reader = csv.reader(source, strict=True)
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            spans = reader.line_num - start
            hint = (f"; the quoted field that starts here is not closed (the parser read {spans + 1} lines "
                    "looking for its closing quote)") if spans > 0 or "end of data" in str(exc) else ""
            raise JuesuanError(f"malformed CSV: {exc}{hint}", path, start) from exc
        line = start
        start = reader.line_num + 1
        if not values or values == [""]:
            continue
        yield line, values


def iter_csv(path: Path, required: Sequence[str], text: str | None = None) -> Iterator[dict[str, str]]:
    """Rows of a UTF-8 CSV as dicts with `_line` (the physical line the row starts on);
    every required column present, every row as wide as the header."""
    records = iter_records(path, text)
    first = next(records, None)
    if first is None:
        raise JuesuanError("empty CSV (no header)", path, 1)
    _, header = first
    missing = [c for c in required if c not in header]
    if missing:
        raise JuesuanError(f"missing column(s): {', '.join(missing)}", path, 1)
    for line, values in records:
        if len(values) != len(header):
            raise JuesuanError(f"row has {len(values)} fields, the header has {len(header)}", path, line)
        row = dict(zip(header, values, strict=True))
        row["_line"] = str(line)
        yield row


def read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    """All rows of `iter_csv` (small inputs: the curated tables)."""
    return list(iter_csv(path, required))


class CsvSink:
    """Streams rows to a CSV file and hashes the bytes on the way, so a large
    table never has to exist in memory as one string."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path, self.columns = path, list(columns)
        self.sha256 = hashlib.sha256()
        self.bytes = 0
        self._fh: IO[bytes] = open(path, "wb")
        self._buf = io.StringIO(newline="")
        self._writer = csv.writer(self._buf, lineterminator="\n")
        self._put(self.columns)

    def _put(self, values: Sequence[object]) -> None:
        self._writer.writerow(values)
        data = self._buf.getvalue().encode("utf-8")
        self._buf.seek(0)
        self._buf.truncate()
        self.sha256.update(data)
        self.bytes += len(data)
        self._fh.write(data)

    def write(self, row: dict[str, object]) -> None:
        self._put(["" if row.get(c) is None else row.get(c) for c in self.columns])

    def close(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.chmod(self.path, FILE_MODE)


def write_file(path: Path, data: bytes) -> None:
    """Write and fsync a new file with the normal mode (not mkstemp's 0600)."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, FILE_MODE)


def atomic_write(path: Path, data: bytes) -> None:
    """Write next to the target and rename over it: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".juesuan-{os.getpid()}-{path.name}")
    try:
        write_file(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise


def replace_dir(new: Path, target: Path) -> None:
    """Move a fully built directory into place, keeping the old one until the new one is there."""
    os.chmod(new, DIR_MODE)
    if target.exists():
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
