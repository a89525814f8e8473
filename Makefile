# juesuan (决算) — the map of the pipeline. Read top to bottom:
#   sources → extract → package → databases → validate → serve
# `make` alone lists the targets.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8001

SOURCES  := $(wildcard data/sources/*.txt) data/sources/sources.csv
CURATED  := $(wildcard data/curated/*.csv)
CODE     := $(shell find juesuan -name '*.py' -o -name '*.yml')
PACKAGE  := datapackage.json data/documents.csv data/entities.csv data/metrics.csv \
            data/classification.csv data/facts.csv data/source_text.csv data/checks.csv data/findings.csv data/disclosures.csv
DATABASES := build/juesuan.duckdb build/juesuan.db build/metadata.json build/manifest.json

.DEFAULT_GOAL := help
.PHONY: help setup check-sources extract package expectations databases validate dist serve serve-args soak browser-deps lint test bench-extract bench-rules fuzz bench-scale clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-14s %s\n", $$1, $$2}'

# 0. environment: a .venv with the pinned dependencies (requirements.txt)
$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Python 3.11 is required; set PYTHON=...)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(VENV)/.installed  ## create .venv with the pinned dependencies

# 1. sources: the raw documents must match the hashes in sources.csv
check-sources: setup  ## verify data/sources/ against sources.csv (hash, size)
	$(PY) -m juesuan check-sources

# 2. extract: print one document's facts (any text file of the genre): make extract FILE=path
extract: setup  ## print the facts of FILE=path (csv); the package step extracts all sources
	@test -n "$(FILE)" || { echo "usage: make extract FILE=data/sources/kaijiang-2022.txt" >&2; exit 2; }
	$(PY) -m juesuan extract "$(FILE)"

# 3. package: sources + curated CSVs + lexicon → data/*.csv and datapackage.json (committed)
$(PACKAGE) &: $(SOURCES) $(CURATED) $(CODE) | $(VENV)/.installed
	$(PY) -m juesuan package

package: setup $(PACKAGE)  ## build the Frictionless package (data/*.csv, datapackage.json)

# 3b. expectations: the GX suites (JSON, committed) generated from the Table Schemas and rule families
expectations: setup  ## regenerate the Great Expectations suites under expectations/
	$(PY) -m juesuan expectations

# 4. databases: the package → DuckDB (DECIMAL) + Parquet, SQLite + Datasette metadata
$(DATABASES) &: $(PACKAGE) metadata.yml | $(VENV)/.installed
	$(PY) -m juesuan databases

databases: package $(DATABASES)  ## build build/juesuan.duckdb, build/parquet/, build/juesuan.db

# 5. validate: Frictionless (types, keys) + provenance of every fact + integrity rules
#    (data/checks.csv, data/findings.csv, acknowledged in data/curated/acknowledged.csv)
#    + Great Expectations suites on the SQLite build; Data Docs under build/gx/
validate: databases  ## rebuild what is stale, then validate package, rules and GX suites (non-zero on failure)
	$(PY) -m juesuan validate

# 5b. dist: the downloads (package zip, CSVs, Parquet, DuckDB) with sizes and SHA-256
build/dist/manifest.json: $(DATABASES) | $(VENV)/.installed
	$(PY) -m juesuan dist

dist: databases build/dist/manifest.json  ## build the downloads under build/dist/ (manifest.json lists size and SHA-256)

# 6. serve: read-only Datasette on http://127.0.0.1:$(PORT): immutable database, time limit,
#    row cap, downloads only of the published files, the plugins in plugins/ (juesuan_hardening.py:
#    security headers, cheap error pages, value and result size caps) and templates/.
#    suggest_facets off: the suggestions ran ~80 queries behind every table page (15x slower at 1,000 documents);
#    the facets the site means are declared in metadata.yml.
#    num_sql_threads 0: queries run on the server's own thread. A page makes 10-20 small queries and each
#    trip through the thread pool cost ~0.2 ms of CPU (a table page 7.2 -> 3.5 ms, a 404 row 4.6 -> 1.5 ms
#    at 1,000 documents); the pool shielded nothing anyway (one queue: cheap queries wait behind slow
#    ones), and sql_time_limit_ms bounds any query either way.
SERVE_ARGS := -i build/juesuan.db --metadata build/metadata.json --plugins-dir plugins --template-dir templates \
	  --setting sql_time_limit_ms 3000 --setting max_returned_rows 2000 \
	  --setting allow_download off --setting default_page_size 100 --setting suggest_facets off \
	  --setting num_sql_threads 0
serve: validate dist  ## set everything up, build, validate and serve Datasette (PORT=8001)
	$(VENV)/bin/datasette serve $(SERVE_ARGS) -h 127.0.0.1 -p $(PORT)

serve-args:  ## print the arguments `make serve` passes to datasette (the soak and tests reuse them)
	@echo $(SERVE_ARGS)

# 6b. soak: the real server on a free loopback port, driven for a bounded time (pages, searches,
#     canned queries, a 404 flood at concurrency 1/8/32), with the response cache off then on;
#     prints req/s, p50/p99, errors, peak RSS, the CPU of server and load generators, a verdict.
#     SOAK_ARGS='--db path/to/other.db --seconds 5 --cache off' runs it on another database, one mode.
soak: databases dist  ## drive the real server for a bounded time and print req/s, latency, errors and peak RSS
	PYTHONPATH=. $(PY) scripts/soak.py $(SOAK_ARGS)

# the browser tests drive Debian's headless Chromium (test tools' own browser downloads fail here)
browser-deps:  ## install Debian's chromium, chromium-driver and a CJK font if missing (needs root + apt)
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei >/dev/null; \
	else echo "note: chromium/chromedriver not installed and no root apt: browser tests will be skipped" >&2; fi

lint: setup  ## ruff and mypy on juesuan/ (settings in pyproject.toml)
	$(VENV)/bin/ruff check juesuan
	$(VENV)/bin/mypy juesuan

test: setup browser-deps lint  ## lint and type-check juesuan/, then run the whole test suite (what CI runs)
	$(PY) -m pytest -q

BENCH_MB ?= 8
bench-extract: setup  ## recall/precision per document and family (tests/gold + tests/corpus), misses, false figures; CPU MB/s in-process and via the CLI (BENCH_MB=0: quality only)
	PYTHONPATH=. $(PY) scripts/bench_extract.py $(BENCH_MB)

bench-rules: databases  ## print error-injection detection (overall and per rule family), false flags, validation timing
	PYTHONPATH=. $(PY) scripts/bench_rules.py

# the pipeline at growing corpus sizes (generated documents, each stage a process): seconds, CPU,
# peak RSS per stage and per document, Datasette p50; e.g. make bench-scale SIZES="10 100 1000 10000"
SIZES ?= 10 100 1000
bench-scale: setup  ## print time and memory per stage and Datasette latency at SIZES documents
	PYTHONPATH=. $(PY) scripts/bench_scale.py --sizes $(SIZES)

FUZZ_SECONDS ?= 30
fuzz: setup  ## fuzz the extractor for FUZZ_SECONDS (30) s: inputs tried, exceptions, slowest input, quote/span mismatches
	PYTHONPATH=. $(PY) scripts/fuzz.py --seconds $(FUZZ_SECONDS) $(if $(SEED),--seed $(SEED))

clean:  ## remove build outputs (not the committed package)
	rm -rf build
