"""Load the phrase lexicon (lexicon.yml) and compile it into matchers.

The lexicon is data a maintainer edits; this module only turns it into
regular expressions and lookup tables. Nothing here names a document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from juesuan.errors import JuesuanError
from juesuan.schema import load_yaml

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")

class Cue(StrEnum):
    """What a cue word says about the figure that follows (lexicon.yml `cues`)."""
    HEAD = "head"                        # a breakdown follows (其中)
    INCREASE = "increase"                # year-over-year change, by sign
    DECREASE = "decrease"
    FLAT = "flat"
    SIGN_UNKNOWN = "sign_unknown"        # template residue 增加(减少)
    SHARE = "share"                      # 占
    COMPLETION = "completion"            # 完成预算的
    BUDGET = "budget"
    BUDGET_ADJUSTED = "budget_adjusted"
    ACTUAL = "actual"
    VERSUS_BUDGET = "versus_budget"      # 比预算: a change against the budget, not a year
    OVER_BUDGET = "over_budget"          # 决算数大于预算数
    UNDER_BUDGET = "under_budget"        # 决算数小于预算数
    EACH = "each"                        # 分别, 各, 均: one figure per subject of a list
    QUALIFIER = "qualifier"              # 约: the figure is approximate
    BOUND = "bound"                      # 不到: the figure is a bound, not a value
    RATIO = "ratio"                      # 比例, 率: a ratio of no metric here; its figure is skipped
    STOP = "stop"                        # a reason clause: not read
    GAP = "gap"                          # words that say nothing more


CUE_KINDS = tuple(c.value for c in Cue)


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
    item_sep: str
    list_sep: str
    heading_markers: list[re.Pattern[str]]
    heading_re: re.Pattern[str]
    sentence_end_re: re.Pattern[str]
    line_terminal: str
    reflow_blank_lines: int
    reflow_wrap_chars: int
    table_row: str
    fold_spaces: tuple[int, ...]
    fold_minus: tuple[int, ...]
    drop_string: str
    heading_max_chars: int
    terms: dict[str, tuple[str, ...]]            # phrase -> metric ids
    not_terms: frozenset[str]
    scopes: list[Scope]
    budget_metric: dict[str, dict[str, str]]
    base_variants: dict[str, list[str]]
    income_heads: frozenset[str]
    count_switch: dict[str, dict[str, str]]
    count_units: dict[str, tuple[str, ...]]
    cues: dict[str, Cue]                          # phrase -> cue kind
    filler: frozenset[str]
    filler_re: re.Pattern[str]
    date_suffix: str
    quote_end: str
    quote_end_re: re.Pattern[str]
    abbreviated_units: frozenset[str]
    section_unit: re.Pattern[str]
    heading_mark_re: re.Pattern[str]
    heading_token_re: re.Pattern[str]
    item_heads: dict[str, str]
    wider_totals: dict[str, str]
    share_bases: dict[str, str]
    function_income_re: re.Pattern[str]
    compared_year: re.Pattern[str]
    previous_year_words: tuple[str, ...]
    function_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # phrase -> (code, level)
    function_index: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # name -> (code, level, parent)
    token_re: re.Pattern[str] | None = None
    function_name_re: re.Pattern[str] = re.compile("(?!x)x")   # any functional heading's name

    def phrase_metrics(self, phrase: str, section: tuple[str, ...], head: tuple[str, ...]) -> tuple[str, ...] | None:
        """The metrics a phrase names where it stands: () for a phrase that
        names no figure of ours here, None for a phrase that is no term."""
        joined = None   # the section path, joined only for a phrase some scope lists
        for scope in self.scopes:
            if phrase not in scope.terms:
                continue
            if joined is None:
                joined = "/".join(section)
            if (scope.section and scope.section in joined) or (scope.head and scope.head in head):
                return scope.terms[phrase] or ()
        return self.terms.get(phrase)


def _split_metrics(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in str(value).split("+") if v.strip())


def load_lexicon(path: Path = LEXICON_PATH, classification: list[dict[str, str]] | None = None) -> Lexicon:
    """Read lexicon.yml (and, for functional headings, the classification table)."""
    raw = _read(path)
    lex = Lexicon(**_text_rules(raw, path), **_phrases(raw, path), **_grammar(raw))
    if classification:
        suffix = str(raw.get("function_name_suffix", ""))
        lex.function_names = function_phrases(classification, suffix)
        lex.function_index = function_index(classification, suffix)
    lex.token_re = _compile(lex)
    if lex.function_names:
        lex.function_name_re = re.compile(trie_pattern(set(lex.function_names)))
    return lex


def _read(path: Path) -> dict[str, Any]:
    return read_sections(path, "lexicon",
                         ("units", "terms", "cues", "heading_markers", "filler", "compared_year", "list_sep"))


def read_sections(path: Path, what: str, sections: tuple[str, ...]) -> dict[str, Any]:
    """A YAML file of named sections (lexicon.yml, tables.yml). Why one reader:
    a maintainer editing either file gets the same message, naming the file and,
    for a syntax error, the line, whether the file is malformed, empty or lacks a section."""
    raw = load_yaml(path.read_text(encoding="utf-8"), path, what)
    if not isinstance(raw, dict):
        raise JuesuanError(f"{what} is not a mapping of sections ({', '.join(sections)})", path)
    for key in sections:
        if key not in raw:
            raise JuesuanError(f"{what} lacks the section '{key}'", path)
    return dict(raw)


def _text_rules(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """How the text is normalised, reflowed and cut into sentences and lines."""
    pairs = "".join(str(raw.get("char_overrides", "")).split())
    if len(pairs) % 2:
        raise JuesuanError("'char_overrides' must list pairs of characters", path)
    ends = str(raw.get("sentence_end", "。"))
    return dict(
        char_map={ord(pairs[i]): pairs[i + 1] for i in range(0, len(pairs), 2)},
        residue=[re.compile(r) for r in raw.get("residue", [])],
        drop_chars=frozenset(raw.get("drop_chars", "")),
        drop_string="".join(sorted(set(raw.get("drop_chars", "")))),
        fold_spaces=tuple(ord(c) for c in raw.get("fold_spaces", "\u3000")),
        fold_minus=tuple(ord(c) for c in raw.get("fold_minus", "")),
        sentence_end=ends,
        sentence_end_re=re.compile("[" + re.escape(ends) + "]"),
        line_terminal=str(raw.get("line_terminal", "。!?;:")),
        reflow_blank_lines=int(raw.get("reflow_blank_lines", 2)),
        reflow_wrap_chars=int(raw.get("reflow_wrap_chars", 30)),
        table_row=str(raw.get("table_row", r"\t|\|")),
        heading_markers=[re.compile(m) for m in raw["heading_markers"]],
        heading_re=re.compile("|".join(f"(?P<h{i}>{m})" for i, m in enumerate(raw["heading_markers"]))),
        heading_max_chars=int(raw.get("heading_max_chars", 40)),
        section_unit=re.compile(raw.get("section_unit", r"(?!x)x")),
    )


def _phrases(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """The phrases: terms naming metrics, cue words, scoped terms, units."""
    terms: dict[str, tuple[str, ...]] = {}
    for metric_key, phrases in raw["terms"].items():
        metrics = _split_metrics(metric_key) or ()
        for phrase in phrases:
            terms[str(phrase)] = metrics
    cues: dict[str, Cue] = {}
    for kind, phrases in raw["cues"].items():
        if kind not in CUE_KINDS:
            raise JuesuanError(f"unknown cue kind '{kind}' (known: {', '.join(CUE_KINDS)})", path)
        for phrase in phrases:
            cues[str(phrase)] = Cue(kind)
    scopes = [
        Scope(section=s.get("when_section"), head=s.get("when_head"),
              terms={str(k): _split_metrics(v) for k, v in s["terms"].items()})
        for s in raw.get("scoped_terms", [])
    ]
    income_words = sorted(raw.get("function_income_words", []), key=len, reverse=True)
    return dict(
        terms=terms, cues=cues, scopes=scopes,
        not_terms=frozenset(raw.get("not_terms", [])),
        money_units={k: Decimal(str(v)) for k, v in raw["units"]["money"].items()},
        percent_units=tuple(raw["units"]["percent"]),
        count_units_all=tuple(raw["units"]["count"]),
        abbreviated_units=frozenset(raw["units"].get("abbreviated", [])),
        compared_year=re.compile(raw["compared_year"]),
        previous_year_words=tuple(raw.get("previous_year_words", [])),
        function_income_re=re.compile("|".join(re.escape(w) for w in income_words) or "(?!x)x"),
    )


def _grammar(raw: dict[str, Any]) -> dict[str, Any]:
    """What the sentence grammar needs beyond phrases: separators, filler,
    heading marks, and the tables that relate metrics to one another."""
    marks = str(raw.get("heading_marks", "类|款|项"))
    quote_end = str(raw.get("quote_end", ",;:。、"))
    return dict(
        clause_sep=raw.get("clause_sep", ",;"),
        item_sep=str(raw.get("item_sep", ";")),
        list_sep=str(raw["list_sep"]),
        filler=frozenset(raw["filler"]),
        filler_re=re.compile("[" + re.escape(raw["filler"]) + "]*"),
        date_suffix=str(raw.get("date_suffix", "")),
        quote_end=quote_end,
        quote_end_re=re.compile("[" + re.escape(quote_end) + "]"),
        heading_mark_re=re.compile(rf"\((?:{marks}|\d{{3}}|\d{{5}}|\d{{7}})\)"),
        heading_token_re=re.compile(
            rf"(?P<heading>(?P<fname>[\u4e00-\u9fff]{{2,40}})\((?P<fmark>{marks}|\d{{3}}|\d{{5}}|\d{{7}})\)"
            rf"(?:\((?P<fcode>\d{{3}}|\d{{5}}|\d{{7}})\))?)"   # 高中教育(项)(2050204); kind: heading
        ),
        budget_metric=raw.get("budget_metric", {}),
        base_variants=raw.get("base_variants", {}),
        income_heads=frozenset(raw.get("income_heads", [])),
        count_switch=raw.get("count_switch", {}),
        count_units={k: tuple(v) for k, v in raw.get("count_units", {}).items()},
        item_heads={str(k): str(v) for k, v in raw.get("item_heads", {}).items()},
        wider_totals={str(k): str(v) for k, v in raw.get("wider_totals", {}).items()},
        share_bases={str(k): str(v) for k, v in raw.get("share_bases", {}).items()},
    )


def function_phrases(classification: list[dict[str, str]], suffix: str = "") -> dict[str, tuple[str, str]]:
    """Names of functional headings that identify one code on their own.

    A name used by two codes (行政运行 is both 2080101 and 2101501) is left out:
    without its parent heading it cannot be placed. Names of 款/项 are also
    matched with the suffix 支出, as documents write 住房公积金支出.
    """
    seen: dict[str, set[tuple[str, str]]] = {}
    for row in classification:
        name, code, level = row["name"], row["code"], row["level"]
        variants = _variants(name, suffix)
        for v in variants:
            seen.setdefault(v, set()).add((code, level))
    return {name: next(iter(codes)) for name, codes in seen.items() if len(codes) == 1 and len(name) >= 4}


def _variants(name: str, suffix: str) -> set[str]:
    """A heading's name as documents write it: with or without the suffix 支出."""
    return {name, name + suffix, name.removesuffix(suffix)} if suffix else {name}


