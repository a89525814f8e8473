"""Precision and recall of the extractor against the hand-checked gold files,
per document and per metric group, and its throughput in MB/s."""
from __future__ import annotations

import csv
import time
from collections import Counter, defaultdict
from decimal import Decimal

from juesuan.extract.facts import METRIC_GROUPS, _load_vocabulary, extract
from juesuan.extract.lexicon import default_lexicon
from juesuan.package.build import line_of
from juesuan.paths import ROOT
from juesuan.sources import load_sources

GOLD = ROOT / "tests" / "gold"
Key = tuple[str, int, str, str, Decimal, str, str]


def gold_keys(doc_id: str, include_tables: bool = False) -> Counter[Key]:
    out: Counter[Key] = Counter()
    with open(GOLD / f"{doc_id}.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["table"] and not include_tables:
                continue
            out[(doc_id, int(r["line"]), r["metric"], r["measure"], Decimal(r["value"]), r["unit"], r["function_code"])] += 1
    return out


def extracted_keys(doc_id: str, text: str, year: int) -> Counter[Key]:
    out: Counter[Key] = Counter()
    for f in extract(text, doc_id, default_lexicon(), year):
        out[(doc_id, line_of(text, f.value_start), f.metric, f.measure, f.value, f.unit, f.function_code)] += 1
    return out


def score(gold: Counter[Key], got: Counter[Key]) -> tuple[int, int, int]:
    tp = sum((gold & got).values())
    return tp, sum(got.values()), sum(gold.values())


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "—"


def run(verbose: bool = False) -> dict[str, float]:
    _load_vocabulary()
    sources = [s for s in load_sources() if (GOLD / f"{s.doc_id}.csv").exists()]
    total_gold: Counter[Key] = Counter()
    total_got: Counter[Key] = Counter()
    print(f"{'document':22} {'gold':>5} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7}")
    for s in sources:
        g, e = gold_keys(s.doc_id), extracted_keys(s.doc_id, s.text, s.fiscal_year)
        tp, n_got, n_gold = score(g, e)
        total_gold += g
        total_got += e
        print(f"{s.doc_id:22} {n_gold:5} {n_got:6} {tp:6} {ratio(tp, n_got):>10} {ratio(tp, n_gold):>7}")
    tp, n_got, n_gold = score(total_gold, total_got)
    print(f"{'ALL':22} {n_gold:5} {n_got:6} {tp:6} {ratio(tp, n_got):>10} {ratio(tp, n_gold):>7}")

    print(f"\n{'metric group':22} {'gold':>5} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7}")
    by_group: dict[str, tuple[Counter[Key], Counter[Key]]] = defaultdict(lambda: (Counter(), Counter()))
    for k, n in total_gold.items():
        by_group[METRIC_GROUPS.get(k[2], "?")][0][k] += n
    for k, n in total_got.items():
        by_group[METRIC_GROUPS.get(k[2], "?")][1][k] += n
    for group in sorted(by_group):
        g, e = by_group[group]
        tp_g, got_g, gold_g = score(g, e)
        print(f"{group:22} {gold_g:5} {got_g:6} {tp_g:6} {ratio(tp_g, got_g):>10} {ratio(tp_g, gold_g):>7}")

    missed = total_gold - total_got
    extra = total_got - total_gold
    print(f"\nmissed ({sum(missed.values())}):")
    for k in sorted(missed):
        print("  ", k[0], "line", k[1], k[2], k[3], k[4], k[5], k[6])
    print(f"not in gold ({sum(extra.values())}):")
    for k in sorted(extra):
        print("  ", k[0], "line", k[1], k[2], k[3], k[4], k[5], k[6])

    # throughput: all sources, repeated, one core
    lex = default_lexicon()
    text_bytes = sum(len(s.text.encode("utf-8")) for s in sources)
    rounds = 20
    t0 = time.perf_counter()
    for _ in range(rounds):
        for s in sources:
            extract(s.text, s.doc_id, lex, s.fiscal_year)
    secs = time.perf_counter() - t0
    mbps = text_bytes * rounds / secs / 1e6
    print(f"\nthroughput: {text_bytes * rounds / 1e6:.2f} MB of source text in {secs:.2f} s = {mbps:.2f} MB/s (one core)")
    return {"precision": tp / n_got if n_got else 0.0, "recall": tp / n_gold if n_gold else 0.0, "mb_per_s": mbps}


if __name__ == "__main__":
    run()
