"""`make validate`: the package must pass Frictionless validation (types,
constraints, primary and foreign keys) and every fact must quote its source
exactly; and no error finding of the integrity rules goes unacknowledged
(the rules ran once, in the package build: here their published checks are read)."""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from juesuan.csvio import iter_csv
from juesuan.errors import JuesuanError
from juesuan.figures import magnitude, reads_as, without
from juesuan.paths import BUILD, DATA, DATAPACKAGE, SOURCES
from juesuan.rules.findings import CheckRow, gate, load_acks
from juesuan.sources import read_text


def frictionless_errors(descriptor: Path = DATAPACKAGE) -> list[str]:
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(descriptor)).validate()
    out = []
    for task in report.tasks:
        for err in task.errors:
            row = getattr(err, "row_number", None)
            where = f"{task.name}" + (f" row {row}" if row else "")
            out.append(f"{where}: [{err.type}] {err.message}")
    for err in report.errors:
        out.append(f"package: [{err.type}] {err.message}")
    return out


def _extractor_view(span: str) -> str:
    """The span as the extractor reads it: its same-length normalisation (which also blanks
    conversion residue such as bookmark marks) without the quote marks its compact view drops."""
    from juesuan.extract.lexicon import default_lexicon
    from juesuan.extract.text import normalise

    lex = default_lexicon()
    return without(normalise(span, lex), lex.drop_chars)


def number_reads_as(span: str, value_text: str) -> bool:
    """Whether the source span prints the fact's number (figures.reads_as), either as a
    reader sees it or as the extractor reads it."""
    return reads_as(span, value_text) or reads_as(_extractor_view(span), value_text)


def printed_magnitude(span: str) -> Decimal | None:
    """The unsigned number the span prints, as a reader sees it or else as the extractor
    reads it: a fact's value must have this magnitude (its sign may come from a word such
    as 减少, so the sign is checked where the fact is made, not here)."""
    found = magnitude(span)
    return found if found is not None else magnitude(_extractor_view(span))


def provenance_errors(descriptor: Path = DATAPACKAGE, sources_dir: Path = SOURCES) -> list[str]:
    """Every fact's quote is the ORIGINAL source text between its offsets, its number,
    as the extractor reads it, is printed inside the quote, and its value is the number
    printed there (a value ×10 with the right span is caught). The number is
    compared in normalised form (full-width digits folded, line breaks, spaces and
    grouping commas dropped): `１２３．４５` and `7940.⏎39` are what the source prints.
    Errors name facts.csv and the physical line of the row."""
    root = descriptor.parent
    desc = json.loads(descriptor.read_text(encoding="utf-8"))
    facts_path = root / next(r["path"] for r in desc["resources"] if r["name"] == "facts")
    docs_path = root / next(r["path"] for r in desc["resources"] if r["name"] == "documents")
    files = {r["doc_id"]: r["file"] for r in iter_csv(docs_path, ("doc_id", "file"))}
    out: list[str] = []
    cache: dict[str, str | None] = {}

    def text_of(doc_id: str) -> str | None:
        if doc_id not in cache:
            cache.clear()                  # facts come grouped by document: one text at a time
            try:
                cache[doc_id] = read_text(sources_dir / files[doc_id]) if doc_id in files else None
            except JuesuanError as exc:
                out.append(str(exc))
                cache[doc_id] = None
        return cache[doc_id]

    cols = ("fact_id", "doc_id", "value", "char_start", "char_end", "value_start", "value_end", "value_text", "quote")
    for r in iter_csv(facts_path, cols):
        n = r["_line"]
        text = text_of(r["doc_id"])
        if text is None:
            out.append(f"{facts_path}:{n}: unknown doc_id {r['doc_id']} (or its source is unreadable)")
            continue
        try:
            cs, ce, vs, ve = (int(r[k]) for k in ("char_start", "char_end", "value_start", "value_end"))
        except ValueError:
            out.append(f"{facts_path}:{n}: offsets of {r['fact_id']} are not integers")
            continue
        if text[cs:ce] != r["quote"]:
            out.append(f"{facts_path}:{n}: quote of {r['fact_id']} is not the source text at {cs}:{ce}")
        if not (0 <= cs <= vs < ve <= ce <= len(text)):
            out.append(f"{facts_path}:{n}: number of {r['fact_id']} lies outside its quote")
        elif not number_reads_as(text[vs:ve], r["value_text"]):
            out.append(f"{facts_path}:{n}: {r['fact_id']} says {r['value_text']}, the source has {text[vs:ve]!r}")
        elif (want := printed_magnitude(text[vs:ve])) is None or _magnitude_of(r["value"]) != want:
            out.append(f"{facts_path}:{n}: {r['fact_id']} has the value {r['value']}, the source prints {text[vs:ve]!r}")
    return out


def _magnitude_of(value: str) -> Decimal | None:
    try:
        return abs(Decimal(value))
    except InvalidOperation:
        return None


