"""The sentence grammar: which token sequences state which figure.

A sentence is read once, left to right, token by token (phrases of the
lexicon, numbers with units, years, functional headings, clause
separators). Each token kind has one small handler; the state they share
is split in two: `Clause` (what the current clause has said: its cue, its
sign, the term it named) and `Reading` (what the sentence has said: the
topic, the breakdown's head, the year compared with, a list of subjects).

A number becomes a fact only when the text between it and the phrase naming
its metric is nothing but cues and filler; anything looser would trade
precision for recall, and what the script cannot read is curated.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from decimal import Decimal
from typing import Generic

from juesuan.classification import LEVEL_OF_DIGITS, LEVELS
from juesuan.extract.headings import descend, heading_of, parent_code, place
from juesuan.extract.lexicon import SIGNED, Cue, Lexicon, map_heading
from juesuan.extract.state import FIGURE_CUES, F, Reading, Topic
from juesuan.extract.text import Sentence, compact
from juesuan.extract.tokens import Token, tokenise
from juesuan.extract.vocabulary import METRIC_GROUPS, METRIC_KINDS, parse_number
from juesuan.model import Measure

DIGIT_OR_MARK = re.compile(r"[\d(（]")
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
SIGNED_RE = re.compile(SIGNED)
CHANGE = (Measure.CHANGE_AMOUNT, Measure.CHANGE_PCT)
VERSUS_BUDGET = {Measure.CHANGE_AMOUNT: Measure.BUDGET_DIFF_AMOUNT, Measure.CHANGE_PCT: Measure.BUDGET_DIFF_PCT}


class SentenceReader(Generic[F]):
    """Reads sentences in order; keeps what carries from one to the next."""

    def __init__(self, lex: Lexicon, doc_id: str, text: str, view: str, fiscal_year: int | None,
                 fact_type: Callable[..., F]) -> None:
        self.lex, self.doc_id, self.text, self.view, self.fiscal_year = lex, doc_id, text, view, fiscal_year
        self.fact_type = fact_type   # the fact class is the caller's (it lives with the model, not the grammar)
        self.carry: Topic | None = None
        self.carry_head: Topic | None = None
        self.previous: Topic | None = None   # the last sentence's subject: 比上年增加X opens the next one
        self.facts: list[F] = []
        self.head_cues = sorted((p for p, k in lex.cues.items() if k == Cue.HEAD), key=len, reverse=True)
        self.handlers: dict[str | None, Callable[[Reading, Token], None]] = {
            "sep": self.on_sep, "year": self.on_year, "num": self.on_number,
            "heading": self.on_heading, "phrase": self.on_phrase,
        }

    # -- the sentence ------------------------------------------------------
    def read(self, sent: Sentence) -> None:
        if self.idle(sent):
            self.carry = self.carry_head = self.previous = None
            return
        comp, index = compact(self.view, sent.start, sent.end, self.lex, self.text)
        if not comp:
            return
        r = Reading(sent, comp, index, topic=self.carry, head=self.carry_head)
        self.carry = self.carry_head = None   # a heading sentence's topic serves budget/actual cues only
        filler, handlers = self.lex.filler_re.fullmatch, self.handlers
        for tok in tokenise(self.lex, comp):
            c = r.clause
            kind, start = tok.lastgroup, tok.start()
            if start != c.gap_start and not filler(comp, c.gap_start, start):
                c.broken = True   # unread words between a phrase and a figure break the link
            c.gap_start = tok.end()
            c.seen += 1
            if kind == "num" and c.seen == 1 and c.pending and c.cue is None:
                c.cue = c.pending   # the figure the dangling cue announced
            if r.stopped and kind != "sep":
                continue   # a reason clause is not read
            handlers[kind](r, tok)
        if r.has_function and not r.has_number and r.last is not None:
            self.carry = r.last       # a heading line; its figures follow in the next sentence
        if sent.ends_with_colon and (r.last or r.head):
            self.carry_head = r.last or r.head
        if r.named_any:
            self.previous = r.last if r.locked else None

    def idle(self, sent: Sentence) -> bool:
        """A sentence without a digit states no figure; unless it ends with a
        colon (a breakdown follows) or names a functional heading (its figures
        follow in the next sentence) it hands nothing on and need not be read."""
        if sent.ends_with_colon or DIGIT_OR_MARK.search(self.view, sent.start, sent.end):
            return False
        return not self.lex.function_name_re.search(self.view, sent.start, sent.end)

    def named(self, r: Reading, metrics: tuple[str, ...], function: dict[str, str] | None = None,
              item: str = "") -> None:
        t = Topic(metrics, r.index[r.clause_start], function, item)
        self.widen(r, metrics)
        if r.topic is None or not r.locked:
            r.topic = t   # until a figure is read, the deepest heading named is the topic
        c = r.clause
        if c.shared and c.term is None:
            r.subjects.append(t)        # A、B: one more subject of a list
        else:
            r.subjects, r.each = [t], False
        r.last = c.term = t
        r.named_any = True
        c.broken = False
        c.fresh = True

    # -- one handler per token kind ----------------------------------------
    def on_sep(self, r: Reading, tok: Token) -> None:
        c = r.clause
        if tok.group() == self.lex.list_sep and r.list_pos and _list_follows(r.comp, tok.start(), self.lex.list_sep):
            c.gap_start = tok.end()
            return   # 各下降1.9%、3.8%: the list of figures goes on in the same clause
        # 'A、B比上年减少X': the figure after a list belongs to A and B together
        shared = tok.group() == self.lex.list_sep and (r.stopped or (c.term is not None and not c.consumed))
        r.stopped = False
        if tok.group() in self.lex.item_sep:
            r.locked = False   # ；: the next item of a list has a subject of its own
        c.next_clause()
        c.shared = shared
        r.list_pos = 0
        r.clause_start = tok.end()

    def on_year(self, r: Reading, tok: Token) -> None:
        ym = self.lex.compared_year.search(tok.group())
        if ym:
            r.compared = int(ym.group(1))
            r.versus_budget = False

    def on_heading(self, r: Reading, tok: Token) -> None:
        name = tok.group("fname")
        for prefix in self.head_cues:   # '其中行政单位医疗(项)' names 行政单位医疗
            if name.startswith(prefix) and len(name) > len(prefix) + 1:
                name = name[len(prefix):]
                break
        mark = tok.group("fmark")
        level = mark if mark in LEVELS else LEVEL_OF_DIGITS[len(mark)]
        code = mark if mark.isdigit() else (tok.group("fcode") or "")
        if code and LEVEL_OF_DIGITS.get(len(code)) != level:
            code = ""   # a code that does not fit the level is not this heading's
        r.path = descend(r.path, level, name, code)
        mapped = "" if code else map_heading(self.lex, name, level, parent_code(r.path, level))
        if mapped:
            r.path[level] = (name, "", mapped)
        self.named(r, ("function_expenditure",), heading_of(r.path, level, mapped_code=mapped))
        r.has_function = True

    def on_phrase(self, r: Reading, tok: Token) -> None:
        phrase, lex = tok.group(), self.lex
        if phrase in lex.not_terms:
            r.clause.broken, r.clause.term = True, None
        elif phrase in lex.previous_year_words:
            if self.fiscal_year:
                r.compared = self.fiscal_year - 1
            r.versus_budget = False
        elif phrase in lex.cues:
            self.on_cue(r, lex.cues[phrase])
        elif phrase in lex.function_names:
            self.on_function_name(r, phrase, tok)
        else:
            self.on_term(r, phrase)

    def on_cue(self, r: Reading, kind: Cue) -> None:
        c = r.clause
        if kind == Cue.STOP:
            r.stopped = True
        elif kind == Cue.HEAD:
            if r.last is None and not r.named_any:
                r.last = self.previous   # 。其中：… opens a sentence: the breakdown of the last one's subject
            if r.last is not None:
                r.head = r.last
                r.head_measure = Measure.BUDGET if (
                    c.cue in (Cue.BUDGET, Cue.BUDGET_ADJUSTED) or r.last_budget
                    or any(_group(x) == "budget" for x in r.last.metrics)
                ) else Measure.AMOUNT
            r.topic = r.last = c.term = None
            c.broken = True
        elif kind == Cue.EACH:
            r.each = True
        elif kind == Cue.QUALIFIER:
            r.flags.append("approximate")
        elif kind in (Cue.RATIO, Cue.BOUND):
            c.skip = True
        elif kind in (Cue.VERSUS_BUDGET, Cue.OVER_BUDGET, Cue.UNDER_BUDGET):
            r.versus_budget = c.versus = True
            if kind != Cue.VERSUS_BUDGET:
                c.set_cue(kind)
        elif kind != Cue.GAP:
            c.set_cue(kind)

    def on_function_name(self, r: Reading, phrase: str, tok: Token) -> None:
        code, level = self.lex.function_names[phrase]
        r.path = descend(r.path, level, phrase, "")
        r.path[level] = (phrase, "", code)
        # a heading listed under an income total, or named as 城乡医疗救助拨款收入, is income
        income = (r.head is not None and any(x in self.lex.income_heads for x in r.head.metrics)) or bool(
            self.lex.function_income_re.match(r.comp, tok.end()))
        metric = "function_income" if income else "function_expenditure"
        self.named(r, (metric,), heading_of(r.path, level, mapped_code=code))
        r.has_function = True

    def on_term(self, r: Reading, phrase: str) -> None:
        c = r.clause
        metrics = self.lex.phrase_metrics(phrase, r.sent.section, r.head.metrics if r.head else ())
        if metrics is None:
            return   # not a phrase here
        if c.expect_base:
            c.base = self.lex.share_bases.get(phrase) or (metrics[0] if metrics else "")
            c.expect_base = False
        elif not metrics:
            c.broken, c.term = True, None
        else:
            self.named(r, metrics)

    def on_number(self, r: Reading, tok: Token) -> None:
        m, c = tok, r.clause
        after = r.comp[tok.end():tok.end() + 1]
        if m.group("unit") is None and after and after in self.lex.date_suffix:
            return  # a date is filler
        r.has_number = r.has_number or bool(m.group("unit"))
        if c.broken and c.term is None and not c.shared and not c.skip:
            self.on_unnamed_item(r, tok)
        if c.broken or c.skip:
            return
        targets = self._targets(r, tok)
        emitted = False
        for target, positions in targets:
            emitted = self._emit(r, tok, target, positions) or emitted
        r.flags = []
        if emitted:
            c.consumed = r.locked = True
            c.fresh = False
            if c.cue in FIGURE_CUES:
                c.cue = None

    def widen(self, r: Reading, metrics: tuple[str, ...]) -> None:
        """总收入A，其中本年收入B: a part named like its head makes the head the wider total."""
        head = r.head
        if head is None or head.metrics != metrics or metrics[0] not in self.lex.wider_totals:
            return
        wider = self.lex.wider_totals[metrics[0]]
        head.metrics = (wider,)
        for f in head.facts:
            f.metric = wider

    def on_unnamed_item(self, r: Reading, tok: Token) -> None:
        """A figure after words the vocabulary lacks. Under a head whose items
        have a metric of their own (公务接待 by purpose) it is that item's;
        otherwise the item yields nothing, and the figures after it (占X%)
        must not fall back on the metric named before it."""
        item = self.lex.item_heads.get(r.head.metrics[0], "") if r.head is not None else ""
        name = CJK_WORD.search(r.comp, r.clause_start, tok.start())
        if item and r.clause.cue is None and name:
            self.named(r, (item,), item=name.group(0))
        elif r.clause.cue is None:
            r.last = None

    # -- which metric a figure belongs to ----------------------------------
    def _targets(self, r: Reading, tok: Token) -> list[tuple[Topic, list[tuple[int, int, str]]]]:
        """The topics the figure(s) of this token go to, each with the
        positions of its numbers: one topic for a plain figure; one per
        subject, in order, for a list (A、B分别为X、Y; 收、支总计各减少X、Y)."""
        m, c = tok, r.clause
        if m.group("numlist"):
            body_end = m.start("unit") if m.group("unit") is not None else m.end()
            positions = [(n.start(), n.end(), n.group(0)) for n in SIGNED_RE.finditer(r.comp, m.start(), body_end)]
        else:   # one number: the token itself up to its stray point or unit
            end = m.start("stray") if m.group("stray") is not None else (
                m.start("unit") if m.group("unit") is not None else m.end())
            positions = [(m.start(), end, r.comp[m.start():end])]
        in_list = len(positions) > 1 or r.list_pos > 0 or _list_follows(r.comp, tok.end(), self.lex.list_sep)
        if c.shared and (not r.each or len(r.subjects) < 2):
            return []            # the figure after a list, without 分别/各, is their sum
        if r.each and len(r.subjects) > 1:
            subjects = r.subjects
        else:
            target = self._target(r, m)
            if target is None:
                return []
            if len(target.metrics) < 2 or not in_list:
                if in_list:
                    r.list_pos += len(positions)
                return [(target, positions)]
            subjects = [Topic((x,), target.quote_start, target.function) for x in target.metrics]
        if not in_list:
            return [(s, positions) for s in subjects]            # 均为X: each subject X
        out = []
        for p in positions:
            if r.list_pos < len(subjects):
                out.append((subjects[r.list_pos], [p]))
            r.list_pos += 1
        return out

    def _target(self, r: Reading, m: re.Match[str]) -> Topic | None:
        """Which topic a number in this clause belongs to."""
        c = r.clause
        if c.term is not None:
            return c.term
        unit = m.group("unit") or ""
        if c.cue in (Cue.INCREASE, Cue.SIGN_UNKNOWN) and not r.named_any:
            return r.topic or self.previous   # 。比上年增加X万元: the last sentence's subject
        if c.cue in (Cue.SHARE, Cue.INCREASE, Cue.SIGN_UNKNOWN, Cue.COMPLETION):
            return r.last or (r.topic if not r.named_any else None)
        if c.cue in FIGURE_CUES:
            return r.last if (r.last is not None and c.fresh) else (r.topic or r.last)
        subject = r.last or (None if r.named_any else (r.topic or self.previous))
        if subject is not None and unit in self.lex.count_switch.get(subject.metrics[0], {}):
            return subject   # 接待12批次: the batches of the reception named last
        return None

    def _measure(self, r: Reading, unit: str, metrics: list[str], flags: list[str]) -> tuple[str, list[str]] | None:
        lex, c = self.lex, r.clause
        if unit in lex.percent_units:
            measure = {Cue.SHARE: Measure.SHARE_PCT, Cue.INCREASE: Measure.CHANGE_PCT,
                       Cue.COMPLETION: Measure.COMPLETION_PCT}.get(c.pct) if c.pct else None
            return (measure, metrics) if measure else None
        if unit in lex.money_units or unit == "":
            return self._money_measure(r, unit, metrics, flags)
        switched = lex.count_switch.get(metrics[0], {})
        if unit in switched:
            metrics = [switched[unit]]
        if any(unit not in lex.count_units.get(x, ()) for x in metrics):
            return None
        return (Measure.CHANGE_AMOUNT if c.cue == Cue.INCREASE else Measure.COUNT), metrics

    def _money_measure(self, r: Reading, unit: str, metrics: list[str], flags: list[str]) -> tuple[str, list[str]] | None:
        c = r.clause
        if c.cue in (Cue.SHARE, Cue.COMPLETION):
            return None
        for x in metrics:
            if METRIC_KINDS.get(x) != "money":
                return None
        if unit == "" and c.cue not in (*FIGURE_CUES, None, Cue.INCREASE):
            return None
        if c.cue in (Cue.INCREASE, Cue.SIGN_UNKNOWN):
            measure: str = Measure.CHANGE_AMOUNT
            if c.cue == Cue.SIGN_UNKNOWN:
                flags.append("sign_unresolved")
        elif c.cue in (Cue.BUDGET, Cue.BUDGET_ADJUSTED):
            measure = Measure.BUDGET if c.cue == Cue.BUDGET else Measure.BUDGET_ADJUSTED
        elif r.head is not None and r.head_measure == Measure.BUDGET and c.term is not None and not any(
            _group(x) == "budget" for x in metrics
        ):
            measure = Measure.BUDGET   # parts of a budget are budgets
        else:
            measure = Measure.AMOUNT
        if measure in (Measure.BUDGET, Measure.BUDGET_ADJUSTED) and all(_group(x) == "budget" for x in metrics):
            measure = Measure.AMOUNT   # a budget metric's figure is its amount
        if measure in (Measure.BUDGET, Measure.BUDGET_ADJUSTED):
            mapped = [self.lex.budget_metric.get(x, {}).get(measure, x) for x in metrics]
            if mapped != metrics:
                return Measure.AMOUNT, mapped
        return measure, metrics

    # -- the fact ----------------------------------------------------------
    def _emit(self, r: Reading, tok: Token, target: Topic, positions: list[tuple[int, int, str]]) -> bool:
        """The facts of one number token for one topic; False when the figure is none of ours."""
        c = r.clause
        unit = tok.group("unit") or ""
        flags: list[str] = ["stray_character"] if tok.group("stray") else []
        flags += r.flags
        decided = self._measure(r, unit, list(target.metrics), flags)
        if decided is None:
            return False
        measure, metrics = decided
        unit = self._unit(r, unit, metrics[0], flags)
        if measure in CHANGE and r.versus_budget:
            measure = VERSUS_BUDGET[Measure(measure)]
        elif c.versus:
            return False   # 与预算数相比 … without a verb: not a figure of ours
        # the breakdown (其中) after a budget figure lists budgets
        r.last_budget = measure in (Measure.BUDGET, Measure.BUDGET_ADJUSTED) or (
            measure == Measure.AMOUNT and c.cue == Cue.BUDGET)
        span = self._quote(r, tok, target)
        for k, (p0, p1, raw) in enumerate(positions):
            these = metrics if len(positions) == 1 else [metrics[min(k, len(metrics) - 1)]]
            for metric in these:
                f = self._fact(r, target, metric, measure, unit, (r.index[p0], r.index[p1 - 1] + 1), raw, span, flags)
                self.facts.append(f)
                target.facts.append(f)
        return True

    def _unit(self, r: Reading, unit: str, metric: str, flags: list[str]) -> str:
        """The unit a money figure is in: as printed, else the section's (flagged), else none (flagged)."""
        if unit == "" and METRIC_KINDS.get(metric) == "money":
            if r.sent.unit:
                flags.append("unit_from_section")   # 单位：万元 above: inherited, never guessed
                return r.sent.unit
            flags.append("unit_missing")
        elif unit in self.lex.abbreviated_units:
            flags.append("unit_abbreviated")
        return unit

    def _fact(self, r: Reading, target: Topic, metric: str, measure: str, unit: str, at: tuple[int, int], raw: str,
              span: tuple[int, int], flags: list[str]) -> F:
        """One fact: the value signed by the verb, the quote and the printed digits from the source."""
        c, lex = r.clause, self.lex
        value, decimals = parse_number(raw)
        flags = list(flags)
        value = _signed(value, decimals, measure, c.sign, flags)
        base = c.base or (r.head.metrics[0] if (measure == Measure.SHARE_PCT and r.head is not None) else "")
        if c.base and r.head is not None and r.head.metrics[0] in lex.base_variants.get(c.base, []):
            base = r.head.metrics[0]
        f = self.fact_type(
            doc_id=self.doc_id, metric=metric, measure=str(measure), value=value,
            # as printed: the source's own characters (full-width digits, a line break inside)
            value_text=self.text[at[0]:at[1]], unit=unit, decimals=decimals,
            value_wan=value * lex.money_units[unit] if unit in lex.money_units else None,
            base_metric=base if measure == Measure.SHARE_PCT and base != metric else "",
            compared_year=r.compared if measure in CHANGE else None,
            char_start=span[0], char_end=span[1], value_start=at[0], value_end=at[1],
            quote=self.text[span[0]:span[1]], section="/".join(r.sent.section), flags=flags,
        )
        if metric in ("function_expenditure", "function_income") and target.function:
            place(f, target.function)
        elif target.item:
            f.function_name = target.item   # the item's own name tells it from its siblings
        if measure in CHANGE and r.compared is None:
            f.flags.append("compared_year_unstated")
        return f

    def _quote(self, r: Reading, tok: Token, target: Topic) -> tuple[int, int]:
        """From the clause naming the metric to the end of this figure's clause
        (a quote-ending mark, or a line break of the source, whichever is first)."""
        comp, index = r.comp, r.index
        stop = self.lex.quote_end_re.search(comp, tok.end())
        q_end = stop.start() if stop else len(comp)
        newline = self.text.find("\n", index[tok.end() - 1] + 1, index[q_end - 1] + 1)
        if newline != -1:
            q_end = bisect_right(index, newline, tok.end(), q_end)
        char_start = min(target.quote_start, index[tok.start()])
        while char_start > r.sent.start and self.view[char_start - 1] in self.lex.drop_chars:
            char_start -= 1
        return char_start, index[q_end - 1] + 1


def _signed(value: Decimal, decimals: int, measure: str, sign: int | None, flags: list[str]) -> Decimal:
    """A change takes its sign from the verb; a printed minus is kept."""
    if measure not in CHANGE and measure not in VERSUS_BUDGET.values():
        return value
    if sign == 0:
        return Decimal(0).quantize(value) if decimals else Decimal(0)
    if sign == -1 and value < 0:
        flags.append("minus_after_decrease")   # 下降-5%: the printed sign is kept
        return value
    return value.copy_negate() if sign == -1 else value   # exact: unary minus rounds to the context precision (28 digits)


def _list_follows(comp: str, end: int, sep: str) -> bool:
    """Another figure of the same list follows: `X、Y`."""
    return comp[end:end + 1] == sep and (comp[end + 1:end + 2].isdigit() or comp[end + 1:end + 3][:1] == "-")


def _group(metric: str) -> str:
    return METRIC_GROUPS.get(metric, "")
