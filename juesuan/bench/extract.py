"""The extractor measured against figures read by hand, and its speed.

Gold files (``tests/gold/*.csv`` for the five sources, ``tests/corpus/*.csv`` for the genre corpus) are
entered by reading the documents, never by running the extractor; this module only compares. Figures
are compared as keys (document, line of the number, metric, measure, value, unit, function code) so a
fact counts as right only where the document states it. Each gold row names the issue-9 *family* it
exercises, so recall and precision can be printed per phrasing family as well as per document.

Speed is CPU time (``time.process_time`` in-process, ``RUSAGE_CHILDREN`` for the CLI), never wall
clock: the machine is shared, and CPU time is what grows with input size.
"""
from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from juesuan.extract import default_lexicon, extract
from juesuan.lines import LineIndex
from juesuan.paths import DATA, METRICS_CSV, ROOT
from juesuan.sources import load_sources, read_text

GOLD = ROOT / "tests" / "gold"
CORPUS = ROOT / "tests" / "corpus"
CORPUS_CSV = CORPUS / "corpus.csv"
FACTS_CSV = DATA / "facts.csv"

Key = tuple[str, int, str, str, Decimal, str, str]
"""(doc_id, line of the number, metric, measure, value, unit, function_code)."""

FAMILIES = (
    "totals_scope", "distributive", "yoy", "budget_compare", "breakdown_share",
    "sangong", "table", "staff", "units", "other",
)
TOTALS = {
    "grand_total", "income_total", "expenditure_total", "fiscal_grant_income_total",
    "fiscal_grant_expenditure_total", "general_budget_expenditure", "carryover_begin", "carryover_end",
}
UNUSUAL_UNITS = {"元", "亿元", "万"}


@dataclass
class GoldDoc:
    """One document with a gold file: where its text is and what a reader found in it."""

    doc_id: str
    path: Path
    fiscal_year: int
    gold_path: Path
    corpus: bool
    text: str = field(default="", repr=False)


@dataclass
class Gold:
    """The gold figures of one document, with the family of each key."""

    keys: Counter[Key]
    family: dict[Key, str]


