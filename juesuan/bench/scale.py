"""The pipeline at 10 … 10,000 documents: seconds, CPU and peak memory per stage
and per document, and Datasette latency, on generated corpora.

Why separate processes pointed at a temp data root (`JUESUAN_ROOT`): that is
how the pipeline runs for a maintainer (`make package`, `make databases` …), so
imports, start-up and the whole process's peak RSS are part of the figure;
`os.wait4` gives each stage's own CPU time and peak RSS without a dependency.
The corpus is generated one document at a time (juesuan.bench.synth), so the
benchmark itself stays small. Figures are printed, never asserted.
"""
from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from juesuan.bench.server import free_port, serve_args
from juesuan.bench.synth import write_corpus
from juesuan.paths import ROOT

# (stage, arguments of `python -m juesuan`); extract reads the corpus directory in one process
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("extract", ("extract", "{sources}")),
    ("package", ("package",)),
    ("databases", ("databases",)),
    ("validate", ("validate", "--no-docs")),
)


@dataclass
class StageRun:
    stage: str
    seconds: float
    cpu: float
    peak_rss_mb: float
    exit_code: int

    def per_doc_ms(self, n: int) -> float:
        return 1000 * self.seconds / n


@dataclass
class SizeRun:
    documents: int
    corpus_mb: float
    generate_seconds: float
    stages: list[StageRun] = field(default_factory=list)
    pages: dict[str, dict[str, float]] = field(default_factory=dict)
    facts: int = 0


