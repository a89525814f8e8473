"""The hand-curated tables: performance indicators, self-evaluation score sheets,
and the functional classification; plus line_items derived from facts.

Curation is checked against the source: every number a curated row gives
must be printed in the source document where the row says it is, so a typo
in curation stops the build with the file and line of the bad row.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from juesuan.classification import LEVEL_DIGITS
from juesuan.csvio import read_csv
from juesuan.errors import JuesuanError
from juesuan.figures import MINUS, printed
from juesuan.paths import CURATED

INDICATORS_CSV = CURATED / "performance_indicators.csv"
SCORES_CSV = CURATED / "score_items.csv"
TOTALS_CSV = CURATED / "score_totals.csv"

INDICATOR_COLUMNS = ("doc_id", "row", "level1", "level2", "level3", "target_text", "actual_text",
                     "target_line", "actual_line", "metric", "note")
SCORE_COLUMNS = ("doc_id", "item", "level1", "level1_max", "level2", "level2_max", "level3", "level3_max",
                 "points_given", "line", "note")
TOTAL_COLUMNS = ("doc_id", "total_stated", "line", "note")

SIGNED_NUMBER = re.compile(rf"(?<![\d.])[{MINUS}]?\d+(?:\.\d+)?(?![\d])(?!\.\d)")


def printed_sign_error(text: str, start: int, end: int, value: str, decrease: tuple[str, ...] = ()) -> str:
    """Why the value is not what text[start:end] prints (digits AND sign), or ''.

    A negative value is printed either with a minus sign or, for a change, as a bare number right
    after a decrease word (`decrease`, e.g. 减少 36680.54): the genre writes falls in words."""
    span = printed(text[start:end])
    before = text[max(0, start - 3):start].rstrip()
    worded = text[max(0, start - 12):start].rstrip()
    negative_printed = span[:1] in MINUS or (span[:1].isdigit() and (
        before[-1:] in MINUS or any(worded.endswith(w) for w in decrease)))
    digits = span.lstrip(MINUS)
    if digits != value.lstrip("-"):
        return f"the source prints {text[start:end]!r}"
    if value.startswith("-") != negative_printed:
        return (f"the sign differs: the source prints {text[max(0, start - 1):end]!r} "
                f"({'negative' if negative_printed else 'no minus sign'})")
    return ""


def known_units(lex: Any) -> set[str]:
    """Every unit the lexicon knows (money, percent, counts)."""
    out = set(getattr(lex, "money_units", {}))
    out |= set(getattr(lex, "percent_units", ())) | set(getattr(lex, "count_units_all", ()))
    return out


def unit_error(text: str, start: int, end: int, value_end: int, unit: str, units: set[str]) -> str:
    """Why `unit` is not printed with the figure, or ''. A unit counts as printed right
    after the number or as a bracketed header inside the quote (flattened tables)."""
    if not unit:
        return ""
    if unit not in units:
        return f"not a unit of the genre (known: {', '.join(sorted(units))})"
    after = printed(text[value_end:value_end + 12])
    if after.startswith(unit):
        return ""
    quote = printed(text[start:end]).replace("（", "(").replace("）", ")")
    if f"({unit})" in quote:
        return ""
    return f"not printed after the number (the source has {text[value_end:value_end + 6]!r}) nor as a (unit) header in the quote"


def token_printed(needle: str, haystack: str) -> bool:
    """Whether `needle` is printed in `haystack` as a whole token: '47.2' is not printed
    in '-47.2', '147.2' or '47.25'."""
    n, h = printed(needle), printed(haystack)
    if not n:
        return True
    lead = "" if not n[:1].isdigit() else rf"(?<![\d.{MINUS}])"
    trail = "" if not n[-1:].isdigit() else r"(?!\d)(?!\.\d)"
    return re.search(lead + re.escape(n) + trail, h) is not None


VALUE = re.compile(r"^(?P<op>≥|≤|>|<|=|不低于|不高于|达)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>万人|万元|%|月|人|个|家|次|天|分)?$")


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def parse_value(text: str) -> dict[str, Any]:
    """`≥47万人` → op ≥, 47, 万人; `100%` → =, 100, %; `高` → qualitative."""
    m = VALUE.match(text.strip().replace("％", "%"))
    if not m:
        return {"op": "", "value": None, "unit": "", "numeric": False}
    op = {"不低于": "≥", "不高于": "≤", "达": "≥", None: "="}.get(m.group("op"), m.group("op"))
    return {"op": op, "value": Decimal(m.group("num")), "unit": m.group("unit") or "", "numeric": True}


def meets(target: dict[str, Any], actual: dict[str, Any], target_text: str, actual_text: str) -> str:
    if not (target["numeric"] and actual["numeric"]):
        return "yes" if _squash(target_text) == _squash(actual_text) else "unknown"
    if target["unit"] and actual["unit"] and target["unit"] != actual["unit"]:
        return "unknown"
    t, a = target["value"], actual["value"]
    lo_a = a if actual["op"] in ("=", "≥", ">") else None   # what the actual guarantees
    hi_a = a if actual["op"] in ("=", "≤", "<") else None
    op = target["op"]
    if op == "≥":
        return "yes" if lo_a is not None and lo_a >= t else ("no" if hi_a is not None and hi_a < t else "unknown")
    if op == ">":
        return "yes" if lo_a is not None and lo_a > t else ("no" if hi_a is not None and hi_a <= t else "unknown")
    if op == "≤":
        return "yes" if hi_a is not None and hi_a <= t else ("no" if lo_a is not None and lo_a > t else "unknown")
    if op == "<":
        return "yes" if hi_a is not None and hi_a < t else ("no" if lo_a is not None and lo_a >= t else "unknown")
    if actual["op"] == "=":
        return "yes" if a == t else "no"
    return "unknown"


class _Lines:
    """Each document split into lines once (not once per curated row)."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self.texts = texts
        self.cache: dict[str, list[str]] = {}

    def __call__(self, doc_id: str) -> list[str]:
        if doc_id not in self.cache:
            self.cache[doc_id] = self.texts[doc_id].split("\n")
        return self.cache[doc_id]


