"""Build the Frictionless data package: data/*.csv and datapackage.json.

Order of work, so that bad input never touches the committed package:
1. every input is checked against its schema (inputs.py) and the sources
   against their hashes — nothing is written yet;
2. documents are read one at a time (extract, merge the curated facts, check,
   rows: documents.py), their rows streamed into a staging directory, so memory
   holds a few documents whatever the size of the corpus;
3. the whole set is swapped in as one transaction (staging.py); datapackage.json,
   which records every table's size and SHA-256, is renamed last and is the
   generation marker.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from juesuan.classification import load_classification
from juesuan.csvio import CsvSink, read_csv
from juesuan.errors import JuesuanError
from juesuan.extract.facts import MEASURES, Fact
from juesuan.extract.lexicon import default_lexicon
from juesuan.package.curated import (
    classification_tables,
    known_units,
    load_indicators,
    load_scores,
    printed_sign_error,
    unit_error,
)
from juesuan.package.documents import Corpus, write_documents
from juesuan.package.documents import merge_facts as merge_facts  # its former home: callers import it from here
from juesuan.package.inputs import check_inputs
from juesuan.paths import CURATED_FACTS_CSV, DATA, DATAPACKAGE, ENTITIES_CSV, METRICS_CSV
from juesuan.rules.per_document import DocumentRules
from juesuan.schema import load_resources
from juesuan.sources import Source, SourceTexts, load_sources
from juesuan.staging import Staging, crash_point


def columns(spec: dict[str, Any], name: str) -> list[str]:
    return [f["name"] for f in spec["resources"][name]["fields"]]


CURATED_COLUMNS = (
    "doc_id", "metric", "measure", "value", "unit", "function_code", "function_name", "base_metric",
    "compared_year", "char_start", "char_end", "value_start", "value_end", "note",
)


def curated_facts(sources: dict[str, Source], metrics: set[str], path: Path = CURATED_FACTS_CSV,
                  texts: Mapping[str, str] | None = None) -> list[Fact]:
    """Hand-entered facts; each must point at text that prints exactly its value:
    the same digits, the same sign and a unit printed with it."""
    out = []
    units = known_units(default_lexicon())
    for row in read_csv(path, CURATED_COLUMNS):
        line = int(row["_line"])
        doc_id = row["doc_id"]
        if doc_id not in sources:
            raise JuesuanError(f"unknown doc_id '{doc_id}'", path, line)
        if row["metric"] not in metrics:
            raise JuesuanError(f"unknown metric '{row['metric']}'", path, line)
        if row["measure"] not in MEASURES:
            raise JuesuanError(f"unknown measure '{row['measure']}'", path, line)
        if not row["note"].strip():
            raise JuesuanError("a curated fact needs a note saying why it is entered by hand", path, line)
        try:
            value = Decimal(row["value"])
            cs, ce, vs, ve = (int(row[k]) for k in ("char_start", "char_end", "value_start", "value_end"))
        except (InvalidOperation, ValueError) as exc:
            raise JuesuanError(f"bad number in row: {exc}", path, line) from exc
        text = texts[doc_id] if texts is not None else sources[doc_id].text
        if not (0 <= cs <= vs < ve <= ce <= len(text)):
            raise JuesuanError("offsets must satisfy char_start <= value_start < value_end <= char_end "
                               f"<= the document's length ({len(text)})", path, line)
        decrease = tuple(w for w, cue in default_lexicon().cues.items() if cue.value == "decrease") \
            if row["measure"].startswith("change_") else ()
        problem = printed_sign_error(text, vs, ve, row["value"], decrease)
        if problem:
            raise JuesuanError(f"value {row['value']} is not what the source says at {vs}:{ve}: {problem}", path, line)
        unit = row["unit"]
        problem = unit_error(text, cs, ce, ve, unit, units)
        if problem:
            raise JuesuanError(f"unit {unit!r}: {problem}", path, line)
        factors = default_lexicon().money_units
        decimals = len(row["value"].split(".", 1)[1]) if "." in row["value"] else 0
        out.append(Fact(
            doc_id=doc_id, metric=row["metric"], measure=row["measure"], value=value, value_text=text[vs:ve],
            unit=unit, value_wan=value * factors[unit] if unit in factors else None, decimals=decimals,
            function_code=row["function_code"], function_name=row["function_name"], base_metric=row["base_metric"],
            compared_year=int(row["compared_year"]) if row["compared_year"] else None,
            char_start=cs, char_end=ce, value_start=vs, value_end=ve, quote=text[cs:ce],
            origin="curated", note=row["note"],
            # a code the quote does not print was looked up from the heading, as the extractor flags it
            flags=["code_from_classification"] if row["function_code"] and row["function_code"] not in text[cs:ce] else [],
        ))
    return out


@dataclass
class Package:
    """Everything the build needs, checked before a single row is written: the tables
    that do not grow with the corpus, whole; the documents as a `Corpus` whose texts are
    read (and extracted) while the per-document tables are written (documents.py)."""

    spec: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]
    corpus: Corpus


def build_tables(check: bool = True) -> Package:
    """Check every input against its schema and the curated tables against the texts they
    cite, and load what does not grow with the corpus. No document is extracted here."""
    spec = load_resources()
    if check:
        check_inputs(spec)
    listed = load_sources(lazy=True)
    sources = sorted(listed, key=lambda s: s.doc_id)
    by_id = {s.doc_id: s for s in sources}
    texts = SourceTexts(sources)
    metrics = read_csv(METRICS_CSV, columns(spec, "metrics"))
    metric_ids = {m["metric"] for m in metrics}
    entities = read_csv(ENTITIES_CSV, columns(spec, "entities"))
    classification = load_classification()
    curated: dict[str, list[Fact]] = {}
    for c in curated_facts(by_id, metric_ids, texts=texts):
        curated.setdefault(c.doc_id, []).append(c)
    indicators = load_indicators(texts, metric_ids)
    scores, totals = load_scores(texts)
    codes, names = classification_tables(classification)
    items_sum: dict[str, Decimal] = {}
    for x in scores:
        items_sum[x["doc_id"]] = items_sum.get(x["doc_id"], Decimal(0)) + x["points_given"]
    for t in totals:
        t["items_sum"] = items_sum.get(t["doc_id"], Decimal(0))
    tables: dict[str, list[dict[str, Any]]] = {
        "entities": [{k: v for k, v in e.items() if k != "_line"} for e in entities],
        "metrics": [{k: v for k, v in m.items() if k != "_line"} for m in metrics],
        "classification": codes,
        "classification_names": names,
        "performance_indicators": indicators,
        "score_items": scores,
        "score_totals": totals,
    }
    return Package(spec, tables, Corpus(sources, listed, curated, metric_ids, {e["entity_id"]: e["name"] for e in entities},
                                        DocumentRules(classification, indicators, scores, totals)))


def descriptor(pkg: Package, digests: dict[str, tuple[int, str]]) -> dict[str, Any]:
    """datapackage.json: the schemas plus each table's size and SHA-256 (`digests`)."""
    spec = pkg.spec
    desc: dict[str, Any] = dict(spec["package"])
    desc["$schema"] = "https://datapackage.org/profiles/2.0/datapackage.json"
    desc["sources"] = [
        {"title": f"{d['entity_name_stated'] or '未具名单位 (unnamed body)'} {d['fiscal_year']} ({d['original_name']})",
         "path": f"data/sources/{d['file']}"}
        for d in (s.row for s in pkg.corpus.sources)
    ]
    resources = []
    for name, res in spec["resources"].items():
        fields = [{k: v for k, v in f.items() if k != "sql"} for f in res["fields"]]
        schema: dict[str, Any] = {"fields": fields, "primaryKey": res["primaryKey"], "missingValues": [""]}
        if res.get("foreignKeys"):
            schema["foreignKeys"] = res["foreignKeys"]
        size, sha = digests[name]
        resources.append({
            "name": name, "type": "table", "path": f"data/{name}.csv", "scheme": "file", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": res["title"], "description": res["description"],
            "bytes": size, "hash": "sha256:" + sha, "schema": schema,
        })
    desc["resources"] = resources
    return desc


