#!/usr/bin/env python
"""Print the error-injection detection rate and validation timing (see juesuan.bench.rules)."""
import sys

from juesuan.bench.rules import main

if __name__ == "__main__":
    main(verbose="-v" in sys.argv)