def _line(text_lines: list[str], n: int, path: Path, row_line: int) -> str:
    if not 1 <= n <= len(text_lines):
        raise JuesuanError(f"line {n} is outside the source document", path, row_line)
    return text_lines[n - 1]


def load_indicators(texts: Mapping[str, str], metrics: set[str], path: Path = INDICATORS_CSV) -> list[dict[str, Any]]:
    out = []
    doc_lines = _Lines(texts)
    for r in read_csv(path, INDICATOR_COLUMNS):
        ln = int(r["_line"])
        if r["doc_id"] not in texts:
            raise JuesuanError(f"unknown doc_id '{r['doc_id']}'", path, ln)
        if r["metric"] and r["metric"] not in metrics:
            raise JuesuanError(f"unknown metric '{r['metric']}'", path, ln)
        lines = doc_lines(r["doc_id"])
        for col, lcol in (("target_text", "target_line"), ("actual_text", "actual_line")):
            src = _line(lines, int(r[lcol]), path, ln)
            if not token_printed(r[col], src):
                raise JuesuanError(f"{col} '{r[col]}' is not what line {r[lcol]} of {r['doc_id']} says ({src.strip()!r})", path, ln)
        t, a = parse_value(r["target_text"]), parse_value(r["actual_text"])
        out.append({
            "indicator_id": f"{r['doc_id']}:{int(r['row']):02d}", "doc_id": r["doc_id"], "row": int(r["row"]),
            "level1": r["level1"], "level2": r["level2"], "level3": r["level3"],
            "target_text": r["target_text"], "actual_text": r["actual_text"],
            "target_op": t["op"], "target_value": t["value"], "target_unit": t["unit"],
            "actual_op": a["op"], "actual_value": a["value"], "actual_unit": a["unit"],
            "met": meets(t, a, r["target_text"], r["actual_text"]), "metric": r["metric"],
            "target_line": int(r["target_line"]), "actual_line": int(r["actual_line"]), "note": r["note"],
        })
    return out


def _near(lines: list[str], line: int, pattern: str, before: int = 12, after: int = 3) -> bool:
    """Whether the pattern is printed within the lines around `line` (tables converted
    from PDF put a row's cells a few lines apart)."""
    window = "\n".join(lines[max(0, line - 1 - before): line + after])
    return re.search(pattern, _squash(window).replace("（", "(").replace("）", ")")) is not None


