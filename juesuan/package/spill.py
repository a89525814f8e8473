"""Disk-backed holding places for a build that streams documents.

Why: the rules of one document read the facts of its body's other years, which
may come later in doc_id order, so the build extracts every document first and
checks them in a second pass. Holding every document's facts in memory between
the passes grows with the corpus (~0.4 MB per document); a spill file holds
them on disk and memory keeps one offset per document. `Spool` keeps rows that
must be written after the whole pass (a table ordered by something other than
the document) in the same way.

Both are anonymous temporary files (unlinked at creation) beside the outputs:
a build killed with -9 leaves nothing behind, and their size is bounded by
the disk holding the outputs, not by /tmp.
"""
from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from juesuan.model import Fact


class FactSpill:
    """doc_id → that document's facts, written once, read back any number of times."""

    def __init__(self, where: Path) -> None:
        self._fh: IO[bytes] = tempfile.TemporaryFile(dir=where)
        self._at: dict[str, tuple[int, int]] = {}
        self._end = 0

    def put(self, doc_id: str, facts: list[Fact]) -> None:
        data = pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
        self._fh.seek(self._end)
        self._fh.write(data)
        self._at[doc_id] = (self._end, len(data))
        self._end += len(data)

    def get(self, doc_id: str) -> list[Fact]:
        start, size = self._at[doc_id]
        self._fh.seek(start)
        facts: list[Fact] = pickle.loads(self._fh.read(size))
        return facts

    def close(self) -> None:
        self._fh.close()


class Spool:
    """Rows appended during a pass and replayed, in the order they came, after it."""

    def __init__(self, where: Path) -> None:
        self._fh: IO[bytes] = tempfile.TemporaryFile(dir=where)
        self._pickler = pickle.Pickler(self._fh, protocol=pickle.HIGHEST_PROTOCOL)

    def extend(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._pickler.dump(rows)
            self._pickler.clear_memo()   # each batch stands alone: the memo would keep every row alive

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._fh.flush()
        self._fh.seek(0)
        while True:
            try:
                batch: list[dict[str, Any]] = pickle.load(self._fh)
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        self._fh.close()
