"""Soak: the real server under a bounded mix of load, with figures printed.

Issue 13 found that a trickle of 404s froze the server (each error page printed
a 14 KB rich traceback); issue 12 set page targets at 1,000 documents. This
drives `make serve`'s server on a free 127.0.0.1 port and prints, per endpoint,
req/s and p50/p99/max latency, the server's CPU per request, errors, and the
server's peak RSS:

1. each page alone at concurrency 1 (the p50 <= 10 ms target),
2. the normal mix (pages, searches, canned queries) at concurrency 1, 8, 32,
   each once alone and once beside a 404 flood of as many clients
   (the flood must cost the mix < 20 % of its req/s; no request over 1 s),

once with the response cache off (every request computed: what the pages
cost) and once with it on (as served), then a verdict per mode.

On a 2-core machine the load generators take CPU the server would otherwise
have, so the flood's wall-clock drop mixes two things. Each load process
reports its own CPU time, and the summary prints who used the cores and the
server-side drop: the server's CPU beside the flood that did not go to the mix
(each mix request costed at its CPU alone), as a share of the one core the
server can use.

Load generators run in their own processes (a flood sharing the mix's event
loop would slow the client, not the server), on a lean h11 client
(juesuan.bench.http_client) so that the client's CPU does not cap the figures. Everything is bounded in time and
count; only 127.0.0.1 is ever contacted.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from urllib.parse import quote

import psutil
from datasette.utils import tilde_encode

from juesuan.bench.http_client import TRANSPORT_ERRORS, Connection
from juesuan.bench.server import Server, running_server
from juesuan.paths import ROOT

#: Terms of the genre to search for: a phrase of several bigrams and a single
#: bigram, the shortest term a reader types (juesuan.publish.search).
SEARCH_TERMS = ("医疗保障", "医保")
CONCURRENCIES = (1, 8, 32)
DATABASE = "juesuan"
CACHE_ENV = "JUESUAN_RESPONSE_CACHE_MB"  # plugins/juesuan_cache.py: 0 turns the response cache off
TARGET_P50_MS = 10.0
TARGET_RPS_C8 = 300.0
TARGET_FLOOD_DROP = 0.20
SLOW_S = 1.0

Sample = tuple[str, int, float]  # endpoint, status (0: transport error), seconds


def endpoints(db: Path) -> dict[str, str]:
    """The normal mix, with ids picked from the middle of the database served."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (n_facts,) = conn.execute("select count(*) from facts").fetchone()
        (fact_id, doc_id) = conn.execute("select fact_id, doc_id from facts order by fact_id limit 1 offset ?",
                                         (n_facts // 2,)).fetchone()
    finally:
        conn.close()
    long_term, short_term = (quote(t) for t in SEARCH_TERMS)
    return {
        "home": "/",
        "facts.json?_size=100": "/juesuan/facts.json?_size=100",
        "facts page": "/juesuan/facts",
        "facts by metric": "/juesuan/facts.json?metric=expenditure_total&_size=100",
        "provenance": f"/-/provenance/{tilde_encode(fact_id)}",
        "source page": f"/-/source/{quote(doc_id)}",
        "table search (fts)": f"/juesuan/source_text.json?_search={long_term}",
        "search_sentences (fts)": f"/juesuan/search_sentences.json?q={long_term}",
        "search_sentences (2 chars)": f"/juesuan/search_sentences.json?q={short_term}",
        "canned figures_of_document": f"/juesuan/figures_of_document.json?doc_id={quote(doc_id)}",
        "canned where_numbers_dont_add_up": "/juesuan/where_numbers_dont_add_up.json",
    }


def not_found_paths() -> dict[str, str]:
    """What a 404 flood sends: unknown fact, unknown row, unknown route, a 30 KB id."""
    return {
        "404 provenance": "/-/provenance/no~3Asuch~3Afact~3A{i}",
        "404 row": "/juesuan/facts/no-such-row-{i}",
        "404 route": "/no/such/page/{i}",
        "404 30 KB id": "/-/provenance/" + "x" * 30_000 + "{i}",
    }


async def _drive(base: str, paths: dict[str, str], concurrency: int, seconds: float, max_requests: int) -> list[Sample]:
    """`concurrency` keep-alive connections cycling through `paths` until the time or count runs out."""
    samples: list[Sample] = []
    names = list(paths)
    counter = 0
    host, _, port = base.removeprefix("http://").partition(":")
    deadline = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        nonlocal counter
        conn = Connection(host, int(port))
        k = offset
        while time.monotonic() < deadline and counter < max_requests:
            counter += 1
            name = names[k % len(names)]
            k += 1
            t0 = time.perf_counter()
            try:
                status, _ = await conn.get(paths[name].replace("{i}", str(counter)))
            except TRANSPORT_ERRORS:
                status = 0
            samples.append((name, status, time.perf_counter() - t0))
        conn.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return samples


def _load(group: int, base: str, paths: dict[str, str], concurrency: int, seconds: float, max_requests: int,
          out: mp.Queue[tuple[int, list[Sample], float, float]]) -> None:
    """Entry point of a load process: drive, then hand back the samples, the process's
    own CPU seconds (on two cores a load generator competes with the server) and how
    long it drove (its last answer included)."""
    t0 = time.perf_counter()
    samples = asyncio.run(_drive(base, paths, concurrency, seconds, max_requests))
    out.put((group, samples, time.process_time(), time.perf_counter() - t0))


@dataclass
class Phase:
    """The samples of one timed phase and what the server spent on it."""

    title: str
    seconds: float
    samples: list[Sample]
    server_cpu: float
    client_cpu: list[float] = field(default_factory=list)  # per load group, in the order given
    group_seconds: list[float] = field(default_factory=list)  # how long each load group drove
    by_endpoint: dict[str, list[Sample]] = field(default_factory=dict)

    def window(self, flood: bool = False) -> float:
        """Seconds the mix (or the flood) drove. A rate is counted over its own group's
        window: the phase lasts until the flood's last answer, which the error tarpit
        may hold seconds past the deadline while the mix has long stopped."""
        if not self.group_seconds:
            return self.seconds
        return self.group_seconds[1 if flood and len(self.group_seconds) > 1 else 0]

    def __post_init__(self) -> None:
        for s in self.samples:
            self.by_endpoint.setdefault(s[0], []).append(s)


class RssWatch:
    """Peak RSS of the server process, sampled every 20 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak = self.proc.memory_info().rss
        self.start_rss = self.peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except psutil.Error:
                return

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_phase(server: Server, title: str, groups: Sequence[tuple[dict[str, str], int]], seconds: float,
              max_requests: int) -> Phase:
    """Run load groups (paths, concurrency) side by side, each in its own process."""
    proc = psutil.Process(server.pid)
    ctx = mp.get_context("fork")
    queue: mp.Queue[tuple[int, list[Sample], float, float]] = ctx.Queue()
    cpu0 = sum(proc.cpu_times()[:2])
    t0 = time.perf_counter()
    workers = [ctx.Process(target=_load, args=(i, server.base, paths, c, seconds, max_requests, queue))
               for i, (paths, c) in enumerate(groups)]
    for w in workers:
        w.start()
    samples: list[Sample] = []
    client_cpu = [0.0] * len(groups)
    group_seconds = [0.0] * len(groups)
    for _ in workers:
        group, got, cpu, drove = queue.get(timeout=seconds + 120)
        samples += got
        client_cpu[group] = cpu
        group_seconds[group] = drove
    for w in workers:
        w.join(timeout=30)
    elapsed = time.perf_counter() - t0
    return Phase(title, elapsed, samples, sum(proc.cpu_times()[:2]) - cpu0, client_cpu, group_seconds)


def _ms(values: list[float], q: float) -> float:
    """The q-th percentile in ms (q = 100: the maximum); NaN without samples."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000 if q < 100 else max(values) * 1000


def print_phase(phase: Phase, names: Sequence[str]) -> None:
    windows = ", ".join(f"{label} drove {w:.1f} s" for label, w in zip(("mix", "flood"), phase.group_seconds, strict=False))
    print(f"\n## {phase.title}  ({phase.seconds:.1f} s{'; ' + windows if len(phase.group_seconds) > 1 else ''}, "
          f"{len(phase.samples)} requests, server CPU {phase.server_cpu:.2f} s)")
    print(f"  {'endpoint':36} {'n':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for name in names:
        rows = phase.by_endpoint.get(name, [])
        if not rows:
            continue
        lat = sorted(s[2] for s in rows)
        errors = sum(1 for s in rows if s[1] == 0 or s[1] >= 500 or (s[1] != 404 and not name.startswith("404")
                                                                    and s[1] >= 400))
        print(f"  {name:36} {len(rows):6d} {len(rows) / phase.window(name.startswith('404')):8.1f} {_ms(lat, 50):8.1f} "
              f"{_ms(lat, 99):8.1f} {_ms(lat, 100):8.1f} {errors:6d}")


def _errors(samples: list[Sample]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for name, status, _ in samples:
        expected = 404 if name.startswith("404") else 200
        if status != expected:
            out[f"{name} -> {status or 'transport error'}"] += 1
    return dict(out)


def _cpu_ms(phase: Phase) -> float:
    return 1000 * phase.server_cpu / max(1, len(phase.samples))


def run_singles(server: Server, paths: dict[str, str], seconds: float, max_requests: int) -> list[Phase]:
    """Each page alone at concurrency 1; prints latency and server CPU per request."""
    singles = [run_phase(server, name, [({name: path}, 1)], seconds, max_requests) for name, path in paths.items()]
    print("\n## each page alone, concurrency 1")
    print(f"  {'endpoint':36} {'n':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'CPU ms/req':>10}")
    for ph in singles:
        lat = sorted(s[2] for s in ph.samples)
        mark = " *" if _ms(lat, 50) > TARGET_P50_MS and not ph.title.startswith("404") else ""
        print(f"  {ph.title:36} {len(lat):6d} {len(lat) / ph.window():8.1f} {_ms(lat, 50):8.1f} "
              f"{_ms(lat, 99):8.1f} {_ms(lat, 100):8.1f} {_cpu_ms(ph):10.2f}{mark}")
    print(f"  (* p50 over the {TARGET_P50_MS:.0f} ms target; CPU is the server process's, all threads)")
    return singles


@dataclass
class FloodRow:
    """One concurrency: the mix alone and beside a 404 flood of as many clients, in
    alternating pairs of phases (medians over the pairs: the machine is shared)."""

    concurrency: int
    alone: list[Phase]
    both: list[Phase]
    normal: set[str]

    def _rate(self, phase: Phase, flood: bool) -> float:
        return sum(1 for s in phase.samples if (s[0] in self.normal) != flood) / phase.window(flood)

    @property
    def mix_rps(self) -> float:
        return statistics.median(self._rate(ph, False) for ph in self.alone)

    @property
    def mix_rps_beside(self) -> float:
        return statistics.median(self._rate(ph, False) for ph in self.both)

    @property
    def flood_rps(self) -> float:
        return statistics.median(self._rate(ph, True) for ph in self.both)

    @property
    def drop(self) -> float:
        """The median over the pairs of each pair's drop: the two phases of a pair run back to
        back, so they share the machine's other load (a ratio of medians would not)."""
        drops = [1 - self._rate(b, False) / self._rate(a, False)
                 for a, b in zip(self.alone, self.both, strict=True) if self._rate(a, False)]
        return statistics.median(drops) if drops else float("nan")

    def flood_cpu_share(self, cost_404_ms: float) -> float:
        """The flood's requests times their CPU cost alone, over the server's CPU beside it."""
        return statistics.median(self._rate(ph, True) * ph.window(True) * cost_404_ms / 1000 / max(ph.server_cpu, 1e-9)
                                 for ph in self.both)

    @property
    def server_mix_ms(self) -> float:
        """Server CPU per request of the mix alone (ms)."""
        return statistics.median(1000 * ph.server_cpu / max(1, len(ph.samples)) for ph in self.alone)

    @property
    def server_side_drop(self) -> float:
        """What the flood takes from the server itself: its CPU beside the flood, less the
        mix's requests at their cost alone, per second, as a share of one core (the server
        is one process running its queries on its own thread: a core is all it can use).
        A saturated server would lose the mix that share of its req/s; the wall-clock
        drop adds whatever the load generators and the machine's other work take."""
        def share(ph: Phase) -> float:
            mix = sum(1 for s in ph.samples if s[0] in self.normal) * self.server_mix_ms / 1000
            return max(0.0, ph.server_cpu - mix) / ph.window()
        return statistics.median(share(ph) for ph in self.both)

    @property
    def flood_client_cores(self) -> float:
        """CPU the flood's own load process used, in cores (CPU s per wall s)."""
        return statistics.median(ph.client_cpu[1] / ph.window(True) for ph in self.both if len(ph.client_cpu) > 1)

    @property
    def mix_client_cores(self) -> float:
        return statistics.median(ph.client_cpu[0] / ph.window() for ph in self.both if ph.client_cpu)

    @property
    def server_cores_alone(self) -> float:
        return statistics.median(ph.server_cpu / ph.window() for ph in self.alone)

    @property
    def server_cores_beside(self) -> float:
        return statistics.median(ph.server_cpu / ph.window() for ph in self.both)


def run_mixed(server: Server, normal: dict[str, str], flood: dict[str, str], seconds: float,
              max_requests: int, repeats: int) -> list[FloodRow]:
    rows = []
    for c in CONCURRENCIES:
        row = FloodRow(c, [], [], set(normal))
        for _ in range(repeats):
            row.alone.append(run_phase(server, f"normal mix, concurrency {c}", [(normal, c)], seconds, max_requests))
            row.both.append(run_phase(server, f"normal mix, concurrency {c}, beside a 404 flood of {c}",
                                      [(normal, c), (flood, c)], seconds, max_requests))
        print_phase(row.alone[-1], list(normal))
        print_phase(row.both[-1], [*normal, *flood])
        rows.append(row)
    return rows


def print_summary(rows: list[FloodRow], singles: list[Phase], phases: list[Phase], rss: RssWatch,
                  log: Path) -> list[tuple[str, bool]]:
    """Print the figures; returns each target with whether it is met."""
    cost_404 = statistics.fmean(_cpu_ms(ph) for ph in singles if ph.title.startswith("404"))
    print("\n## summary (medians over the pairs of phases, drop: the median of each pair's;"
          f" the flood's CPU share: its requests x their CPU "
          f"cost alone, {cost_404:.1f} ms, / server CPU)")
    print(f"  {'concurrency':>11} {'mix req/s':>10} {'beside flood':>13} {'drop':>7} {'404 req/s':>10} "
          f"{'mix CPU ms/req':>15} {'flood CPU share':>16}")
    for r in rows:
        mix_cpu = statistics.median(_cpu_ms(ph) for ph in r.alone)
        print(f"  {r.concurrency:11d} {r.mix_rps:10.1f} {r.mix_rps_beside:13.1f} {100 * r.drop:6.1f}% "
              f"{r.flood_rps:10.1f} {mix_cpu:15.2f} {100 * r.flood_cpu_share(cost_404):15.1f}%")
    print(f"\n## who used the {os.cpu_count()} cores beside the flood (CPU s per wall s; the rest: other processes "
          "of the machine)")
    print(f"  {'concurrency':>11} {'server alone':>13} {'server':>8} {'mix client':>11} {'flood client':>13} "
          f"{'server-side drop':>17}")
    for r in rows:
        print(f"  {r.concurrency:11d} {r.server_cores_alone:13.2f} {r.server_cores_beside:8.2f} {r.mix_client_cores:11.2f} "
              f"{r.flood_client_cores:13.2f} {100 * r.server_side_drop:16.1f}%")
    print("  (server alone: the server's cores with the mix alone; a server that got fewer cores beside the\n"
          "   flood than alone, while the flood took little of them, lost them to the rest of the machine)\n"
          "  (server-side drop: the server's CPU beside the flood not spent on the mix's requests (each costed\n"
          "   as alone), per second, as a share of the one core the server can use: what the flood takes from\n"
          "   a saturated server)")
    samples = [s for ph in phases for s in ph.samples]
    # the flood's own requests may wait: the server slows a client's errors down on purpose
    slow = [s for s in samples if s[2] > SLOW_S and not s[0].startswith("404")]
    flood_waits = [s[2] for s in samples if s[0].startswith("404")]
    errors = _errors(samples)
    print(f"  pages, searches and queries: {len(samples) - len(flood_waits)}, over {SLOW_S:.0f} s: {len(slow)}"
          + (f" (slowest {max(s[2] for s in slow):.2f} s: {max(slow, key=lambda s: s[2])[0]})" if slow else ""))
    if flood_waits:
        print(f"  404s: {len(flood_waits)}, p50 {_ms(sorted(flood_waits), 50):.0f} ms, "
              f"slowest {max(flood_waits):.2f} s (the error tarpit)")
    print(f"  errors: {sum(errors.values())}" + "".join(f"\n    {k}: {v}" for k, v in sorted(errors.items())))
    print(f"  server RSS: start {rss.start_rss / 2**20:.0f} MB, peak {rss.peak / 2**20:.0f} MB")
    print(f"  server log: {log.stat().st_size / 1024:.0f} KB, tracebacks: "
          f"{log.read_text(errors='replace').count('Traceback')}")
    worst_drop = max(r.drop for r in rows)
    worst_server = max(r.server_side_drop for r in rows)
    c8 = next(r.mix_rps for r in rows if r.concurrency == 8)
    over_p50 = [ph.title for ph in singles if not ph.title.startswith("404")
                and _ms(sorted(s[2] for s in ph.samples), 50) > TARGET_P50_MS]
    print(f"  machine: {os.cpu_count()} cores, load average now {os.getloadavg()[0]:.1f} "
          "(wall-clock figures are only as good as the machine is idle; CPU ms/req is not shared)")
    targets = [
        (f"404 flood costs the mix < {TARGET_FLOOD_DROP:.0%} of its req/s: worst {worst_drop:.0%}",
         worst_drop < TARGET_FLOOD_DROP),
        (f"... of the server's core (server-side drop): worst {worst_server:.0%}", worst_server < TARGET_FLOOD_DROP),
        (f"no page, search or query over {SLOW_S:.0f} s: {len(slow)}", not slow),
        (f"every page p50 <= {TARGET_P50_MS:.0f} ms at concurrency 1"
         + (f" (over: {', '.join(over_p50)})" if over_p50 else ""), not over_p50),
        (f">= {TARGET_RPS_C8:.0f} req/s at concurrency 8: {c8:.0f}", c8 >= TARGET_RPS_C8),
    ]
    print("\n## targets")
    for text, met in targets:
        print(f"  {text} -> {'met' if met else 'NOT met'}")
    return targets


def soak(db: Path, metadata: Path | None, dist: Path | None, seconds: float, per_page_seconds: float,
         max_requests: int, root: Path = ROOT, caches: Sequence[bool] = (False, True), repeats: int = 3) -> int:
    """Start the server once per response-cache mode (off: every request computed; on: as
    served), run every phase, print the figures and the verdict; 0 unless it cannot start."""
    normal = endpoints(db)
    flood = not_found_paths()
    verdicts: list[tuple[str, list[tuple[str, bool]]]] = []
    for cache in caches:
        with tempfile.TemporaryDirectory(prefix="juesuan-soak-") as tmp:
            log = Path(tmp) / "datasette.log"
            env = {} if cache else {CACHE_ENV: "0"}
            mode = f"response cache {'on' if cache else 'off'}"
            with running_server(log, root=root, db=db, metadata=metadata, dist=dist, env=env) as server:
                print(f"\n# soak: {server.base} serving {db} ({db.stat().st_size / 1e6:.1f} MB), arguments of "
                      f"`make serve-args` in {root}, {mode}")
                print(f"# machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
                with RssWatch(server.pid) as rss:
                    run_phase(server, "warm-up", [(normal, 1)], min(2.0, seconds), 200)  # templates compiled
                    singles = run_singles(server, {**normal, **flood}, per_page_seconds, max_requests)
                    rows = run_mixed(server, normal, flood, seconds, max_requests, repeats)
                phases = [*singles, *(ph for r in rows for ph in (*r.alone, *r.both))]
                verdicts.append((mode, print_summary(rows, singles, phases, rss, log)))
    print("\n## verdict")
    for mode, targets in verdicts:
        met = sum(ok for _, ok in targets)
        print(f"  {mode}: {met} of {len(targets)} targets met"
              + "".join(f"\n    NOT met: {text}" for text, ok in targets if not ok))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--db", type=Path, default=ROOT / "build" / "juesuan.db", help="SQLite database to serve")
    p.add_argument("--metadata", type=Path, default=None, help="Datasette metadata (default: make serve's)")
    p.add_argument("--dist", type=Path, default=None, help="downloads directory (default: make serve's)")
    p.add_argument("--seconds", type=float, default=5.0, help="length of each mixed phase")
    p.add_argument("--per-page-seconds", type=float, default=1.5, help="length of each single-page phase")
    p.add_argument("--max-requests", type=int, default=20_000, help="cap on requests per load process and phase")
    p.add_argument("--root", type=Path, default=ROOT, help="checkout whose Makefile and plugins are served")
    p.add_argument("--repeats", type=int, default=3, help="pairs of phases (alone, beside the flood) per concurrency")
    p.add_argument("--cache", choices=("off", "on", "both"), default="both",
                   help="response cache of the server: off (every request computed), on (as served), or both in turn")
    p.add_argument("--no-cache", action="store_true", help="the same as --cache off")
    a = p.parse_args(argv)
    if not a.db.is_file():
        print(f"error: {a.db}: no such database (run `make databases`, or pass --db)", file=sys.stderr)
        return 2
    if a.db.stem != DATABASE:
        print(f"error: {a.db}: Datasette names a database after its file, and the site's pages and canned queries "
              f"are those of `{DATABASE}`: serve a file named {DATABASE}.db", file=sys.stderr)
        return 2
    caches = {"off": (False,), "on": (True,), "both": (False, True)}["off" if a.no_cache else a.cache]
    return soak(a.db.resolve(), a.metadata, a.dist, a.seconds, a.per_page_seconds, a.max_requests, a.root.resolve(),
                caches, max(1, a.repeats))
