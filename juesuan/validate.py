"""`make validate`: the package must pass Frictionless validation (types,
constraints, primary and foreign keys) and every fact must quote its source
exactly; and no error finding of the integrity rules goes unacknowledged
(the rules ran once, in the package build: here their published checks are read)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from juesuan.paths import DATA, DATAPACKAGE, SOURCES
from juesuan.rules.findings import CheckRow, gate, load_acks


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


def provenance_errors(descriptor: Path = DATAPACKAGE) -> list[str]:
    """Every fact's quote is the source text between its offsets, and its
    number lies inside the quote."""
    root = descriptor.parent
    desc = json.loads(descriptor.read_text(encoding="utf-8"))
    facts_path = root / next(r["path"] for r in desc["resources"] if r["name"] == "facts")
    docs_path = root / next(r["path"] for r in desc["resources"] if r["name"] == "documents")
    with open(docs_path, encoding="utf-8", newline="") as fh:
        files = {r["doc_id"]: r["file"] for r in csv.DictReader(fh)}
    texts = {d: (SOURCES / f).read_text(encoding="utf-8") for d, f in files.items()}
    out = []
    with open(facts_path, encoding="utf-8", newline="") as fh:
        for n, r in enumerate(csv.DictReader(fh), start=2):
            text = texts.get(r["doc_id"])
            if text is None:
                out.append(f"{facts_path}:{n}: unknown doc_id {r['doc_id']}")
                continue
            cs, ce, vs, ve = (int(r[k]) for k in ("char_start", "char_end", "value_start", "value_end"))
            if text[cs:ce] != r["quote"]:
                out.append(f"{facts_path}:{n}: quote of {r['fact_id']} is not the source text at {cs}:{ce}")
            if not (cs <= vs < ve <= ce):
                out.append(f"{facts_path}:{n}: number of {r['fact_id']} lies outside its quote")
            elif text[vs:ve].replace(",", "") != r["value_text"].replace(",", ""):
                out.append(f"{facts_path}:{n}: {r['fact_id']} says {r['value_text']}, the source has {text[vs:ve]!r}")
    return out


def published_checks(path: Path = DATA / "checks.csv") -> list[CheckRow]:
    """The checks the package build computed (rules run once per build; validate reads them)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [CheckRow(r["check_id"], r["outcome"], r["severity"], r["difference"], r.get("finding_id", ""), r["detail"])
                for r in csv.DictReader(fh)]


def finding_counts(path: Path = DATA / "findings.csv") -> dict[str, int]:
    """Findings per severity, acknowledged errors apart: what `make validate` reports."""
    counts: dict[str, int] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            key = r["severity"] + (" (acknowledged)" if r["severity"] == "error" and r["acknowledged"] == "true" else "")
            counts[key] = counts.get(key, 0) + 1
    return counts


def integrity_errors(checks: list[CheckRow] | None = None) -> list[str]:
    """Error findings nobody has acknowledged, and stale acknowledgements."""
    return gate(published_checks() if checks is None else checks, load_acks())


def validate(descriptor: Path = DATAPACKAGE) -> list[str]:
    return frictionless_errors(descriptor) + provenance_errors(descriptor) + integrity_errors()
