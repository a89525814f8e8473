"""Line numbers for character offsets, in O(log n) per lookup.

Why: every fact carries the line its figure is on. Counting newlines from the
start of the text for each fact (`text.count("\\n", 0, offset)`) costs O(size)
per fact, so a large document with many facts takes time quadratic in its
size (85 % of the CLI's time on an 8 MB file). An index of line starts, built
once per text in one C-speed pass, answers each lookup with a bisection.
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate


class LineIndex:
    """The start offset of every line of one text; lines are numbered from 1
    and separated by "\\n" only (the same convention as `source_text`)."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        # line k (1-based) starts at starts[k-1]: 0, then one past each "\n"
        self.starts: list[int] = [0, *accumulate(len(line) + 1 for line in text.split("\n")[:-1])]

    def line_of(self, offset: int) -> int:
        """The 1-based line that holds the character at `offset`."""
        return bisect_right(self.starts, offset)

    def __len__(self) -> int:
        return len(self.starts)


def line_of(text: str, offset: int) -> int:
    """One lookup without an index: fine once, quadratic if called per fact."""
    return text.count("\n", 0, offset) + 1
