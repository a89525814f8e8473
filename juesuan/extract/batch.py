"""Extract many text files in one process or a process pool, streaming rows.

Why a module of its own: `juesuan extract` is the tool a maintainer points at a
folder of new documents (hundreds to the national ~10^6). Starting Python once
per file costs more than extracting a typical file, and holding every text and
fact in memory does not scale; so files are read one at a time (in workers
when `jobs > 1`), each file's facts are turned into plain rows there, and the
caller writes them out as they arrive, in input order. A file that cannot be
read does not stop the others: it is reported with its name and counted.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

from juesuan.errors import JuesuanError
from juesuan.extract.facts import extract
from juesuan.extract.lexicon import default_lexicon
from juesuan.lines import LineIndex
from juesuan.sources import read_text

COLUMNS = (
    "metric", "measure", "value", "unit", "value_wan", "decimals", "function_code", "function_name",
    "base_metric", "compared_year", "char_start", "char_end", "line", "quote", "flags", "doc_id",
)
Row = tuple[object, ...]


@dataclass(frozen=True)
class Job:
    """One file to read; `doc_id` defaults to the file name without suffix."""
    path: Path
    doc_id: str
    year: int | None


@dataclass
class Result:
    """What a worker sends back: rows in COLUMNS order, or the error message."""
    path: Path
    rows: list[Row]
    error: str | None = None


def _dec(d: Decimal | None) -> str:
    return "" if d is None else format(d, "f")


def extract_file(job: Job) -> Result:
    """Read and extract one file; input errors come back as a message, not raised,
    so one bad file in a pool does not cancel the batch."""
    try:
        text = read_text(job.path)
    except JuesuanError as exc:
        return Result(job.path, [], str(exc))
    lines = LineIndex(text)
    rows: list[Row] = [
        (f.metric, f.measure, _dec(f.value), f.unit, _dec(f.value_wan), f.decimals, f.function_code,
         f.function_name, f.base_metric, f.compared_year or "", f.char_start, f.char_end,
         lines.line_of(f.value_start), f.quote, ";".join(f.flags), f.doc_id)
        for f in extract(text, job.doc_id, default_lexicon(), job.year)
    ]
    return Result(job.path, rows)


def expand(paths: Iterable[str | Path], suffix: str = ".txt") -> list[Path]:
    """Files as given, plus every `*.txt` under each directory (sorted, recursive).

    A named file is kept whatever its suffix (the user chose it); a directory
    without any text file is an error rather than a silent empty result."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.rglob(f"*{suffix}") if q.is_file())
            if not found:
                raise JuesuanError(f"no {suffix} files in this directory", p)
            out.extend(found)
        else:
            out.append(p)  # a missing file is reported by the worker, with the others still read
    return out


def run(jobs: list[Job], workers: int = 1) -> Iterator[Result]:
    """Results in the order of `jobs`; with `workers > 1` a process pool reads
    files in chunks (several files per round trip keeps the pickling overhead
    small against the extraction itself)."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield extract_file(job)
        return
    chunk = max(1, min(32, len(jobs) // (workers * 8)))
    # fork is cheapest where available (the lexicon is already loaded in the parent)
    ctx = get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(workers, initializer=default_lexicon) as pool:
        yield from pool.imap(extract_file, jobs, chunksize=chunk)
