"""`make fuzz`: a bounded fuzz of the extractor, printing what it found.

Inputs are (a) lines of the genre taken from data/sources/*.txt and mutated the
way real conversions damage them (characters dropped or doubled, line breaks
inside numbers, full-width digits, printed minus signs, stray brackets and
units, lines repeated) and (b) random Unicode. For every input the extractor
must not raise, and every fact must keep the invariants the package relies on:
the quote IS the text at its span, the number's span lies inside the quote, and
the value is what the span prints (full-width folded, breaks and grouping
removed). The harness prints figures; it does not time-assert anything.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from juesuan.extract import Fact, default_lexicon, extract
from juesuan.extract.lexicon import Lexicon
from juesuan.figures import MINUS, printed
from juesuan.paths import SOURCES
from juesuan.validate import number_reads_as

MAX_CHARS = 6000
FULL_WIDTH = str.maketrans("0123456789.-%", "０１２３４５６７８９．－％")
NOISE = ["万元", "元", "%", "（", "）", "(", ")", "：", "，", "。", "；", "其中", "占", "增长", "减少", "-", "−", "－",
         "\n", " ", "\t", "亿元", "比上年", "合计", ".", "..", "0", "１", "[bookmark: _Toc1]", "\u200b", "\ufeff", "\r"]


def genre_lines(root: Path = SOURCES) -> list[str]:
    """Lines of the sources that state a figure: the genre as printed."""
    out = []
    for path in sorted(root.glob("*.txt")):
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            if any(ch.isdigit() for ch in line) and len(line) <= 400:
                out.append(line)
    return out


def random_unicode(rng: random.Random, n: int) -> str:
    """Any code points (surrogates included: a str can hold them), biased to CJK and digits."""
    pools = [(0x4E00, 0x9FFF), (0x30, 0x39), (0xFF10, 0xFF19), (0x20, 0x7E), (0x3000, 0x303F), (0x0, 0x10FFFF)]
    out = []
    for _ in range(n):
        lo, hi = rng.choice(pools)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def _digit_positions(s: str) -> list[int]:
    return [i for i, ch in enumerate(s) if ch.isdigit()]


def mutate(line: str, rng: random.Random) -> str:
    """One damage of the kinds PDF/Word conversion and retyping cause."""
    if not line:
        return line
    i = rng.randrange(len(line))
    j = min(len(line), i + rng.randint(1, 8))
    digits = _digit_positions(line)
    op = rng.randrange(11)
    if op == 0:
        return line[:i] + line[j:]                                   # characters dropped
    if op == 1:
        return line[:j] + line[i:j] + line[j:]                       # a run doubled
    if op == 2 and digits:
        k = rng.choice(digits)
        return line[:k] + rng.choice(["\n", " ", "\n\n", " \n"]) + line[k:]   # a break inside a number
    if op == 3:
        return line[:i] + line[i:j].translate(FULL_WIDTH) + line[j:]        # full-width digits
    if op == 4 and digits:
        k = rng.choice(digits)
        return line[:k] + rng.choice(MINUS) + line[k:]                       # a printed minus
    if op == 5:
        return line[:i] + rng.choice(NOISE) + line[i:]                       # a stray token
    if op == 6:
        return line[:i] + random_unicode(rng, rng.randint(1, 6)) + line[i:]  # random characters
    if op == 7 and digits:
        k = rng.choice(digits)
        return line[:k] + str(rng.randint(0, 9)) * rng.randint(1, 30) + line[k:]   # a long number
    if op == 8:
        return "\n".join(line[n:n + 1] for n in range(len(line)))               # one character per line
    if op == 9:
        return line * rng.randint(2, 5)                                          # a line repeated
    return line[:i] + "," + line[i:]                                             # grouping commas


@dataclass
class Report:
    tried: int = 0
    chars: int = 0
    seconds: float = 0.0
    facts: int = 0
    exceptions: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    span_mismatches: list[str] = field(default_factory=list)
    value_mismatches: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")


def digits_value(value_text: str) -> Decimal | None:
    """The magnitude value_text prints, or None if it prints no number."""
    try:
        return Decimal(printed(value_text).lstrip(MINUS))
    except InvalidOperation:
        return None


def invariant_problems(text: str, facts: Iterable[Fact]) -> tuple[list[str], list[str]]:
    """(quote/span problems, value/span problems) of the facts read from `text`."""
    spans, values = [], []
    for f in facts:
        cs, ce, vs, ve = f.char_start, f.char_end, f.value_start, f.value_end
        if text[cs:ce] != f.quote:
            spans.append(f"quote != text[{cs}:{ce}]: {f.quote!r} vs {text[cs:ce]!r}")
            continue
        if not (0 <= cs <= vs < ve <= ce <= len(text)):
            spans.append(f"number span {vs}:{ve} outside quote {cs}:{ce}")
            continue
        magnitude = digits_value(f.value_text)
        if not number_reads_as(text[vs:ve], f.value_text) or magnitude is None or magnitude != f.value.copy_abs():
            values.append(f"value {f.value} (value_text {f.value_text!r}) but the span prints {text[vs:ve]!r}")
    return spans, values


def run_one(text: str, report: Report, lex: Lexicon) -> None:
    t0 = time.perf_counter()
    try:
        facts = extract(text, "fuzz", lex, 2021)
    except Exception as exc:
        key = f"{type(exc).__name__}: {str(exc)[:80]}"
        report.exceptions[key] += 1
        report.examples.setdefault(key, text[:200])
        return
    finally:
        dt = time.perf_counter() - t0
        report.tried += 1
        report.chars += len(text)
        report.seconds += dt
        if dt > report.slowest[0]:
            report.slowest = (dt, text)
    report.facts += len(facts)
    spans, values = invariant_problems(text, facts)
    report.span_mismatches += spans
    report.value_mismatches += values


def inputs(rng: random.Random, lines: list[str]) -> Callable[[], str]:
    def make() -> str:
        kind = rng.random()
        if kind < 0.15:
            return random_unicode(rng, rng.randint(0, 400))
        chosen = [rng.choice(lines) for _ in range(rng.randint(1, 6))]
        for _ in range(rng.randint(1, 6)):
            k = rng.randrange(len(chosen))
            chosen[k] = mutate(chosen[k], rng)
        text = "\n".join(chosen)
        if kind > 0.9:
            text = unicodedata.normalize(rng.choice(["NFC", "NFD", "NFKC", "NFKD"]), text)
        return text[:MAX_CHARS]
    return make


def fuzz(seconds: float, seed: int) -> Report:
    rng = random.Random(seed)
    lex = default_lexicon()
    lines = genre_lines()
    make = inputs(rng, lines)
    # the first call builds the lexicon's lazy tables (~0.15 s): outside the timing, or the
    # "slowest input" printed would be whichever input happened to come first
    extract("\n".join(lines[:50]), "warm-up", lex, 2021)
    report = Report()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run_one(make(), report, lex)
    return report


def print_report(r: Report, seconds: float, seed: int, out: TextIO = sys.stdout) -> None:
    def p(s: str = "") -> None:
        print(s, file=out)

    p(f"fuzz of extract(): {seconds:.0f} s budget, seed {seed}")
    p(f"  inputs tried        {r.tried}  ({r.chars / 1e6:.2f} M chars, {r.chars / max(r.seconds, 1e-9) / 1e6:.2f} M chars/s in extract)")
    p(f"  facts read          {r.facts}")
    p(f"  exceptions          {sum(r.exceptions.values())}")
    for key, n in r.exceptions.most_common(5):
        p(f"    {n} × {key}\n      input: {r.examples[key]!r}")
    p(f"  quote != span       {len(r.span_mismatches)}")
    for m in r.span_mismatches[:5]:
        p(f"    {m}")
    p(f"  value != span       {len(r.value_mismatches)}")
    for m in r.value_mismatches[:5]:
        p(f"    {m}")
    dt, text = r.slowest
    p(f"  slowest input       {dt * 1000:.1f} ms, {len(text)} chars: {text[:80]!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=30.0, help="time budget (default 30)")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000, help="random seed (printed; rerun with it)")
    args = ap.parse_args(argv)
    report = fuzz(args.seconds, args.seed)
    print_report(report, args.seconds, args.seed)
    return 1 if report.exceptions or report.span_mismatches or report.value_mismatches else 0
