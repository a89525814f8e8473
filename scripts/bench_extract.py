#!/usr/bin/env python
"""Print the extractor's precision, recall and throughput (see juesuan.bench.extract)."""
from juesuan.bench.extract import run

if __name__ == "__main__":
    run()
