"""How a cell of the published tables reads to a person (pure functions, no Datasette).

Why here and not in the plugin: the rules (printed digits instead of REAL
floats, the unit beside the value, a sign shown as 减少/增加, search terms
highlighted) are the site's reading conventions and are unit-tested without
a server.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

# measures whose sign is a direction, not a quantity (the package stores a decrease as negative)
SIGNED_MEASURES = frozenset({"change_amount", "change_pct"})

# the columns a reader looks for first, per table; the rest follow in schema order
COLUMN_ORDER: dict[str, tuple[str, ...]] = {
    "facts": ("doc_id", "metric", "measure", "value", "quote", "fact_id", "function_name", "line"),
    "facts_labelled": ("entity_name", "fiscal_year", "label_zh", "measure", "value", "unit", "quote", "fact_id"),
    "findings": ("finding_id", "doc_id", "severity", "explanation_zh", "quote_a", "quote_b", "explanation_en"),
    "where_numbers_dont_add_up": ("entity_name", "fiscal_year", "explanation_zh", "quote_a", "quote_b", "finding_id"),
    "documents": ("doc_id", "label", "fiscal_year", "doc_kind", "facts", "original_name"),
    "source_text": ("doc_id", "line", "text"),
    "checks": ("check_id", "doc_id", "rule", "outcome", "lhs", "rhs", "difference", "detail"),
    "three_public": ("entity_name", "fiscal_year", "label_zh", "amount_wan", "quote"),
}


def raw(value: Any) -> Any:
    """A foreign-key cell arrives as {"value": ..., "label": ...}; the value is what links use."""
    if isinstance(value, Mapping) and "value" in value:
        return value["value"]
    return value


def column_order(table: str | None, names: list[str]) -> list[int]:
    """Indices of `names` with the table's preferred columns first (stable otherwise)."""
    preferred = COLUMN_ORDER.get(table or "", ())
    rank = {name: i for i, name in enumerate(preferred)}
    return sorted(range(len(names)), key=lambda i: (rank.get(names[i], len(preferred)), i))


def direction(value: float | None, measure: str | None) -> str:
    """减少 / 增加 (decrease / increase) for a signed measure, else ''."""
    if measure not in SIGNED_MEASURES or value is None:
        return ""
    if value < 0:
        return "减少 decrease"
    if value > 0:
        return "增加 increase"
    return "持平 no change"


def number(value: float | None, printed: str | None, unit: str | None = None,
           measure: str | None = None) -> Markup:
    """A number as the document printed it (never the REAL's float repr), its unit, and
    for a change its direction, e.g. "−2233.37 万元 (减少 decrease 2233.37)"."""
    if isinstance(value, float) and value.is_integer() and not printed:
        printed = str(int(value))
    text = printed if printed is not None else ("" if value is None else str(value))
    signed = direction(value if isinstance(value, (int, float)) else None, measure)
    shown = text
    if signed and isinstance(value, (int, float)) and value < 0 and not text.startswith(("-", "−")):
        shown = "−" + text
    out = escape(shown) + (Markup(" ") + escape(unit) if unit else Markup(""))
    if signed:
        out += Markup(' <span class="direction">(') + escape(signed) + Markup(")</span>")
    return out


def highlight(text: str, words: Iterable[str]) -> Markup:
    """`text` escaped, each occurrence of any word wrapped in <mark class="hit">."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out = Markup("")
    pos = 0
    for m in pattern.finditer(text):
        out += escape(text[pos:m.start()]) + Markup('<mark class="hit">') + escape(m.group(0)) + Markup("</mark>")
        pos = m.end()
    return out + escape(text[pos:])
