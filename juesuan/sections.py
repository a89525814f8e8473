"""The heading path ("section") at any point of a document.

Why a foundation module: every fact carries the path of headings above it
(`第一部分部门概况/二、机构设置`). The extractor builds it while it walks the
sentences top to bottom; a curated fact is entered by offset, outside that walk,
and so got no section at all. Both need the same rule, so it lives here, below
the extractor and the package build:

- a heading closes every open heading of the same or a deeper rank (a `二、`
  closes the `一、` before it and the `（三）` under that), then opens;
- the path at an offset is the open headings, outermost first; a heading's own
  line is inside its section.

Which lines are headings, and their ranks, is the genre's knowledge (the
lexicon's heading markers, applied by extract.text.headings_and_lines): this
module only takes (start, text, rank) triples.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

#: how a path is written in the `section` column of facts.csv
SEPARATOR = "/"


class HeadingStack:
    """The open headings while a document is read top to bottom."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []      # (rank, text), outermost first

    def enter(self, text: str, rank: int) -> tuple[str, ...]:
        """A heading of `rank` (1 outermost) starts here: the path from it on."""
        while self._open and self._open[-1][0] >= rank:
            self._open.pop()
        self._open.append((rank, text))
        return self.path

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._open)


class SectionIndex:
    """The heading path at any offset of one text, in O(log n) per lookup (one walk
    over the headings when built, then a bisection per fact)."""

    __slots__ = ("_paths", "_starts")

    def __init__(self, headings: Iterable[tuple[int, str, int]]) -> None:
        """`headings`: (start offset, text, rank) of every heading, in document order."""
        stack = HeadingStack()
        self._starts: list[int] = []
        self._paths: list[tuple[str, ...]] = []
        for start, text, rank in headings:
            if self._starts and start < self._starts[-1]:
                raise ValueError(f"headings out of document order: {start} after {self._starts[-1]}")
            self._starts.append(start)
            self._paths.append(stack.enter(text, rank))

    def at(self, offset: int) -> tuple[str, ...]:
        """The path of headings open at `offset` (() before the first heading)."""
        i = bisect_right(self._starts, offset)
        return self._paths[i - 1] if i else ()

    def section_at(self, offset: int) -> str:
        """The path as the `section` column writes it."""
        return SEPARATOR.join(self.at(offset))