def load_scores(
    texts: Mapping[str, str], path: Path = SCORES_CSV, totals_path: Path = TOTALS_CSV
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    items = []
    doc_lines = _Lines(texts)
    for r in read_csv(path, SCORE_COLUMNS):
        ln = int(r["_line"])
        if r["doc_id"] not in texts:
            raise JuesuanError(f"unknown doc_id '{r['doc_id']}'", path, ln)
        lines = doc_lines(r["doc_id"])
        src = _line(lines, int(r["line"]), path, ln)
        if r["points_given"] not in SIGNED_NUMBER.findall(printed(src)):
            raise JuesuanError(
                f"points_given {r['points_given']} is not printed on line {r['line']} of {r['doc_id']} ({src.strip()[:60]!r})", path, ln
            )
        for col in ("level1_max", "level2_max", "level3_max"):
            pattern = rf"\(?{re.escape(r[col])}\)?分|\({re.escape(r[col])}\)"
            if r[col] and not _near(lines, int(r["line"]), pattern, before={"level1_max": 400, "level2_max": 60}.get(col, 12)):
                raise JuesuanError(f"{col} {r[col]} is not printed as '{r[col]}分' near line {r['line']} of {r['doc_id']}", path, ln)
        items.append({
            "score_id": f"{r['doc_id']}:{int(r['item']):02d}", "doc_id": r["doc_id"], "item": int(r["item"]),
            "level1": r["level1"], "level1_max": Decimal(r["level1_max"]) if r["level1_max"] else None,
            "level2": r["level2"], "level2_max": Decimal(r["level2_max"]) if r["level2_max"] else None,
            "level3": r["level3"], "level3_max": Decimal(r["level3_max"]) if r["level3_max"] else None,
            "points_given": Decimal(r["points_given"]), "line": int(r["line"]), "note": r["note"],
        })
    totals = []
    for r in read_csv(totals_path, TOTAL_COLUMNS):
        ln = int(r["_line"])
        if r["doc_id"] not in texts:
            raise JuesuanError(f"unknown doc_id '{r['doc_id']}'", totals_path, ln)
        src = _line(doc_lines(r["doc_id"]), int(r["line"]), totals_path, ln)
        if not token_printed(f"{r['total_stated']}分", src):
            raise JuesuanError(f"total {r['total_stated']} is not printed on line {r['line']} of {r['doc_id']}", totals_path, ln)
        totals.append({"doc_id": r["doc_id"], "total_stated": Decimal(r["total_stated"]), "line": int(r["line"]), "note": r["note"]})
    return items, totals


def check_classification(rows: list[dict[str, str]], path: Path = CURATED / "classification.csv") -> None:
    """A code's length says its level, and a child's code extends its parent's."""
    codes = {r["code"] for r in rows}
    for r in rows:
        ln = int(r.get("_line", 0)) or None
        if len(r["code"]) != LEVEL_DIGITS.get(r["level"], -1) or not r["code"].isdigit():
            raise JuesuanError(f"code {r['code']} does not have the {LEVEL_DIGITS.get(r['level'])} digits of a {r['level']}", path, ln)
        if r["parent_code"]:
            if not r["code"].startswith(r["parent_code"]) or len(r["parent_code"]) >= len(r["code"]):
                raise JuesuanError(f"code {r['code']} does not extend its parent {r['parent_code']}", path, ln)
            if r["parent_code"] not in codes:
                raise JuesuanError(f"parent {r['parent_code']} of {r['code']} is not in the classification", path, ln)
        elif r["level"] != "类":
            raise JuesuanError(f"{r['level']} {r['code']} needs a parent_code", path, ln)
        if r["valid_to"] and int(r["valid_to"]) < int(r["valid_from"]):
            raise JuesuanError(f"valid_to {r['valid_to']} is before valid_from {r['valid_from']}", path, ln)


def classification_tables(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per code (its latest name) and one per name period."""
    check_classification(rows)
    codes: OrderedDict[str, dict[str, Any]] = OrderedDict()
    names = []
    for r in sorted(rows, key=lambda r: (r["code"], int(r["valid_from"]))):
        codes[r["code"]] = {"code": r["code"], "level": r["level"], "parent_code": r["parent_code"],
                            "name": r["name"], "source": r["source"]}
        names.append({"code": r["code"], "name": r["name"], "valid_from": r["valid_from"],
                      "valid_to": r["valid_to"], "source": r["source"], "note": r["note"]})
    return list(codes.values()), names


def line_items(fact_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spending by functional heading per document, one row per heading stated."""
    groups: OrderedDict[tuple[str, str, str], dict[str, Any]] = OrderedDict()
    for f in sorted(fact_rows, key=lambda f: (f["doc_id"], f["value_start"])):
        if f["metric"] != "function_expenditure":
            continue
        key = (f["doc_id"], f["function_code"], f["function_name"])
        g = groups.setdefault(key, {
            "line_item_id": f"{f['doc_id']}:{f['function_code'] or '?'}:{f['function_name']}",
            "doc_id": f["doc_id"], "function_code": f["function_code"], "level": f["function_level"],
            "name_stated": f["function_name"], "path_stated": f["function_path"], "amount": None, "unit": "",
            "amount_wan": None, "budget": None, "completion_pct": None, "share_pct": None, "statements": 0, "facts": [],
        })
        g["statements"] += 1
        g["facts"].append(f["fact_id"])
        if f["measure"] == "amount" and g["amount"] is None:
            g["amount"], g["unit"], g["amount_wan"] = f["value"], f["unit"], f["value_wan"] or None
        elif f["measure"] == "budget" and g["budget"] is None:
            g["budget"] = f["value"]
        elif f["measure"] == "completion_pct" and g["completion_pct"] is None:
            g["completion_pct"] = f["value"]
        elif f["measure"] == "share_pct" and g["share_pct"] is None:
            g["share_pct"] = f["value"]
    out = []
    for g in groups.values():
        g["facts"] = ";".join(g["facts"])
        out.append(g)
    return out
