"""Load the phrase lexicon (lexicon.yml) and compile it into matchers.

The lexicon is data a maintainer edits; this module only turns it into
regular expressions and lookup tables. Nothing here names a document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from juesuan.errors import JuesuanError

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

CUE_KINDS = (
    "head", "increase", "decrease", "flat", "sign_unknown", "share", "completion",
    "budget", "budget_adjusted", "actual", "versus_budget", "stop", "gap",
)


@dataclass(frozen=True)
class Scope:
    section: str | None
    head: str | None
    terms: dict[str, tuple[str, ...] | None]


@dataclass
class Lexicon:
    char_map: dict[int, str]
    residue: list[re.Pattern[str]]
    drop_chars: frozenset[str]
    money_units: dict[str, Decimal]
    percent_units: tuple[str, ...]
    count_units_all: tuple[str, ...]
    sentence_end: str
    clause_sep: str
    heading_markers: list[re.Pattern[str]]
    heading_max_chars: int
    terms: dict[str, tuple[str, ...]]            # phrase -> metric ids
    not_terms: frozenset[str]
    scopes: list[Scope]
    budget_metric: dict[str, dict[str, str]]
    base_variants: dict[str, list[str]]
    income_heads: frozenset[str]
    count_switch: dict[str, dict[str, str]]
    count_units: dict[str, tuple[str, ...]]
    cues: dict[str, str]                          # phrase -> cue kind
    filler: frozenset[str]
    compared_year: re.Pattern[str]
    previous_year_words: tuple[str, ...]
    function_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # phrase -> (code, level)
    function_index: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # name -> (code, level, parent)
    token_re: re.Pattern[str] | None = None


def _split_metrics(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in str(value).split("+") if v.strip())


def load_lexicon(path: Path = LEXICON_PATH, classification: list[dict[str, str]] | None = None) -> Lexicon:
    """Read lexicon.yml (and, for functional headings, the classification table)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise JuesuanError(f"lexicon is not valid YAML: {exc}", path, line) from exc
    required = ("traditional", "units", "terms", "cues", "heading_markers", "filler", "compared_year")
    for key in required:
        if key not in raw:
            raise JuesuanError(f"lexicon lacks the section '{key}'", path)

    pairs = "".join(str(raw["traditional"]).split())
    if len(pairs) % 2:
        raise JuesuanError("'traditional' must list pairs of characters", path)
    char_map = {ord(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)}

    terms: dict[str, tuple[str, ...]] = {}
    for metric_key, phrases in raw["terms"].items():
        metrics = _split_metrics(metric_key) or ()
        for phrase in phrases:
            terms[str(phrase)] = metrics
    cues: dict[str, str] = {}
    for kind, phrases in raw["cues"].items():
        if kind not in CUE_KINDS:
            raise JuesuanError(f"unknown cue kind '{kind}' (known: {', '.join(CUE_KINDS)})", path)
        for phrase in phrases:
            cues[str(phrase)] = kind
    scopes = [
        Scope(
            section=s.get("when_section"),
            head=s.get("when_head"),
            terms={str(k): _split_metrics(v) for k, v in s["terms"].items()},
        )
        for s in raw.get("scoped_terms", [])
    ]
    lex = Lexicon(
        char_map=char_map,
        residue=[re.compile(r) for r in raw.get("residue", [])],
        drop_chars=frozenset(raw.get("drop_chars", "")),
        money_units={k: Decimal(str(v)) for k, v in raw["units"]["money"].items()},
        percent_units=tuple(raw["units"]["percent"]),
        count_units_all=tuple(raw["units"]["count"]),
        sentence_end=raw.get("sentence_end", "。"),
        clause_sep=raw.get("clause_sep", ",;"),
        heading_markers=[re.compile(m) for m in raw["heading_markers"]],
        heading_max_chars=int(raw.get("heading_max_chars", 40)),
        terms=terms,
        not_terms=frozenset(raw.get("not_terms", [])),
        scopes=scopes,
        budget_metric=raw.get("budget_metric", {}),
        base_variants=raw.get("base_variants", {}),
        income_heads=frozenset(raw.get("income_heads", [])),
        count_switch=raw.get("count_switch", {}),
        count_units={k: tuple(v) for k, v in raw.get("count_units", {}).items()},
        cues=cues,
        filler=frozenset(raw["filler"]),
        compared_year=re.compile(raw["compared_year"]),
        previous_year_words=tuple(raw.get("previous_year_words", [])),
    )
    if classification:
        lex.function_names = function_phrases(classification)
        lex.function_index = function_index(classification)
    lex.token_re = _compile(lex)
    return lex