def metric_groups(path: Path = METRICS_CSV) -> dict[str, str]:
    """metric id → its group in the vocabulary (read from the CSV, not from extractor internals)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["metric"]: r["group"] for r in csv.DictReader(fh)}


def default_family(metric: str, measure: str, unit: str, table: bool, groups: dict[str, str]) -> str:
    """The family a gold row exercises when its file does not say (used to fill the five sources' files).

    Order matters: a table cell is `table` whatever it states; a change is `yoy`; a comparison with the
    budget is `budget_compare`; then the subject decides."""
    if table:
        return "table"
    if measure.startswith("change_") and not metric.startswith("staff"):
        return "yoy"
    if measure in ("completion_pct", "budget", "budget_adjusted", "budget_diff_amount", "budget_diff_pct"):
        return "sangong" if groups.get(metric) == "three_public" else "budget_compare"
    if metric.startswith("staff") or metric == "retirees":
        return "staff"
    if groups.get(metric) == "three_public" or metric.startswith("vehicles"):
        return "sangong"
    if unit in UNUSUAL_UNITS:
        return "units"
    if metric in TOTALS and measure == "amount":
        return "totals_scope"
    if measure == "share_pct" or groups.get(metric) in ("income", "expenditure") or metric.startswith("function_"):
        return "breakdown_share"
    return "other"


def read_gold(path: Path, doc_id: str, include_tables: bool = True, groups: dict[str, str] | None = None) -> Gold:
    """Read one gold CSV; rows flagged `table` are skipped when `include_tables` is false."""
    groups = groups if groups is not None else metric_groups()
    keys: Counter[Key] = Counter()
    family: dict[Key, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            table = bool(r.get("table"))
            if table and not include_tables:
                continue
            key = (doc_id, int(r["line"]), r["metric"], r["measure"], Decimal(r["value"]), r["unit"], r["function_code"])
            keys[key] += 1
            family[key] = r.get("family") or default_family(r["metric"], r["measure"], r["unit"], table, groups)
    return Gold(keys, family)


def corpus_documents(path: Path = CORPUS_CSV) -> list[GoldDoc]:
    """The genre corpus as listed in tests/corpus/corpus.csv."""
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            text_path = path.parent / r["file"]
            out.append(GoldDoc(r["doc_id"], text_path, int(r["fiscal_year"]), text_path.with_suffix(".csv"), True,
                               read_text(text_path)))
    return out


def gold_documents() -> list[GoldDoc]:
    """Every document with a gold file: the five sources first, then the corpus."""
    docs = [GoldDoc(s.doc_id, s.path, s.fiscal_year, GOLD / f"{s.doc_id}.csv", False, s.text)
            for s in load_sources() if (GOLD / f"{s.doc_id}.csv").exists()]
    return docs + corpus_documents()


def extracted_keys(doc_id: str, text: str, year: int | None) -> Counter[Key]:
    """What the extractor reads in one text, as gold keys."""
    index = LineIndex(text)
    out: Counter[Key] = Counter()
    for f in extract(text, doc_id, default_lexicon(), year):
        out[(doc_id, index.line_of(f.value_start), f.metric, f.measure, f.value, f.unit, f.function_code)] += 1
    return out


def published_keys(path: Path = FACTS_CSV) -> Counter[Key]:
    """The published `facts` table (extracted + curated), as gold keys."""
    out: Counter[Key] = Counter()
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out[(r["doc_id"], int(r["line"]), r["metric"], r["measure"], Decimal(r["value"]), r["unit"],
                 r["function_code"])] += 1
    return out


def score(gold: Counter[Key], got: Counter[Key]) -> tuple[int, int, int]:
    """(right, found, gold): a key counts as many times as both sides hold it."""
    tp = sum((gold & got).values())
    return tp, sum(got.values()), sum(gold.values())


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "—"


def _row(label: str, tp: int, n_got: int, n_gold: int) -> str:
    return f"{label:34} {n_gold:5} {n_got:6} {tp:6} {ratio(tp, n_got):>10} {ratio(tp, n_gold):>7}"


HEADER = f"{'':34} {'gold':>5} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7}"


def quality(docs: list[GoldDoc]) -> dict[str, tuple[int, int, int]]:
    """Print recall/precision per document, per family, the misses and the false figures; return totals."""
    groups = metric_groups()
    all_gold: Counter[Key] = Counter()
    all_got: Counter[Key] = Counter()
    family: dict[Key, str] = {}
    corpus_ids = {d.doc_id for d in docs if d.corpus}
    print("per document (all figures, table cells included)\n" + HEADER)
    for d in docs:
        gold = read_gold(d.gold_path, d.doc_id, groups=groups)
        got = extracted_keys(d.doc_id, d.text, d.fiscal_year)
        family.update(gold.family)
        all_gold += gold.keys
        all_got += got
        print(_row(("  corpus/" if d.corpus else "  ") + d.doc_id, *score(gold.keys, got)))
    totals = {}
    for label, ids in (("five sources", {d.doc_id for d in docs} - corpus_ids), ("corpus", corpus_ids),
                       ("all", {d.doc_id for d in docs})):
        g = Counter({k: n for k, n in all_gold.items() if k[0] in ids})
        e = Counter({k: n for k, n in all_got.items() if k[0] in ids})
        totals[label] = score(g, e)
        print(_row(label.upper(), *totals[label]))

    print("\nper family (a false figure is charged to the family of the gold rows on its line and metric,"
          " else `unmatched`)\n" + HEADER)
    fam_of_line = {(k[0], k[1], k[2]): f for k, f in family.items()}
    by_family: dict[str, tuple[Counter[Key], Counter[Key]]] = defaultdict(lambda: (Counter(), Counter()))
    for k, n in all_gold.items():
        by_family[family[k]][0][k] += n
    for k, n in all_got.items():
        by_family[family.get(k) or fam_of_line.get((k[0], k[1], k[2]), "unmatched")][1][k] += n
    for name in [*FAMILIES, "unmatched"]:
        if name in by_family:
            print(_row("  " + name, *score(*by_family[name])))

    missed, false = all_gold - all_got, all_got - all_gold
    print(f"\nmissed ({sum(missed.values())}):")
    for k in sorted(missed):
        print(f"   {k[0]} line {k[1]} {k[2]} {k[3]} {k[4]} {k[5]} {k[6]} [{family[k]}]")
    print(f"false figures ({sum(false.values())}):")
    for k in sorted(false):
        print(f"   {k[0]} line {k[1]} {k[2]} {k[3]} {k[4]} {k[5]} {k[6]}")
    return totals


def published_quality(docs: list[GoldDoc], path: Path = FACTS_CSV) -> tuple[int, int, int]:
    """The published facts table of the five sources (extracted + curated) against their gold."""
    ids = {d.doc_id for d in docs if not d.corpus}
    gold: Counter[Key] = Counter()
    for d in docs:
        if d.doc_id in ids:
            gold += read_gold(d.gold_path, d.doc_id).keys
    got = Counter({k: n for k, n in published_keys(path).items() if k[0] in ids})
    return score(gold, got)


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _cli(paths: list[Path], year: int | None) -> float | None:
    """CPU seconds of one `python -m juesuan extract PATH…` run (interpreter start-up included), or
    None when this CLI refuses the arguments (an older one takes a single file)."""
    cmd = [sys.executable, "-m", "juesuan", "extract", *map(str, paths)]
    if year:
        cmd += ["--year", str(year)]
    before = _cpu_children()
    done = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    secs = _cpu_children() - before
    return secs if done.returncode == 0 else None


def _in_process(texts: Iterable[tuple[str, str, int | None]]) -> float:
    lex = default_lexicon()
    t0 = time.process_time()
    for doc_id, text, year in texts:
        extract(text, doc_id, lex, year)
    return time.process_time() - t0


def large_text(docs: list[GoldDoc], min_bytes: int) -> str:
    """The sources and corpus concatenated, repeated until the text holds at least `min_bytes` of UTF-8."""
    block = "\n".join(d.text for d in docs) + "\n"
    return block * -(-min_bytes // len(block.encode("utf-8")))


def _mbps(n_bytes: int, secs: float) -> str:
    return f"{n_bytes / secs / 1e6:6.2f} MB/s" if secs > 0 else "   — MB/s"


def _median(runs: list[float]) -> float:
    return sorted(runs)[len(runs) // 2]


def speed(docs: list[GoldDoc], large_mb: float = 8.0, min_docs: int = 500, repeat: int = 3) -> dict[str, float]:
    """Print CPU throughput in-process and through the CLI, on many small documents and on one large
    file (and one of 1 MB, so the growth from 1 MB to `large_mb` shows whether cost is linear in size).
    Each in-process figure is the median of `repeat` runs: the machine is shared, and a run another
    process slowed is an outlier, not the extractor's speed."""
    small = [(d.doc_id, d.text, d.fiscal_year) for d in docs]
    small_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
    rounds = -(-min_docs // len(docs))
    _in_process(small)  # warm the lexicon and regex caches once
    secs = _median([_in_process(t for _ in range(rounds) for t in small) for _ in range(repeat)])
    out = {"small_in_process_mbps": small_bytes * rounds / secs / 1e6 if secs else 0.0}
    print(f"\nspeed (CPU time; in-process figures are medians of {repeat} runs)\n"
          f"  in-process, {len(docs) * rounds} small documents ({len(docs)} x {rounds}): "
          f"{small_bytes * rounds / 1e6:.2f} MB in {secs:.2f} s = {_mbps(small_bytes * rounds, secs)}")
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        sizes = sorted({min(1.0, large_mb), large_mb})
        per_mb: dict[float, float] = {}
        for mb in sizes:
            big = Path(tmp) / f"large-{mb:g}.txt"
            big.write_text(large_text(docs, int(mb * 1e6)), encoding="utf-8")
            big_bytes = big.stat().st_size
            text = big.read_text(encoding="utf-8")
            secs = _median([_in_process([("large", text, None)]) for _ in range(repeat)])
            per_mb[mb] = secs
            out[f"large_{mb:g}mb_in_process_mbps"] = big_bytes / secs / 1e6 if secs else 0.0
            print(f"  in-process, one file of {big_bytes / 1e6:.2f} MB: {secs:.2f} s = {_mbps(big_bytes, secs)}")
        out["large_in_process_mbps"] = out[f"large_{large_mb:g}mb_in_process_mbps"]
        if len(sizes) == 2 and per_mb[sizes[0]]:
            ratio_t = per_mb[sizes[1]] / per_mb[sizes[0]]
            out["large_time_ratio"] = ratio_t
            print(f"  time of {sizes[1]:g} MB / time of {sizes[0]:g} MB: {ratio_t:.1f} "
                  f"(linear: {sizes[1] / sizes[0]:g})")
        each = [_cli([d.path], d.fiscal_year) for d in docs]
        cli_small = sum(s for s in each if s is not None)
        out["small_cli_mbps"] = small_bytes / cli_small / 1e6 if cli_small else 0.0
        print(f"  CLI, {len(docs)} small documents one process each: {cli_small:.2f} s "
              f"({cli_small / len(docs):.2f} s per document, start-up included) = {_mbps(small_bytes, cli_small)}")
        copies = Path(tmp) / "many"
        copies.mkdir()
        for k in range(rounds):
            for d in docs:
                (copies / f"{d.doc_id}-{k}.txt").write_text(d.text, encoding="utf-8")
        together = _cli([copies], None)
        if together is None:
            print("  CLI, many small documents in one process: not accepted by this CLI (one file per run)")
        else:
            out["small_cli_one_process_mbps"] = small_bytes * rounds / together / 1e6 if together else 0.0
            print(f"  CLI, {len(docs) * rounds} small documents in one process: {together:.2f} s "
                  f"(start-up included) = {_mbps(small_bytes * rounds, together)}")
        cli_big = _cli([big], None)
        out["large_cli_mbps"] = big_bytes / cli_big / 1e6 if cli_big else 0.0
        print(f"  CLI, one file of {big_bytes / 1e6:.2f} MB: {cli_big or 0:.2f} s = {_mbps(big_bytes, cli_big or 0)}")
    return out


def run(large_mb: float = 8.0, with_speed: bool = True) -> dict[str, float]:
    """Everything `make bench-extract` prints; returns the headline figures."""
    docs = gold_documents()
    totals = quality(docs)
    tp, n_got, n_gold = published_quality(docs)
    print(f"\npublished facts table of the five sources (extracted + curated) vs gold: "
          f"precision {ratio(tp, n_got)}, recall {ratio(tp, n_gold)} ({tp} of {n_gold}; {n_got} published)")
    out = {f"{k}_{m}": (v[0] / v[d] if v[d] else 0.0) for k, v in totals.items()
           for m, d in (("precision", 1), ("recall", 2))}
    if with_speed:
        out.update(speed(docs, large_mb))
    return out


def main(argv: list[str]) -> int:
    """`[LARGE_MB]`: size of the large input for the speed part; 0 prints the quality part only."""
    large_mb = float(argv[0]) if argv else 8.0
    run(large_mb, with_speed=large_mb > 0)
    return 0


def iter_gold_rows(path: Path) -> Iterator[dict[str, str]]:
    """Raw rows of a gold file (for checks that every row points at its number)."""
    with open(path, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
