#!/usr/bin/env python
"""Print the extractor's recall and precision against every gold file (five sources + genre corpus),
per document and per issue-9 family, with the misses and false figures, then its CPU throughput
in-process and through the CLI on the small documents and on one large file.

Usage: scripts/bench_extract.py [LARGE_MB]   (size of the large input, default 8; 0: quality only)
"""
import sys

from juesuan.bench.extract import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