def function_phrases(classification: list[dict[str, str]]) -> dict[str, tuple[str, str]]:
    """Names of functional headings that identify one code on their own.

    A name used by two codes (行政运行 is both 2080101 and 2101501) is left out:
    without its parent heading it cannot be placed. Names of 款/项 are also
    matched with the suffix 支出, as documents write 住房公积金支出.
    """
    seen: dict[str, set[tuple[str, str]]] = {}
    for row in classification:
        name, code, level = row["name"], row["code"], row["level"]
        variants = {name, name + "支出", name.removesuffix("支出")}
        for v in variants:
            seen.setdefault(v, set()).add((code, level))
    return {name: next(iter(codes)) for name, codes in seen.items() if len(codes) == 1 and len(name) >= 4}


def function_index(classification: list[dict[str, str]]) -> dict[str, list[tuple[str, str, str]]]:
    """Every name (and name + 支出) with the codes it has been used for."""
    index: dict[str, list[tuple[str, str, str]]] = {}
    for row in classification:
        entry = (row["code"], row["level"], row["parent_code"])
        for v in {row["name"], row["name"] + "支出", row["name"].removesuffix("支出")}:
            if entry not in index.setdefault(v, []):
                index[v].append(entry)
    return index


def map_heading(lex: Lexicon, name: str, level: str, parent_code: str) -> str:
    """The code of a heading named without one: unique by name and level, or
    the one under the stated parent. Empty when it cannot be placed."""
    cands = {c for c in lex.function_index.get(name, []) if c[1] == level}
    if parent_code:
        under = {c for c in cands if c[2] == parent_code}
        if under:
            cands = under
    codes = {c[0] for c in cands}
    return codes.pop() if len(codes) == 1 else ""


# A number as printed: thousands separators, decimals, and the PDF habit of a
# break after the decimal point. Percent and units are matched after it.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


def trie_pattern(words: set[str]) -> str:
    """A regex matching any of `words`, longest first, shaped as a prefix trie so the
    engine rejects a position after one character instead of trying every phrase."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


def _compile(lex: Lexicon) -> re.Pattern[str]:
    units = sorted(
        list(lex.money_units) + list(lex.percent_units) + list(lex.count_units_all), key=len, reverse=True
    )
    unit_alt = "|".join(re.escape(u) for u in units)
    phrases: set[str] = set(lex.terms) | set(lex.cues) | set(lex.not_terms) | set(lex.function_names)
    phrases |= set(lex.previous_year_words)
    for scope in lex.scopes:
        phrases |= set(scope.terms)
    phrase_alt = trie_pattern(phrases)
    heading = r"(?P<fname>[\u4e00-\u9fff]{2,40}?)\((?P<fmark>类|款|项|\d{3}|\d{5}|\d{7})\)"
    seps = re.escape(lex.clause_sep)
    return re.compile(
        rf"(?P<num>(?<![\d.])(?P<numlist>(?:{NUMBER}、)*){NUMBER}(?![\d])(?P<stray>\.(?!\d))?(?P<unit>{unit_alt})?)"
        rf"|(?P<year>{lex.compared_year.pattern})"
        rf"|(?P<heading>{heading})"
        rf"|(?P<phrase>{phrase_alt})"
        rf"|(?P<sep>[{seps}])"
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    from juesuan.classification import load_classification

    return load_lexicon(LEXICON_PATH, load_classification())
