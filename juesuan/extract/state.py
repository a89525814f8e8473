"""What a sentence reading keeps: the topic of a figure, the current clause
and the sentence so far. The grammar (reader.py) reads and writes these; they
hold no behaviour beyond resetting a clause and recording its cue."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from juesuan.extract.lexicon import Cue
from juesuan.extract.text import Sentence
from juesuan.model import Measure

FIGURE_CUES = (Cue.ACTUAL, Cue.BUDGET, Cue.BUDGET_ADJUSTED)
SIGN_OF = {Cue.INCREASE: 1, Cue.DECREASE: -1, Cue.FLAT: 0, Cue.OVER_BUDGET: 1, Cue.UNDER_BUDGET: -1}


class Fact(Protocol):
    """What the grammar needs of the fact type it is given."""
    metric: str
    flags: list[str]
    function_code: str
    function_name: str
    function_level: str
    function_path: str


F = TypeVar("F", bound=Fact)


@dataclass(slots=True)
class Topic:
    metrics: tuple[str, ...]
    quote_start: int                    # original offset where its clause begins
    function: dict[str, str] | None = None
    item: str = ""                      # the name of an item the vocabulary lacks (公务接待 by purpose)
    facts: list[Fact] = field(default_factory=list)   # what was read for it


@dataclass(slots=True)
class Clause:
    """What the current clause has said so far."""
    cue: Cue | None = None       # the last cue: what kind of figure comes next
    sign: int | None = None      # the sign a change verb gave (None: unknown)
    pct: Cue | None = None       # what a percent means here (SHARE, COMPLETION, INCREASE…)
    skip: bool = False           # a figure of no interest (a reason clause, a ratio)
    versus: bool = False         # this clause compares with the budget: only differences count
    base: str = ""
    expect_base: bool = False
    term: Topic | None = None
    broken: bool = False         # unread words stand between the term and a figure
    consumed: bool = False
    fresh: bool = False          # the last metric named has not yet had a figure
    shared: bool = False         # this clause's figure belongs to a list of subjects
    pending: Cue | None = None   # a cue that ended the previous clause with no figure
    seen: int = 0                # tokens read in this clause
    gap_start: int = 0

    def next_clause(self) -> None:
        dangling = self.cue in FIGURE_CUES and not self.consumed
        self.pending = self.cue if dangling else None   # 支出决算为,8.64万元: a cue left hanging
        self.cue = self.sign = self.pct = self.term = None
        self.skip = self.versus = self.expect_base = self.broken = self.consumed = False
        self.base = ""
        self.seen = 0

    def set_cue(self, kind: Cue) -> None:
        if kind in SIGN_OF:
            self.sign, self.cue, self.pct = SIGN_OF[kind], Cue.INCREASE, Cue.INCREASE
        elif kind == Cue.SIGN_UNKNOWN:
            self.sign, self.cue, self.pct = None, Cue.SIGN_UNKNOWN, Cue.INCREASE
        elif kind == Cue.SHARE:
            self.cue, self.pct, self.expect_base = Cue.SHARE, Cue.SHARE, True
        elif kind == Cue.COMPLETION:
            self.cue, self.pct = Cue.COMPLETION, Cue.COMPLETION
        else:
            self.cue = kind


@dataclass(slots=True)
class Reading:
    """What the sentence has said so far (carried across its clauses)."""
    sent: Sentence
    comp: str
    index: Sequence[int]
    topic: Topic | None = None          # the sentence's subject once a figure locked it
    last: Topic | None = None           # the last metric named
    head: Topic | None = None           # the breakdown's head (其中 …)
    head_measure: str = Measure.AMOUNT
    clause_start: int = 0
    compared: int | None = None
    versus_budget: bool = False         # changes are against the budget, not a year
    path: dict[str, tuple[str, ...]] = field(default_factory=dict)
    has_function: bool = False
    has_number: bool = False
    locked: bool = False
    stopped: bool = False
    subjects: list[Topic] = field(default_factory=list)   # A、B … 分别/各/均
    each: bool = False                  # a distributive cue was read
    list_pos: int = 0                   # the position in a list of figures
    flags: list[str] = field(default_factory=list)        # qualifiers (不到, 约) for the next figure
    named_any: bool = False             # a metric was named in this sentence
    last_budget: bool = False           # the last figure read was a budget
    clause: Clause = field(default_factory=Clause)
