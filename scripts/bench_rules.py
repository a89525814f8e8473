#!/usr/bin/env python
"""Print the error-injection detection rate and validation timing (see juesuan.bench.rules)."""
from juesuan.bench.rules import run

if __name__ == "__main__":
    run()
