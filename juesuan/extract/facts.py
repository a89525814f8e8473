"""Read the figures a document states, sentence by sentence.

The matcher walks each sentence's tokens (phrases from the lexicon, numbers
with units, cue words, clause separators) once, left to right, keeping a
little state: the metric being talked about, the breakdown's head (其中 …),
the year compared with, and the cue that says what kind of figure comes
next. A number becomes a fact only when the text between it and the phrase
naming its metric is nothing but cues and filler; anything looser would
trade precision for recall, and what the script cannot read is curated.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from juesuan.classification import LEVEL_DIGITS, LEVELS
from juesuan.extract.lexicon import NUMBER, Lexicon, map_heading
from juesuan.extract.text import Sentence, compact, normalise, sentences
from juesuan.model import MEASURES, Fact

__all__ = ["MEASURES", "Fact", "extract", "parse_number"]


@dataclass
class Token:
    kind: str            # num, year, heading, phrase, sep
    text: str
    start: int           # offsets in the compact sentence
    end: int
    match: re.Match[str]


@dataclass
class Topic:
    metrics: tuple[str, ...]
    quote_start: int                    # original offset where its clause begins
    function: dict[str, str] | None = None


def parse_number(text: str) -> tuple[Decimal, int]:
    clean = text.replace(",", "").replace(" ", "")
    value = Decimal(clean)
    decimals = len(clean.split(".", 1)[1]) if "." in clean else 0
    return value, decimals


LEVEL_OF_DIGITS = {n: level for level, n in LEVEL_DIGITS.items()}


def _descend(path: dict[str, tuple[str, str, str]], level: str, name: str, code: str) -> dict[str, tuple[str, str, str]]:
    """The heading path after naming a heading of `level`: deeper levels drop."""
    keep = LEVELS[: LEVELS.index(level)]
    new = {k: v for k, v in path.items() if k in keep}
    new[level] = (name, code, "")
    return new


@dataclass
class _State:
    """What the current clause has said so far."""
    cue: str | None = None
    sign: int | None = None
    pct_mode: str | None = None
    base: str = ""
    expect_base: bool = False
    term: Topic | None = None
    broken: bool = False
    consumed: bool = False
    gap_start: int = 0
    consumed_budget: bool = False
    fresh: bool = False          # the last metric named has not yet had a figure
    shared: bool = False         # this clause's figure belongs to a list of subjects
    pending: str | None = None   # a cue that ended the previous clause with no figure
    seen: int = 0                # tokens read in this clause

    def next_clause(self) -> None:
        dangling = self.cue in ("actual", "budget", "budget_adjusted") and not self.consumed
        self.pending = self.cue if dangling else None   # 支出决算为,8.64万元: a cue left hanging
        self.cue = None
        self.seen = 0
        self.sign = None
        self.pct_mode = None
        self.base = ""
        self.expect_base = False
        self.term = None
        self.broken = False
        self.consumed = False

    def set_cue(self, kind: str) -> None:
        if self.cue == "skip":
            return
        if kind in ("increase", "decrease", "flat"):
            self.sign = {"increase": 1, "decrease": -1, "flat": 0}[kind]
            self.cue, self.pct_mode = "change", "change"
        elif kind == "sign_unknown":
            self.sign = None
            self.cue, self.pct_mode = "change_unknown", "change"
        elif kind == "share":
            self.cue, self.pct_mode, self.expect_base = "share", "share", True
        elif kind == "completion":
            self.cue, self.pct_mode = "completion", "completion"
        elif kind == "versus_budget":
            self.cue = "skip"
        else:
            self.cue = kind


class SentenceReader:
    """Reads sentences in order; keeps what carries from one to the next."""

    def __init__(self, lex: Lexicon, doc_id: str, text: str, norm: str, fiscal_year: int | None) -> None:
        self.lex, self.doc_id, self.text, self.norm, self.fiscal_year = lex, doc_id, text, norm, fiscal_year
        self.carry: Topic | None = None
        self.carry_head: Topic | None = None
        self.facts: list[Fact] = []
        self.head_cues = sorted((p for p, k in lex.cues.items() if k == "head"), key=len, reverse=True)

    def tokens(self, comp: str) -> list[Token]:
        assert self.lex.token_re is not None
        return [Token(m.lastgroup or "", m.group(0), m.start(), m.end(), m) for m in self.lex.token_re.finditer(comp)]

    def phrase_metrics(self, phrase: str, section: tuple[str, ...], head: Topic | None) -> tuple[str, ...] | str | None:
        """Metrics a phrase names here; None: not a figure of ours; 'absent': no term."""
        joined = "/".join(section)
        for scope in self.lex.scopes:
            if phrase not in scope.terms:
                continue
            if scope.section and scope.section in joined:
                return scope.terms[phrase]
            if scope.head and head is not None and scope.head in head.metrics:
                return scope.terms[phrase]
        if phrase in self.lex.terms:
            return self.lex.terms[phrase]
        return "absent"

    def read(self, sent: Sentence) -> None:
        comp, index = compact(self.norm, sent.start, sent.end, self.lex)
        if not comp:
            return
        carried = self.carry
        topic: Topic | None = carried     # a heading sentence's topic serves budget/actual cues only
        last: Topic | None = None
        head: Topic | None = self.carry_head
        head_measure = "amount"
        self.carry = None
        self.carry_head = None
        st = _State()
        clause_start = 0
        compared: int | None = None
        path: dict[str, tuple[str, str, str]] = {}
        has_function = has_number = False
        locked = False
        stopped = False

        def named(metrics: tuple[str, ...], function: dict[str, str] | None = None) -> None:
            nonlocal topic, last
            t = Topic(metrics, index[clause_start], function)
            if topic is None or not locked:
                topic = t   # until a figure is read, the deepest heading named is the topic
            last = st.term = t
            st.broken = False
            st.fresh = True

        for tok in self.tokens(comp):
            if any(ch not in self.lex.filler for ch in comp[st.gap_start:tok.start]):
                st.broken = True   # unread words between a phrase and a figure break the link
            st.gap_start = tok.end
            kind = tok.kind
            st.seen += 1
            if kind == "num" and st.seen == 1 and st.pending and st.cue is None:
                st.cue = st.pending   # the figure the dangling cue announced
            if stopped and kind != "sep":
                continue   # a reason clause is not read
            if kind == "sep":
                # 'A、B比上年减少X': the figure after a list belongs to A and B together
                shared = tok.text == "、" and (stopped or (st.term is not None and not st.consumed))
                stopped = False
                st.next_clause()
                st.shared = shared
                clause_start = tok.end
            elif kind == "year":
                ym = self.lex.compared_year.search(tok.text)
                if ym:
                    compared = int(ym.group(1))
            elif kind == "num":
                m = tok.match
                if m.group("unit") is None and comp[tok.end:tok.end + 1] in ("年", "月", "日", "季"):
                    continue  # a date is filler
                has_number = has_number or bool(m.group("unit"))
                if st.broken or st.cue == "skip" or st.shared:
                    continue
                target = self._target(st, topic, last, m)
                if target is not None and self._emit(sent, comp, index, tok, target, st, head, head_measure, compared):
                    st.consumed = True
                    locked = True
                    st.fresh = False
                    if st.cue in ("actual", "budget", "budget_adjusted"):
                        st.cue = None
            elif kind == "heading":
                name = tok.match.group("fname")
                for prefix in self.head_cues:   # '其中行政单位医疗(项)' names 行政单位医疗
                    if name.startswith(prefix) and len(name) > len(prefix) + 1:
                        name = name[len(prefix):]
                        break
                mark = tok.match.group("fmark")
                level = mark if mark in LEVELS else LEVEL_OF_DIGITS[len(mark)]
                code = mark if mark.isdigit() else ""
                path = _descend(path, level, name, code)
                mapped = "" if code else map_heading(self.lex, name, level, _parent_code(path, level))
                if mapped:
                    path[level] = (name, "", mapped)
                named(("function_expenditure",), _function(path, level, mapped_code=mapped))
                has_function = True
            else:
                phrase = tok.text
                if phrase in self.lex.not_terms:
                    st.broken, st.term = True, None
                elif phrase in self.lex.previous_year_words:
                    if self.fiscal_year:
                        compared = self.fiscal_year - 1
                elif phrase in self.lex.cues:
                    ck = self.lex.cues[phrase]
                    if ck == "stop":
                        stopped = True
                        continue
                    if ck == "head":
                        if last is not None:
                            head = last
                            head_measure = "budget" if (
                                st.cue in ("budget", "budget_adjusted") or st.consumed_budget
                                or any(_group(x) == "budget" for x in last.metrics)
                            ) else "amount"
                        topic = last = st.term = None
                        st.broken = True
                    elif ck != "gap":
                        st.set_cue(ck)
                elif phrase in self.lex.function_names:
                    if head is not None and any(x in self.lex.income_heads for x in head.metrics):
                        st.broken = True   # headings listed under an income total are not spending
                        continue
                    code, level = self.lex.function_names[phrase]
                    path = _descend(path, level, phrase, "")
                    path[level] = (phrase, "", code)
                    named(("function_expenditure",), _function(path, level, mapped_code=code))
                    has_function = True
                else:
                    metrics = self.phrase_metrics(phrase, sent.section, head)
                    if metrics == "absent":
                        continue
                    if st.expect_base:
                        st.base = metrics[0] if metrics else ""
                        st.expect_base = False
                    elif not metrics:
                        st.broken, st.term = True, None
                    else:
                        named(tuple(metrics))

        if has_function and not has_number and last is not None:
            self.carry = last       # a heading line; its figures follow in the next sentence
        if sent.ends_with_colon and (last or head):
            self.carry_head = last or head

    def _target(self, st: _State, topic: Topic | None, last: Topic | None, m: re.Match[str]) -> Topic | None:
        """Which topic a number in this clause belongs to."""
        if st.term is not None:
            return st.term
        unit = m.group("unit") or ""
        if st.cue in ("share", "change", "change_unknown", "completion"):
            return last
        if st.cue in ("actual", "budget", "budget_adjusted"):
            return last if (last is not None and st.fresh) else (topic or last)
        if last is not None and unit in self.lex.count_switch.get(last.metrics[0], {}):
            return last
        return None

    def _measure(self, unit: str, metrics: list[str], st: _State, head: Topic | None, head_measure: str,
                 flags: list[str]) -> tuple[str, list[str]] | None:
        lex = self.lex
        if unit in lex.percent_units:
            measure = {"share": "share_pct", "change": "change_pct", "completion": "completion_pct"}.get(st.pct_mode or "")
            return (measure, metrics) if measure else None
        if unit in lex.money_units or unit == "":
            if any(METRIC_KINDS.get(x) != "money" for x in metrics):
                return None
            if st.cue in ("share", "completion"):
                return None
            if unit == "" and st.cue not in ("actual", "budget", "budget_adjusted", None, "change"):
                return None
            if st.cue == "change":
                measure = "change_amount"
            elif st.cue == "change_unknown":
                measure = "change_amount"
                flags.append("sign_unresolved")
            elif st.cue in ("budget", "budget_adjusted"):
                measure = st.cue
            elif head is not None and head_measure == "budget" and st.term is not None and not any(
                _group(x) == "budget" for x in metrics
            ):
                measure = "budget"   # parts of a budget are budgets
            else:
                measure = "amount"
            if unit == "":
                flags.append("unit_missing")
            elif unit == "万":
                flags.append("unit_abbreviated")
            if measure in ("budget", "budget_adjusted") and all(_group(x) == "budget" for x in metrics):
                measure = "amount"   # a budget metric's figure is its amount
            if measure in ("budget", "budget_adjusted"):
                remap = lex.budget_metric
                mapped = [remap.get(x, {}).get(measure, x) for x in metrics]
                if mapped != metrics:
                    return "amount", mapped
            return measure, metrics
        switched = lex.count_switch.get(metrics[0], {})
        if unit in switched:
            metrics = [switched[unit]]
        if any(unit not in lex.count_units.get(x, ()) for x in metrics):
            return None
        return ("change_amount" if st.cue == "change" else "count"), metrics

    def _emit(self, sent: Sentence, comp: str, index: list[int], tok: Token, target: Topic, st: _State,
              head: Topic | None, head_measure: str, compared: int | None) -> bool:
        m = tok.match
        unit = m.group("unit") or ""
        flags: list[str] = ["stray_character"] if m.group("stray") else []
        decided = self._measure(unit, list(target.metrics), st, head, head_measure, flags)
        if decided is None:
            return False
        measure, metrics = decided
        if measure in ("budget", "budget_adjusted") or (measure == "amount" and st.cue == "budget"):
            st.consumed_budget = True
        # where the numbers stand (a list 收、支 … X、Y万元 shares one unit)
        body = m.group(0)[: len(m.group(0)) - len(unit)] if unit else m.group(0)
        positions = []
        for nm in re.finditer(NUMBER, body):
            positions.append((tok.start + nm.start(), tok.start + nm.end(), nm.group(0)))
        # the quote runs from the clause naming the metric to the end of this clause
        q_end = len(comp)
        for j in range(tok.end, len(comp)):
            if comp[j] in ",;:。、" or "\n" in self.norm[index[j - 1] + 1:index[j]]:
                q_end = j
                break
        char_start = min(target.quote_start, index[tok.start])
        while char_start > sent.start and self.norm[char_start - 1] in self.lex.drop_chars:
            char_start -= 1
        char_end = index[q_end - 1] + 1
        base = st.base or (head.metrics[0] if (measure == "share_pct" and head is not None) else "")
        if st.base and head is not None and head.metrics[0] in self.lex.base_variants.get(st.base, []):
            base = head.metrics[0]
        for k, (p0, p1, raw) in enumerate(positions):
            value, decimals = parse_number(raw)
            if measure.startswith("change") and st.sign == 0:
                value = Decimal(0).quantize(value) if decimals else Decimal(0)
            elif measure.startswith("change") and st.sign == -1 and value != 0:
                value = -value
            wan = value * self.lex.money_units[unit] if unit in self.lex.money_units else None
            these = metrics if len(positions) == 1 else [metrics[min(k, len(metrics) - 1)]]
            for metric in these:
                f = Fact(
                    doc_id=self.doc_id, metric=metric, measure=measure, value=value,
                    value_text=raw.replace(" ", ""), unit=unit, value_wan=wan, decimals=decimals,
                    base_metric=base if measure == "share_pct" and base != metric else "",
                    compared_year=compared if measure.startswith("change") else None,
                    char_start=char_start, char_end=char_end,
                    value_start=index[p0], value_end=index[p1 - 1] + 1,
                    quote=self.text[char_start:char_end], section="/".join(sent.section), flags=list(flags),
                )
                if metric == "function_expenditure" and target.function:
                    fn = target.function
                    f.function_name, f.function_level, f.function_path = fn["name"], fn["level"], fn["path"]
                    f.function_code = fn["code"] or fn["mapped_code"]
                    if not fn["code"] and fn["mapped_code"]:
                        f.flags.append("code_from_classification")
                if measure.startswith("change") and compared is None:
                    f.flags.append("compared_year_unstated")
                self.facts.append(f)
        return True


def _parent_code(path: dict, level: str) -> str:
    i = LEVELS.index(level)
    if i == 0 or LEVELS[i - 1] not in path:
        return ""
    entry = path[LEVELS[i - 1]]
    return entry[1] or (entry[2] if len(entry) > 2 else "")


def _function(path: dict, level: str, mapped_code: str = "") -> dict[str, str]:
    name, code = path[level][0], path[level][1]
    return {
        "name": name,
        "code": code,
        "mapped_code": mapped_code,
        "level": level,
        "path": "/".join(f"{path[k][0]}({k})" for k in LEVELS if k in path),
    }


def _group(metric: str) -> str:
    return METRIC_GROUPS.get(metric, "")


METRIC_KINDS: dict[str, str] = {}
METRIC_GROUPS: dict[str, str] = {}


def _load_vocabulary() -> None:
    import csv

    from juesuan.paths import METRICS_CSV

    with open(METRICS_CSV, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            METRIC_KINDS[row["metric"]] = row["kind"]
            METRIC_GROUPS[row["metric"]] = row["group"]


def flag_units(facts: list[Fact], money_units: Iterable[str]) -> None:
    """A money figure whose unit differs from the unit its section (or, in a
    short section, its document) uses for other figures is suspect: record it
    as written, flag it, never rescale it."""
    from collections import Counter

    units = {u for u in money_units if u != "万"}   # 万 alone is flagged as abbreviated already
    by_section: dict[str, Counter[str]] = {}
    doc: Counter[str] = Counter()
    for f in facts:
        if f.unit in units and METRIC_KINDS.get(f.metric) == "money":
            by_section.setdefault(f.section, Counter())[f.unit] += 1
            doc[f.unit] += 1
    for f in facts:
        if f.unit not in units or METRIC_KINDS.get(f.metric) != "money":
            continue
        counts = by_section.get(f.section, Counter()).copy()
        counts[f.unit] -= 1
        if sum(counts.values()) < 2:
            counts = doc.copy()
            counts[f.unit] -= 1
        if not counts or sum(counts.values()) <= 0:
            continue
        dominant, n = counts.most_common(1)[0]
        if dominant != f.unit and n > 0 and counts[f.unit] < n:
            f.flags.append(f"unit_suspect:{dominant}")


def extract(text: str, doc_id: str, lex: Lexicon, fiscal_year: int | None = None) -> list[Fact]:
    """All facts a text states, in document order."""
    if not METRIC_KINDS:
        _load_vocabulary()
    norm = normalise(text, lex)
    reader = SentenceReader(lex, doc_id, text, norm, fiscal_year)
    for sent in sentences(norm, lex):
        reader.read(sent)
    facts = reader.facts
    flag_units(facts, lex.money_units)
    facts.sort(key=lambda f: (f.value_start, f.metric, f.measure))
    return facts
