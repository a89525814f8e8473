#!/usr/bin/env python
"""Fuzz the extractor for a bounded time and print what it found (see juesuan.bench.fuzz)."""
import sys

from juesuan.bench.fuzz import main

if __name__ == "__main__":
    sys.exit(main())
