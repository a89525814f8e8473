#!/usr/bin/env python3
"""Print how fast the flattened-table reader runs and, where the genre corpus
with its gold is present (tests/corpus/), how well it reads the table cells.

Throughput is CPU time (time.process_time) on one large text (the sources
repeated to about 8 MB, tables included) and on many small documents in one
process; nothing is asserted: the figures are for reading.
"""
from __future__ import annotations

import sys
import time
from collections import Counter

from juesuan.bench.extract import CORPUS, CORPUS_CSV, Key, corpus_documents, read_gold, score
from juesuan.extract.lexicon import default_lexicon
from juesuan.extract.tables import read_tables
from juesuan.lines import LineIndex
from juesuan.paths import SOURCES


def throughput(texts: list[str]) -> tuple[float, int]:
    lex = default_lexicon()
    read_tables("项目\n决算数\n", "warm", lex, 2022)
    size = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.process_time()
    n = sum(len(read_tables(t, f"d{i}", lex, 2022)) for i, t in enumerate(texts))
    return size / 1e6 / max(time.process_time() - t0, 1e-9), n


def gold_scores() -> None:
    """Recall on gold rows marked `table`, precision of table facts against all gold rows."""
    if not CORPUS_CSV.exists():
        print("no genre corpus (tests/corpus/corpus.csv): gold scores skipped")
        return
    lex = default_lexicon()
    total: Counter[str] = Counter()
    for doc in corpus_documents():
        every = read_gold(doc.gold_path, doc.doc_id).keys
        table = every - read_gold(doc.gold_path, doc.doc_id, include_tables=False).keys
        lines = LineIndex(doc.text)
        got: Counter[Key] = Counter(
            (doc.doc_id, lines.line_of(f.value_start), f.metric, f.measure, f.value, f.unit, f.function_code)
            for f in read_tables(doc.text, doc.doc_id, lex, doc.fiscal_year))
        read, n_facts, n_table = score(table, got)
        right = score(every, got)[0]
        total.update(gold=n_table, found=read, facts=n_facts, right=right)
        print(f"  {doc.doc_id:34} table cells {n_table:3}  read {read:3}  facts {n_facts:3}  right {right:3}")
    print(f"corpus tables: recall {total['found'] / max(total['gold'], 1):.3f}  "
          f"precision {total['right'] / max(total['facts'], 1):.3f}")


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
