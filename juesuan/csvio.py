"""Reading and writing CSV: strict on input, byte-stable and atomic on output."""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from juesuan.errors import JuesuanError


def read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV; every required column present, every row as wide as
    the header. Errors name the file and the line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise JuesuanError("file not found", path) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise JuesuanError("not UTF-8 text", path, line) from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise JuesuanError("empty CSV (no header)", path, 1) from exc
    except csv.Error as exc:
        raise JuesuanError(f"malformed CSV: {exc}", path, 1) from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise JuesuanError(f"missing column(s): {', '.join(missing)}", path, 1)
    rows = []
    try:
        for values in reader:
            if not values or values == [""]:
                continue
            if len(values) != len(header):
                raise JuesuanError(
                    f"row has {len(values)} fields, the header has {len(header)}", path, reader.line_num
                )
            row = dict(zip(header, values, strict=True))
            row["_line"] = str(reader.line_num)
            rows.append(row)
    except csv.Error as exc:
        raise JuesuanError(f"malformed CSV: {exc}", path, reader.line_num) from exc
    return rows


def csv_bytes(columns: Sequence[str], rows: Iterable[dict[str, object]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buf.getvalue().encode("utf-8")


def atomic_write(path: Path, data: bytes) -> None:
    """Write next to the target and rename over it: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def replace_dir(new: Path, target: Path) -> None:
    """Move a fully built directory into place, keeping the old one until the new one is there."""
    if target.exists():
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