def run_stage(name: str, args: tuple[str, ...], root: Path, log: Path) -> StageRun:
    """One stage as its own process; its stdout goes to a log (not a pipe: an
    unread pipe would block it), its CPU and peak RSS come from wait4."""
    env = {**os.environ, "JUESUAN_ROOT": str(root), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "juesuan", *(a.format(sources=root / "data" / "sources") for a in args)]
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    return StageRun(name, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def _get(url: str) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read()
        if r.status != 200:
            raise urllib.error.HTTPError(url, r.status, "unexpected status", r.headers, None)
    return 1000 * (time.perf_counter() - t0)


def _try_get(url: str) -> float | None:
    """ms, or None for an error or timeout (counted and reported, not raised)."""
    try:
        return _get(url)
    except (OSError, urllib.error.HTTPError):
        return None


def _page_figures(urls: list[str], requests: int, concurrency: int, budget_s: float = 60.0) -> dict[str, float]:
    """p50/p95 of sequential requests, then req/s with `concurrency` clients;
    each phase stops at `requests` requests or `budget_s` seconds, whichever
    comes first, so a slow page cannot stall the benchmark."""
    for u in urls:
        _try_get(u)  # warm: the first request of a page compiles templates and fills caches
    seq: list[float | None] = []
    t0 = time.perf_counter()
    while len(seq) < requests and time.perf_counter() - t0 < budget_s:
        seq.append(_try_get(urls[len(seq) % len(urls)]))
    ok = sorted(x for x in seq if x is not None)
    fig: dict[str, float] = {"requests": len(seq), "failed": len(seq) - len(ok),
                             "p50_ms": statistics.median(ok) if ok else float("nan"),
                             "p95_ms": ok[int(0.95 * (len(ok) - 1))] if ok else float("nan")}
    done = failed = 0
    deadline = time.perf_counter() + budget_s
    with ThreadPoolExecutor(concurrency) as pool:
        t0 = time.perf_counter()
        while done < requests * 2 and time.perf_counter() < deadline:
            batch = [urls[(done + i) % len(urls)] for i in range(concurrency)]
            results = list(pool.map(_try_get, batch))
            done += len(results)
            failed += sum(r is None for r in results)
        fig[f"rps_c{concurrency}"] = (done - failed) / (time.perf_counter() - t0)
    fig["failed"] += failed
    return fig


def page_urls(root: Path, base: str) -> dict[str, list[str]]:
    """facts.json, the provenance page of facts spread over the corpus, a search."""
    with sqlite3.connect(f"file:{root / 'build' / 'juesuan.db'}?mode=ro", uri=True) as db:
        n = db.execute("select count(*) from facts").fetchone()[0]
        ids = [r[0] for r in db.execute(
            "select fact_id from facts where rowid % ? = 0 limit 10", (max(1, n // 10),))]
    quote = urllib.parse.quote
    return {
        "facts.json": [f"{base}/juesuan/facts.json?_size=100"],
        "provenance": [f"{base}/-/provenance/{quote(i, safe='')}" for i in ids],
        "search": [f"{base}/juesuan/search_sentences?q={quote(q)}" for q in ("公务接待", "机关运行经费", "住房公积金")],
    }


def measure_pages(root: Path, requests: int, concurrency: int, log: Path) -> dict[str, dict[str, float]]:
    """Datasette with `make serve`'s own arguments (settings, plugins, response cache), on a free loopback port: p50/p95 at
    concurrency 1 and requests per second at `concurrency` (bounded counts)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    build = root / "build"
    argv = [str(Path(sys.executable).with_name("datasette")), "serve",
            *serve_args(ROOT, build / "juesuan.db", build / "metadata.json"), "-h", "127.0.0.1", "-p", str(port)]
    out: dict[str, dict[str, float]] = {}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(argv, cwd=root, stdout=fh, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                try:
                    _get(base + "/-/versions.json")
                    break
                except OSError:
                    time.sleep(0.1)
            for page, urls in page_urls(root, base).items():
                out[page] = _page_figures(urls, requests, concurrency)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return out


def run_size(n: int, seed: int, requests: int, concurrency: int, keep: Path | None) -> SizeRun:
    with tempfile.TemporaryDirectory(prefix=f"juesuan-scale-{n}-") as tmp:
        root = keep / f"n{n}" if keep else Path(tmp)
        t0 = time.perf_counter()
        write_corpus(root, n, seed)
        gen = time.perf_counter() - t0
        sources = root / "data" / "sources"
        mb = sum(p.stat().st_size for p in sources.glob("*.txt")) / 1e6
        run = SizeRun(n, mb, gen)
        logs = root / "logs"
        logs.mkdir(exist_ok=True)
        for name, args in STAGES:
            st = run_stage(name, args, root, logs / f"{name}.log")
            run.stages.append(st)
            print(f"  {n:>6} docs  {name:10} {st.seconds:8.2f} s  cpu {st.cpu:8.2f} s  "
                  f"{st.per_doc_ms(n):7.2f} ms/doc  peak RSS {st.peak_rss_mb:7.1f} MB  exit {st.exit_code}",
                  flush=True)
            if st.exit_code not in (0, 1):  # 1 = validation found the injected errors: expected
                print(f"  stage {name} failed; see {logs / (name + '.log')}:", file=sys.stderr)
                print((logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")[-2000:], file=sys.stderr)
                return run
        with sqlite3.connect(f"file:{root / 'build' / 'juesuan.db'}?mode=ro", uri=True) as db:
            run.facts = db.execute("select count(*) from facts").fetchone()[0]
        if requests:
            run.pages = measure_pages(root, requests, concurrency, logs / "datasette.log")
            for page, m in run.pages.items():
                print(f"  {n:>6} docs  page {page:12} p50 {m['p50_ms']:7.1f} ms  p95 {m['p95_ms']:7.1f} ms  "
                      f"{m[f'rps_c{concurrency}']:6.1f} req/s at concurrency {concurrency}"
                      + (f"  ({m['failed']:.0f} failed or timed out)" if m["failed"] else ""), flush=True)
        return run


def summary(runs: list[SizeRun]) -> str:
    """Stage × size: CPU and wall ms per document, peak RSS. A linear stage keeps
    ms/doc flat as the corpus grows; CPU is the steadier figure on a shared machine."""
    names = [s for s, _ in STAGES]
    lines = [f"{'docs':>6} {'MB':>6} {'facts':>7} | " + " | ".join(f"{s:^26}" for s in names),
             f"{'':>6} {'':>6} {'':>7} | " + " | ".join(f"{'cpu ms/doc':>10} {'wall':>7} {'MB':>6}" for _ in names)]
    for r in runs:
        by = {s.stage: s for s in r.stages}
        cells = []
        for s in names:
            st = by.get(s)
            cells.append(f"{1000 * st.cpu / r.documents:10.2f} {st.per_doc_ms(r.documents):7.2f} {st.peak_rss_mb:6.0f}"
                         if st else f"{'—':>26}")
        lines.append(f"{r.documents:>6} {r.corpus_mb:6.1f} {r.facts:>7} | " + " | ".join(cells))
    return "\n".join(lines)


def cli_extract_figures(tmp: Path, jobs: int = 2) -> list[tuple[str, float, StageRun]]:
    """`juesuan extract` as a process on one 1 MB and one 8 MB file (the real
    sources concatenated) and on 500 documents (the sources cycled) in one
    process and with `--jobs`: MB per CPU second, and the 8 MB / 1 MB ratio."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "sources").glob("*.txt"))]
    blob = "\n".join(texts) + "\n"
    cases: list[tuple[str, tuple[str, ...], float]] = []
    for target in (1, 8):
        path = tmp / f"large-{target}mb.txt"
        reps = -(-target * 1_000_000 // len(blob.encode("utf-8")))
        path.write_text(blob * reps, encoding="utf-8")
        cases.append((f"one {target} MB file", ("extract", str(path)), path.stat().st_size / 1e6))
    docs = tmp / "docs500"
    docs.mkdir()
    for i in range(500):
        (docs / f"doc-{i:03d}.txt").write_text(texts[i % len(texts)], encoding="utf-8")
    size = sum(p.stat().st_size for p in docs.iterdir()) / 1e6
    cases.append(("500 documents", ("extract", str(docs)), size))
    cases.append((f"500 documents --jobs {jobs}", ("extract", str(docs), "--jobs", str(jobs)), size))
    out: list[tuple[str, float, StageRun]] = []
    for label, args, mb in cases:
        st = run_stage(label, args, ROOT, tmp / "extract.log")  # the repository's vocabulary
        out.append((label, mb, st))
        print(f"  extract CLI  {label:24} {mb:6.2f} MB  cpu {st.cpu:7.2f} s  wall {st.seconds:7.2f} s  "
              f"{mb / st.cpu:5.2f} MB per CPU s  peak RSS {st.peak_rss_mb:6.1f} MB  exit {st.exit_code}", flush=True)
    one, eight = out[0][2], out[1][2]
    print(f"  extract CLI  8 MB takes {eight.cpu / one.cpu:.1f}× the CPU time of 1 MB (linear: 8×)", flush=True)
    return out


def run(sizes: list[int], seed: int = 0, requests: int = 30, concurrency: int = 8,
        keep: Path | None = None, json_out: Path | None = None, cli: bool = True) -> list[SizeRun]:
    cpus = os.cpu_count()
    print(f"scale benchmark: sizes {sizes}, seed {seed}, {cpus} CPU(s), Python {sys.version.split()[0]}", flush=True)
    if cli:
        with tempfile.TemporaryDirectory(prefix="juesuan-scale-cli-") as tmp:
            cli_extract_figures(Path(tmp))
    runs = []
    for n in sizes:
        runs.append(run_size(n, seed, requests, concurrency, keep))
    print("\nper document by stage: CPU ms/doc, wall ms/doc, peak RSS MB:")
    print(summary(runs))
    if json_out:
        json_out.write_text(json.dumps([asdict(r) for r in runs], indent=2), encoding="utf-8")
    return runs