def function_index(classification: list[dict[str, str]], suffix: str = "") -> dict[str, list[tuple[str, str, str]]]:
    """Every name (and name + 支出) with the codes it has been used for."""
    index: dict[str, list[tuple[str, str, str]]] = {}
    for row in classification:
        entry = (row["code"], row["level"], row["parent_code"])
        for v in _variants(row["name"], suffix):
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
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+(?![\d])|\d+)(?:\.\d+)?"
# Put by the compact view where two parts of a number meet across a mark the
# source prints (`434〈.66`): no number is read that touches it, on either side.
BROKEN = "\x02"
# A printed minus sign (`增长-5.2%`, `结余-3.2万元`), never a hyphen between numbers.
SIGNED = r"(?<![\d.])-?" + NUMBER


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
        keys = [ch for ch in sorted(node) if ch != ""]
        if not keys:
            return ""
        body = _buckets([(ch, re.escape(ch) + build(node[ch])) for ch in keys])
        return f"(?:{body})?" if ends else body

    return build(trie)


def _buckets(branches: list[tuple[str, str]], size: int = 8) -> str:
    """An alternation of branches, each starting with its own character. The
    regex engine tries branches one by one, so a long list is split into
    groups behind a one-character class test: a position is rejected after a
    few set lookups instead of one comparison per branch."""
    if len(branches) == 1:
        return branches[0][1]
    if len(branches) <= size:
        return "(?:" + "|".join(b for _, b in branches) + ")"
    step = max(size, -(-len(branches) // size))
    groups = [branches[i:i + step] for i in range(0, len(branches), step)]
    parts = []
    for g in groups:
        chars = "".join(re.escape(ch) for ch, _ in g)
        parts.append(f"(?=[{chars}])" + _buckets(g, size))
    return "(?:" + "|".join(parts) + ")"


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
    seps = re.escape(lex.clause_sep)
    # a token starts with a digit, a minus, a separator or a phrase's first
    # character: one class test rejects every other position at once
    firsts = {p[0] for p in phrases} | set(lex.clause_sep) | {"-"}
    firsts |= {c for c in lex.compared_year.pattern if "\u4e00" <= c <= "\u9fff"}   # a superset will do
    guard = "(?=[\\d" + "".join(re.escape(c) for c in sorted(firsts)) + "])"
    listed = rf"(?:-?{NUMBER}{re.escape(lex.list_sep)})*"   # 356.2、350.1万元: one unit for a list
    # `(?=-?\d)` before the number branch: at a Chinese character the engine leaves it
    # after one test instead of entering the list and number groups (a quarter of the scan)
    return re.compile(
        guard + rf"(?:(?=-?\d)(?P<num>(?<![\d.\-{BROKEN}])(?P<numlist>{listed})-?{NUMBER}"
        rf"(?![\d{BROKEN}]|\.[\d{BROKEN}])(?P<stray>\.(?!\d))?(?P<unit>{unit_alt})?)"
        rf"|(?P<year>{lex.compared_year.pattern})"
        rf"|(?P<phrase>{phrase_alt})"
        rf"|(?P<sep>[{seps}]))"
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    from juesuan.classification import load_classification

    return load_lexicon(LEXICON_PATH, load_classification())
