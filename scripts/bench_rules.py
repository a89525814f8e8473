#!/usr/bin/env python
"""Print the error-injection detection rate and validation timing (see juesuan.bench.rules).

-v lists every missed injection with the checks that read the figure; --detection skips the timings."""
import sys

from juesuan.bench.rules import main

if __name__ == "__main__":
    main(verbose="-v" in sys.argv, detection_only="--detection" in sys.argv)