def write_package(pkg: Package, data_dir: Path = DATA, descriptor_path: Path = DATAPACKAGE) -> dict[str, Path]:
    """Stream every table into a staging directory, then swap the set in at once
    (datapackage.json last). Nothing under data_dir changes unless all of it was written.
    The per-document tables are written side by side, one document at a time."""
    staging = Staging(descriptor_path.parent, "package")
    sinks: dict[str, CsvSink] = {}
    try:
        written: dict[str, Path] = {}
        digests: dict[str, tuple[int, str]] = {}
        for name in pkg.spec["resources"]:
            target = data_dir / f"{name}.csv"
            sinks[name] = CsvSink(staging.path(target), columns(pkg.spec, name))
            written[name] = target
        for name, rows in pkg.tables.items():
            for row in rows:
                sinks[name].write(row)
        write_documents(pkg.corpus, sinks, staging.dir)
        for name, sink in sinks.items():
            sink.close()
            digests[name] = (sink.bytes, sink.sha256.hexdigest())
            crash_point(f"package-after-{name}")
        desc = json.dumps(descriptor(pkg, digests), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        staging.write(descriptor_path, desc)
        written["datapackage"] = descriptor_path
        staging.commit()
    except BaseException:
        for sink in sinks.values():
            with contextlib.suppress(OSError):
                sink.close()
        staging.abort()
        raise
    return written


def build(data_dir: Path = DATA, descriptor_path: Path = DATAPACKAGE) -> dict[str, Path]:
    return write_package(build_tables(), data_dir, descriptor_path)
