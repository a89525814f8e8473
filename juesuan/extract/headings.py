"""The path of functional headings (类/款/项) a sentence names, and how a
fact is placed on it: the code printed, or the one the classification gives."""
from __future__ import annotations

from typing import Any

from juesuan.classification import LEVELS


def place(f: Any, fn: dict[str, str]) -> None:
    """Put a fact on its heading: the printed code, else the classification's (flagged)."""
    f.function_name, f.function_level, f.function_path = fn["name"], fn["level"], fn["path"]
    f.function_code = fn["code"] or fn["mapped_code"]
    if not fn["code"] and fn["mapped_code"]:
        f.flags.append("code_from_classification")


def descend(path: dict, level: str, name: str, code: str) -> dict:
    """The heading path after naming a heading of `level`: deeper levels drop."""
    keep = LEVELS[: LEVELS.index(level)]
    new = {k: v for k, v in path.items() if k in keep}
    new[level] = (name, code, "")
    return new


def parent_code(path: dict, level: str) -> str:
    """The code of the heading one level up, printed or placed, if any."""
    i = LEVELS.index(level)
    if i == 0 or LEVELS[i - 1] not in path:
        return ""
    entry = path[LEVELS[i - 1]]
    return entry[1] or (entry[2] if len(entry) > 2 else "")


def heading_of(path: dict, level: str, mapped_code: str = "") -> dict[str, str]:
    """The heading of `level` on the path, with its code and the path written out."""
    name, code = path[level][0], path[level][1]
    return {
        "name": name,
        "code": code,
        "mapped_code": mapped_code,
        "level": level,
        "path": "/".join(f"{path[k][0]}({k})" for k in LEVELS if k in path),
    }