def served_errors(build: Path = BUILD, data_dir: Path = DATA, descriptor: Path = DATAPACKAGE) -> list[str]:
    """The databases `make serve` would publish hold exactly the package: per table the
    row count and content hash of build/juesuan.db (REAL and printed-digit copies) and
    build/juesuan.duckdb equal the package's, and every file of the build set is the
    one build/manifest.json recorded (so a mix of two builds is refused too).
    A file that is no database at all raises JuesuanError (exit 2)."""
    import sqlite3

    import duckdb

    from juesuan.publish.databases import MANIFEST, package_errors, package_fingerprints
    from juesuan.publish.duckdb_build import duckdb_type
    from juesuan.publish.fingerprint import duckdb_matches, file_sha256, sqlite_fingerprint
    from juesuan.schema import load_resources

    out = package_errors(data_dir, descriptor)
    if out:
        return out
    manifest_path = build / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        recorded_files, recorded_tables = dict(manifest["files"]), dict(manifest["tables"])
    except FileNotFoundError:
        return [f"{manifest_path}: missing: run `make databases`"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{manifest_path}: not a build manifest ({exc}): run `make databases`"]
    spec = load_resources()
    if manifest.get("datapackage_sha256") == file_sha256(descriptor):
        # package_errors() proved every CSV is the one datapackage.json records, and it is the
        # descriptor the build was made from: the recorded fingerprints are the package's
        expected = recorded_tables
    else:
        expected = package_fingerprints(spec, data_dir)
    if recorded_tables != expected or set(expected) != set(spec["resources"]):
        stale = sorted({k for k in expected if recorded_tables.get(k) != expected[k]}
                       | (set(expected) ^ set(spec["resources"])))
        out.append(f"{manifest_path}: the build was made from another package (tables {', '.join(stale)}): "
                   "run `make databases`")
    for name, sha in recorded_files.items():
        path = build / name
        if not path.exists():
            out.append(f"{path}: missing (the manifest lists it): run `make databases`")
        elif file_sha256(path) != sha:
            out.append(f"{path}: changed since it was built (SHA-256 differs from {manifest_path.name})")

    def compare(store: Path, table: str, got: dict[str, object], what: str = "") -> None:
        want = expected.get(table)
        if want is None:
            out.append(f"{store}: table {table} is not in the build manifest: run `make databases`")
            return
        if got["rows"] != want["rows"]:
            out.append(f"{store}: table {table}{what} has {got['rows']} rows, the package has {want['rows']}")
        elif got["sha256"] != want["sha256"]:
            out.append(f"{store}: table {table}{what} differs from data/{table}.csv (content hash)")

    db = build / "juesuan.db"
    if db.exists():
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                for table, res in spec["resources"].items():
                    got = sqlite_fingerprint(con, table, res["fields"])
                    compare(db, table, got)
                    if got["real_mismatches"]:
                        out.append(f"{db}: table {table}: {got['real_mismatches']} rows whose numbers (REAL) "
                                   "differ from their printed digits")
            finally:
                con.close()
        except sqlite3.Error as exc:   # garbage or foreign file: an input error, not a failed check
            raise JuesuanError(f"not a readable SQLite database of this package ({exc}); run `make databases`", db) from exc
    duck = build / "juesuan.duckdb"
    if duck.exists():
        try:
            dcon = duckdb.connect(str(duck), read_only=True)
            try:
                for table, res in spec["resources"].items():
                    types = "{" + ", ".join(f"'{f['name']}': '{duckdb_type(f)}'" for f in res["fields"]) + "}"
                    n, same = duckdb_matches(dcon, table, res["fields"], data_dir / f"{table}.csv", types)
                    want = expected.get(table, {}).get("rows")
                    if n != want:
                        out.append(f"{duck}: table {table} has {n} rows, the package has {want}")
                    elif not same:
                        out.append(f"{duck}: table {table} differs from data/{table}.csv (content hash)")
            finally:
                dcon.close()
        except duckdb.Error as exc:
            raise JuesuanError(f"not a readable DuckDB database of this package ({str(exc).splitlines()[0]}); "
                               "run `make databases`", duck) from exc
    return out


CHECK_COLUMNS = ("check_id", "outcome", "severity", "difference", "finding_id", "detail")
FINDING_COLUMNS = ("severity", "acknowledged")


def published_checks(path: Path = DATA / "checks.csv") -> list[CheckRow]:
    """The checks the package build computed (rules run once per build; validate reads them).
    Read with csvio, so a broken row is reported as `checks.csv:LINE` (exit 2), not a traceback."""
    return [CheckRow(*(r[c] for c in CHECK_COLUMNS)) for r in iter_csv(path, CHECK_COLUMNS)]


def finding_counts(path: Path = DATA / "findings.csv") -> dict[str, int]:
    """Findings per severity, acknowledged errors apart: what `make validate` reports."""
    counts: dict[str, int] = {}
    for r in iter_csv(path, FINDING_COLUMNS):
        key = r["severity"] + (" (acknowledged)" if r["severity"] == "error" and r["acknowledged"] == "true" else "")
        counts[key] = counts.get(key, 0) + 1
    return counts


def integrity_errors(checks: list[CheckRow] | None = None) -> list[str]:
    """Error findings nobody has acknowledged, and stale acknowledgements."""
    return gate(published_checks() if checks is None else checks, load_acks())
