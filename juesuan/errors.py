"""One error type that names the file (and line) it is about."""
from __future__ import annotations

from pathlib import Path


class JuesuanError(Exception):
    """An input problem a maintainer can fix: printed as `file:line: message`."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        self.message, self.path, self.line = message, path, line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)
