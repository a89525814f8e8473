"""Command line: `python -m juesuan COMMAND` (see `python -m juesuan --help`)."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from juesuan.errors import JuesuanError


def cmd_extract(args: argparse.Namespace) -> int:
    """Facts of one or many files (directories are searched for *.txt), streamed
    to stdout in input order; unreadable files are named on stderr and make the
    exit status 2 without stopping the others."""
    from juesuan.extract.batch import COLUMNS, Job, expand, run

    paths = expand(args.paths)
    if args.doc_id and len(paths) > 1:
        raise JuesuanError(f"--doc-id names one document but {len(paths)} files were given")
    if args.jobs < 1:
        raise JuesuanError(f"--jobs must be at least 1 (got {args.jobs})")
    jobs = [Job(p, args.doc_id or p.stem, args.year) for p in paths]
    show = args.progress or (len(jobs) > 1 and sys.stderr.isatty())
    failed = 0
    out = sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    if args.format == "csv":
        writer.writerow(COLUMNS)
    else:
        out.write("[")
    first = True
    with _progress(len(jobs), show) as bar:
        for res in run(jobs, args.jobs):
            bar.update(1)
            if res.error:
                failed += 1
                bar.write(f"error: {res.error}", file=sys.stderr)
                continue
            if args.format == "csv":
                writer.writerows(res.rows)
                continue
            for row in res.rows:
                out.write(("\n" if first else ",\n") + json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False))
                first = False
    if args.format == "json":
        out.write("\n]\n")
    if failed:
        print(f"error: {failed} of {len(jobs)} file(s) could not be read (see above); the others were extracted",
              file=sys.stderr)
        return 2
    return 0


def _progress(total: int, show: bool) -> Any:
    """A tqdm bar on stderr (never stdout: that carries the data)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", file=sys.stderr, disable=not show, dynamic_ncols=True)


def cmd_check_sources(args: argparse.Namespace) -> int:
    from juesuan.sources import load_sources

    sources = load_sources()
    print(f"{len(sources)} sources, every hash matches sources.csv")
    return 0


def _recover() -> None:
    """Finish or discard what a killed run left (staging dirs, temporaries) before any work."""
    from juesuan.paths import BUILD, DATA, ROOT
    from juesuan.staging import clean_stale, hold_build_lock

    hold_build_lock(ROOT)
    clean_stale(ROOT, DATA, BUILD)


def cmd_package(args: argparse.Namespace) -> int:
    from juesuan.package.build import build

    _recover()
    written = build()
    print("wrote " + ", ".join(_rel(p) for p in written.values()))
    return 0


def cmd_databases(args: argparse.Namespace) -> int:
    from juesuan.publish.databases import build_databases

    _recover()
    written = build_databases()
    print("wrote " + ", ".join(_rel(p) for p in written.values()))
    return 0


def _rel(p: Path) -> str:
    """A path as the user typed it from here: relative to the working directory when inside it."""
    return str(p.relative_to(Path.cwd())) if p.is_relative_to(Path.cwd()) else str(p)


def cmd_validate(args: argparse.Namespace) -> int:
    import time

    from juesuan.rules.engine import summarise
    from juesuan.rules.gx_suites import run_gx
    from juesuan.validate import (
        finding_counts,
        frictionless_errors,
        integrity_errors,
        provenance_errors,
        published_checks,
        served_errors,
    )

    _recover()
    t0 = time.perf_counter()
    served = served_errors()
    ts = time.perf_counter()
    errors = served + frictionless_errors() + provenance_errors()
    t1 = time.perf_counter()
    checks = published_checks()
    errors += integrity_errors(checks)
    t2 = time.perf_counter()
    if served:
        print("Great Expectations: skipped (the databases in build/ do not hold the package)")
        return _failed(errors)
    gx = run_gx(build_docs=not args.no_docs)
    errors += gx.problems
    counts = summarise(checks)
    print("checks: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("findings: " + ", ".join(f"{k} {v}" for k, v in sorted(finding_counts().items())))
    docs = gx.docs_index
    print(f"Great Expectations: {gx.evaluated} expectations evaluated" + (f"; Data Docs: {_rel(docs)}" if docs else ""))
    print(f"time: served databases {ts - t0:.2f}s, frictionless+provenance {t1 - ts:.2f}s, rules {t2 - t1:.2f}s, "
          f"GX import {gx.import_seconds:.2f}s, "
          f"GX load {gx.load_seconds:.2f}s, GX checks {gx.check_seconds:.2f}s")
    if errors:
        return _failed(errors)
    print("validation passed: served databases = package, package (types, keys), provenance of every fact, "
          "integrity rules, GX suites")
    return 0


def _failed(errors: list[str]) -> int:
    """The one way validate reports failure: the count, then each problem (stderr), exit 1."""
    print(f"validation FAILED: {len(errors)} problem(s)", file=sys.stderr)
    for e in errors:
        print("  " + e, file=sys.stderr)
    return 1


def cmd_expectations(args: argparse.Namespace) -> int:
    from juesuan.rules.gx_suites import write_suites

    for p in write_suites():
        print(f"wrote {_rel(p)}")
    return 0


def cmd_dist(args: argparse.Namespace) -> int:
    from juesuan.publish.dist import build_dist

    _recover()
    out = build_dist()
    print(f"wrote {out}/ (see manifest.json)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m juesuan", description="juesuan (决算) pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="print the facts text files of the genre state (files or directories)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="text files, or directories searched for *.txt")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--doc-id", help="id to report for a single file (default: the file name)")
    p.add_argument("--year", type=int, help="fiscal year (for 比上年 comparisons)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--progress", action="store_true", help="show a progress bar even when stderr is not a terminal")
    p.set_defaults(func=cmd_extract)
    sub.add_parser("check-sources", help="verify data/sources against sources.csv").set_defaults(func=cmd_check_sources)
    sub.add_parser("package", help="build data/*.csv and datapackage.json").set_defaults(func=cmd_package)
    sub.add_parser("databases", help="build DuckDB, Parquet, SQLite and Datasette metadata").set_defaults(func=cmd_databases)
    p = sub.add_parser("validate", help="validate the package, the integrity rules and the GX suites")
    p.add_argument("--no-docs", action="store_true", help="skip building GX Data Docs")
    p.set_defaults(func=cmd_validate)
    sub.add_parser("dist", help="build the downloads under build/dist/").set_defaults(func=cmd_dist)
    sub.add_parser("expectations", help="write the GX suites under expectations/").set_defaults(func=cmd_expectations)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except JuesuanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:   # read-only or full disk, permissions: the environment, not a bug
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
