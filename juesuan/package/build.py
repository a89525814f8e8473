"""Build the Frictionless data package: data/*.csv and datapackage.json.

Everything is computed in memory first and written only when all of it
succeeded; each file is then replaced atomically, so a failed build leaves
the previous package as it was.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from juesuan.classification import load_classification
from juesuan.csvio import atomic_write, csv_bytes, read_csv
from juesuan.errors import JuesuanError
from juesuan.extract.facts import MEASURES, Fact, extract
from juesuan.extract.lexicon import LEXICON_PATH, default_lexicon
from juesuan.paths import CURATED_FACTS_CSV, DATA, DATAPACKAGE, ENTITIES_CSV, METRICS_CSV
from juesuan.schema import RESOURCES_YML, load_resources  # noqa: F401  (kept importable from here)
from juesuan.sources import Source, load_sources


def columns(spec: dict[str, Any], name: str) -> list[str]:
    return [f["name"] for f in spec["resources"][name]["fields"]]


def fmt_decimal(d: Decimal | None) -> str:
    if d is None:
        return ""
    return format(d, "f")


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


CURATED_COLUMNS = (
    "doc_id", "metric", "measure", "value", "unit", "function_code", "function_name", "base_metric",
    "compared_year", "char_start", "char_end", "value_start", "value_end", "note",
)


def curated_facts(sources: dict[str, Source], metrics: set[str], path: Path = CURATED_FACTS_CSV) -> list[Fact]:
    """Hand-entered facts; each must point at text that says exactly its value."""
    out = []
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
        text = sources[doc_id].text
        printed = text[vs:ve].replace(",", "")
        if printed.lstrip("-") != row["value"].lstrip("-"):
            raise JuesuanError(
                f"value {row['value']} is not what the source says at {vs}:{ve} ({text[vs:ve]!r})", path, line
            )
        if not (0 <= cs <= vs < ve <= ce <= len(text)):
            raise JuesuanError("offsets must satisfy char_start <= value_start < value_end <= char_end", path, line)
        unit = row["unit"]
        factors = default_lexicon().money_units
        decimals = len(row["value"].split(".", 1)[1]) if "." in row["value"] else 0
        out.append(Fact(
            doc_id=doc_id, metric=row["metric"], measure=row["measure"], value=value, value_text=text[vs:ve],
            unit=unit, value_wan=value * factors[unit] if unit in factors else None, decimals=decimals,
            function_code=row["function_code"], function_name=row["function_name"], base_metric=row["base_metric"],
            compared_year=int(row["compared_year"]) if row["compared_year"] else None,
            char_start=cs, char_end=ce, value_start=vs, value_end=ve, quote=text[cs:ce],
            origin="curated", note=row["note"],
        ))
    return out


def merge_facts(extracted: list[Fact], curated: list[Fact]) -> list[Fact]:
    """Curated rows add what the script cannot read; they never replace a fact
    the script read. A curated row at the same place with another value is an
    error (someone must decide which is right), not a silent override."""
    by_key = {(f.doc_id, f.value_start, f.metric, f.measure): f for f in extracted}
    out = list(extracted)
    for c in curated:
        key = (c.doc_id, c.value_start, c.metric, c.measure)
        if key in by_key:
            e = by_key[key]
            if e.value != c.value:
                raise JuesuanError(
                    f"curated fact {c.metric}/{c.measure}={c.value} disagrees with the extracted {e.value} "
                    f"at {c.doc_id}:{c.value_start}", CURATED_FACTS_CSV,
                )
            continue  # the extractor reads it now: the curated row is redundant but harmless
        out.append(c)
    out.sort(key=lambda f: (f.doc_id, f.value_start, f.metric, f.measure))
    return out


def fact_row(f: Fact, text: str) -> dict[str, object]:
    return {
        "fact_id": f.fact_id, "doc_id": f.doc_id, "metric": f.metric, "measure": f.measure,
        "value": fmt_decimal(f.value), "value_text": f.value_text, "unit": f.unit,
        "value_wan": fmt_decimal(f.value_wan), "decimals": f.decimals,
        "function_code": f.function_code, "function_name": f.function_name,
        "function_level": f.function_level, "function_path": f.function_path,
        "base_metric": f.base_metric, "compared_year": f.compared_year or "",
        "char_start": f.char_start, "char_end": f.char_end, "value_start": f.value_start,
        "value_end": f.value_end, "line": line_of(text, f.value_start), "quote": f.quote,
        "section": f.section, "flags": ";".join(f.flags), "origin": f.origin, "note": f.note,
    }


@dataclass
class Package:
    tables: dict[str, list[dict[str, object]]]
    spec: dict[str, Any]


def build_tables() -> Package:
    spec = load_resources()
    sources = load_sources()
    by_id = {s.doc_id: s for s in sources}
    metrics = read_csv(METRICS_CSV, columns(spec, "metrics"))
    metric_ids = {m["metric"] for m in metrics}
    entities = read_csv(ENTITIES_CSV, columns(spec, "entities"))
    classification = load_classification()
    lex = default_lexicon()

    extracted: list[Fact] = []
    for s in sources:
        extracted.extend(extract(s.text, s.doc_id, lex, s.fiscal_year))
    unknown = sorted({f.metric for f in extracted} - metric_ids)
    if unknown:
        raise JuesuanError(f"the lexicon names metrics missing from the vocabulary: {', '.join(unknown)}", LEXICON_PATH)
    facts = merge_facts(extracted, curated_facts(by_id, metric_ids))

    entity_names = {e["entity_id"]: e["name"] for e in entities}
    per_doc: dict[str, int] = {}
    for f in facts:
        per_doc[f.doc_id] = per_doc.get(f.doc_id, 0) + 1
    documents = []
    source_text = []
    for s in sorted(sources, key=lambda s: s.doc_id):
        row: dict[str, Any] = {k: v for k, v in s.row.items() if not k.startswith("_")}
        row["label"] = f"{entity_names.get(row['entity_id'], row['entity_id'])} {row['fiscal_year']}"
        row["chars"] = len(s.text)
        row["lines"] = s.text.count("\n") + (0 if s.text.endswith("\n") else 1)
        row["facts"] = per_doc.get(s.doc_id, 0)
        documents.append(row)
        pos = 0
        for n, line in enumerate(s.text.split("\n"), start=1):
            if n == len(s.text.split("\n")) and line == "":
                break
            source_text.append({"doc_id": s.doc_id, "line": n, "char_start": pos, "char_end": pos + len(line), "text": line})
            pos += len(line) + 1
    from juesuan.package.curated import classification_tables, line_items, load_indicators, load_scores
    from juesuan.rules.tables import rule_tables

    fact_rows = [fact_row(f, by_id[f.doc_id].text) for f in facts]
    texts = {s.doc_id: s.text for s in sources}
    indicators = load_indicators(texts, metric_ids)
    scores, totals = load_scores(texts)
    rule_rows = rule_tables(facts, sources, classification, indicators, scores, totals)
    codes, names = classification_tables(classification)
    for t in totals:
        t["items_sum"] = sum((x["points_given"] for x in scores if x["doc_id"] == t["doc_id"]), Decimal(0))
    tables = {
        "documents": documents,
        "entities": [{k: v for k, v in e.items() if k != "_line"} for e in entities],
        "metrics": [{k: v for k, v in m.items() if k != "_line"} for m in metrics],
        "classification": codes,
        "classification_names": names,
        "facts": fact_rows,
        "source_text": source_text,
        "line_items": line_items(fact_rows),
        "performance_indicators": indicators,
        "score_items": scores,
        "score_totals": totals,
        **rule_rows,
    }
    return Package(tables, spec)


def descriptor(pkg: Package, payloads: dict[str, bytes]) -> dict[str, Any]:
    spec = pkg.spec
    desc: dict[str, Any] = dict(spec["package"])
    desc["$schema"] = "https://datapackage.org/profiles/2.0/datapackage.json"
    desc["sources"] = [
        {"title": f"{d['entity_name_stated'] or '未具名单位 (unnamed body)'} {d['fiscal_year']} ({d['original_name']})",
         "path": f"data/sources/{d['file']}"}
        for d in pkg.tables["documents"]
    ]
    resources = []
    for name, res in spec["resources"].items():
        fields = [{k: v for k, v in f.items() if k != "sql"} for f in res["fields"]]
        schema: dict[str, Any] = {"fields": fields, "primaryKey": res["primaryKey"], "missingValues": [""]}
        if res.get("foreignKeys"):
            schema["foreignKeys"] = res["foreignKeys"]
        data = payloads[name]
        resources.append({
            "name": name, "type": "table", "path": f"data/{name}.csv", "scheme": "file", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": res["title"], "description": res["description"],
            "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "schema": schema,
        })
    desc["resources"] = resources
    return desc


def write_package(pkg: Package, data_dir: Path = DATA, descriptor_path: Path = DATAPACKAGE) -> dict[str, Path]:
    payloads = {
        name: csv_bytes(columns(pkg.spec, name), pkg.tables[name]) for name in pkg.spec["resources"]
    }
    desc = json.dumps(descriptor(pkg, payloads), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    written = {}
    for name, data in payloads.items():
        target = data_dir / f"{name}.csv"
        atomic_write(target, data)
        written[name] = target
    atomic_write(descriptor_path, desc)
    written["datapackage"] = descriptor_path
    return written


def build(data_dir: Path = DATA, descriptor_path: Path = DATAPACKAGE) -> dict[str, Path]:
    return write_package(build_tables(), data_dir, descriptor_path)

