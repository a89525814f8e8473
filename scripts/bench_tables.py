#!/usr/bin/env python3
"""Print how fast the flattened-table reader runs and, where the genre corpus
with its gold is present (tests/corpus/), how well it reads the table cells.

Throughput is CPU time (time.process_time) on one large text (the sources
repeated to about 8 MB, tables included) and on many small documents in one
process; nothing is asserted: the figures are for reading.
"""
from __future__ import annotations

import csv
import sys
import time
from decimal import Decimal

from juesuan.extract.lexicon import default_lexicon
from juesuan.extract.tables import read_tables
from juesuan.paths import ROOT, SOURCES

CORPUS = ROOT / "tests" / "corpus"


def throughput(texts: list[str]) -> tuple[float, int]:
    lex = default_lexicon()
    read_tables("项目\n决算数\n", "warm", lex, 2022)
    size = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.process_time()
    n = sum(len(read_tables(t, f"d{i}", lex, 2022)) for i, t in enumerate(texts))
    return size / 1e6 / max(time.process_time() - t0, 1e-9), n


def gold_scores() -> None:
    """Recall on gold rows marked `table`, precision of table facts against all gold rows."""
    index = CORPUS / "corpus.csv"
    if not index.exists():
        print("no genre corpus (tests/corpus/corpus.csv): gold scores skipped")
        return
    lex = default_lexicon()
    total_gold = total_found = total_facts = total_right = 0
    with open(index, encoding="utf-8", newline="") as fh:
        docs = list(csv.DictReader(fh))
    for doc in docs:
        text = (CORPUS / f"{doc['doc_id']}.txt").read_text(encoding="utf-8")
        with open(CORPUS / f"{doc['doc_id']}.csv", encoding="utf-8", newline="") as fh:
            gold = list(csv.DictReader(fh))

        def key(line: str | int, metric: str, measure: str, value: str, unit: str, code: str) -> tuple:
            return int(line), metric, measure, Decimal(value.replace(",", "")), unit, code

        every = {key(g["line"], g["metric"], g["measure"], g["value"], g["unit"], g["function_code"]) for g in gold}
        table = {key(g["line"], g["metric"], g["measure"], g["value"], g["unit"], g["function_code"])
                 for g in gold if g.get("table") == "1"}
        got = {key(text.count("\n", 0, f.value_start) + 1, f.metric, f.measure, str(f.value), f.unit, f.function_code)
               for f in read_tables(text, doc["doc_id"], lex, int(doc["fiscal_year"]))}
        total_gold += len(table)
        total_found += len(table & got)
        total_facts += len(got)
        total_right += len(got & every)
        print(f"  {doc['doc_id']:34} table cells {len(table):3}  read {len(table & got):3}  "
              f"facts {len(got):3}  right {len(got & every):3}")
    print(f"corpus tables: recall {total_found / max(total_gold, 1):.3f}  "
          f"precision {total_right / max(total_facts, 1):.3f}")


def main() -> int:
    sources = [p.read_text(encoding="utf-8") for p in sorted(SOURCES.glob("*.txt"))]
    extra = sorted(CORPUS.glob("*.txt")) if CORPUS.exists() else []
    docs = sources + [p.read_text(encoding="utf-8") for p in extra]
    one = "\n".join(docs)
    large = one * max(1, int(8e6 / len(one.encode("utf-8"))))
    mbs, n = throughput([large])
    print(f"one text of {len(large.encode('utf-8')) / 1e6:.1f} MB: {mbs:.2f} MB/s CPU, {n} table facts")
    small = docs * max(1, 500 // len(docs))
    mbs, n = throughput(small)
    print(f"{len(small)} small documents: {mbs:.2f} MB/s CPU, {n} table facts")
    gold_scores()
    return 0


if __name__ == "__main__":
    sys.exit(main())
