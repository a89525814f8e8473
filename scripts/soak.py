#!/usr/bin/env python
"""Drive the real server for a bounded time and print its figures (see juesuan.bench.soak)."""
import sys

from juesuan.bench.soak import main

if __name__ == "__main__":
    sys.exit(main())
