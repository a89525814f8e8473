#!/usr/bin/env python
"""Print the pipeline's time and memory per stage at several corpus sizes (see juesuan.bench.scale)."""
import argparse
from pathlib import Path

from juesuan.bench.scale import run

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="documents per corpus")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpus")
    p.add_argument("--requests", type=int, default=30, help="requests per page (0: skip Datasette)")
    p.add_argument("--concurrency", type=int, default=8, help="clients for the requests-per-second figure")
    p.add_argument("--keep", type=Path, help="keep each corpus and its build under this directory")
    p.add_argument("--no-cli", action="store_true", help="skip the extract CLI figures (1 MB, 8 MB, 500 documents)")
    p.add_argument("--json", type=Path, help="also write the figures as JSON")
    a = p.parse_args()
    run(a.sizes, a.seed, a.requests, a.concurrency, a.keep, a.json, not a.no_cli)
