"""Great Expectations suites: written as JSON under expectations/, run by
`make validate` against the SQLite build, with Data Docs under build/gx/.

Two kinds of suite:
* a column suite per published table, generated from the Table Schemas
  (required → not null, enum → value set, pattern → regex, primary key →
  unique), so the published tables keep the types and sets they declare;
* one integrity suite whose expectations are SQL queries returning the
  failing rows of each rule family that nobody has acknowledged. The same
  queries are published as views (juesuan.publish.views) for journalists.

GX stores numeric bounds as floats, so no suite compares money with bounds:
the integrity arithmetic is Decimal interval arithmetic in the rule engine,
and GX checks its published outcome.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from juesuan.csvio import atomic_write
from juesuan.paths import BUILD, ROOT
from juesuan.rules.loader import load_rules
from juesuan.schema import load_resources

EXPECTATIONS = ROOT / "expectations"


def families() -> list[str]:
    """Rule families whose failures can be errors: the checks schema's enum, less the informational ones
    of rules.yml's `check_families`."""
    field = next(f for f in load_resources()["resources"]["checks"]["fields"] if f["name"] == "family")
    informational = load_rules().check_families.informational
    return [f for f in field["constraints"]["enum"] if f not in informational]


UNEXPLAINED_SQL = (
    "SELECT * FROM {batch} WHERE family = '%s' AND outcome = 'fail' AND severity = 'error' "
    "AND finding_id NOT IN (SELECT finding_id FROM findings WHERE acknowledged = 1)"
)


def column_suite(name: str, res: dict[str, Any]) -> dict[str, Any]:
    exps: list[dict[str, Any]] = []
    for f in res["fields"]:
        c = f.get("constraints", {})
        col = f["name"]
        if c.get("required"):
            exps.append({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": col}})
        if "enum" in c:
            values = [v for v in c["enum"] if v != ""]
            exps.append({"type": "expect_column_values_to_be_in_set", "kwargs": {"column": col, "value_set": values}})
        if "pattern" in c:
            exps.append({"type": "expect_column_values_to_match_regex", "kwargs": {"column": col, "regex": c["pattern"]}})
        if f["type"] in ("integer", "year"):
            exps.append({"type": "expect_column_values_to_be_of_type", "kwargs": {"column": col, "type_": "INTEGER"}})
        if "minimum" in c:
            # integers only: a float bound on a whole number loses nothing
            exps.append({"type": "expect_column_min_to_be_between", "kwargs": {"column": col, "min_value": c["minimum"]}})
    pk = res["primaryKey"]
    if len(pk) == 1:
        exps.append({"type": "expect_column_values_to_be_unique", "kwargs": {"column": pk[0]}})
    else:
        exps.append({"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": pk}})
    exps.append({"type": "expect_table_columns_to_match_set",
                 "kwargs": {"column_set": [f["name"] for f in res["fields"]], "exact_match": False}})
    return {"name": f"columns.{name}", "table": name, "expectations": exps}


def integrity_suite() -> dict[str, Any]:
    exps = [
        {"type": "unexpected_rows_expectation",
         "kwargs": {"unexpected_rows_query": UNEXPLAINED_SQL % fam,
                    "description": f"No unacknowledged failure in rule family {fam}"}}
        for fam in families()
    ]
    exps.append({"type": "unexpected_rows_expectation",
                 "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE outcome NOT IN "
                            "('pass','pass_within_rounding','fail','incomplete','warning')",
                            "description": "Every check has a known outcome"}})
    exps.append({"type": "unexpected_rows_expectation",
                 "kwargs": {"unexpected_rows_query": "SELECT * FROM findings f WHERE f.acknowledged = 1 AND "
                            "f.finding_id NOT IN (SELECT check_id FROM {batch} WHERE outcome IN ('fail','warning'))",
                            "description": "No stale acknowledgement"}})
    return {"name": "integrity.checks", "table": "checks", "expectations": exps}


def all_suites() -> list[dict[str, Any]]:
    spec = load_resources()
    return [column_suite(n, r) for n, r in spec["resources"].items()] + [integrity_suite()]


def write_suites(directory: Path = EXPECTATIONS) -> list[Path]:
    out = []
    for s in all_suites():
        path = directory / f"{s['name']}.json"
        atomic_write(path, (json.dumps(s, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        out.append(path)
    return out


def read_suites(directory: Path = EXPECTATIONS) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


@dataclass
class GXReport:
    problems: list[str]
    evaluated: int
    import_seconds: float
    load_seconds: float
    check_seconds: float
    docs_index: Path | None


def run_gx(db: Path = BUILD / "juesuan.db", root: Path = BUILD / "gx", build_docs: bool = True) -> GXReport:
    os.environ.setdefault("TQDM_DISABLE", "1")          # no progress bars in logs
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    t0 = time.perf_counter()
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    t1 = time.perf_counter()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    ds = ctx.data_sources.add_sqlite(name="juesuan", connection_string=f"sqlite:///{db.resolve()}")
    suites = read_suites()
    batches = {}
    for table in sorted({s["table"] for s in suites}):
        batches[table] = ds.add_table_asset(name=table, table_name=table).add_batch_definition_whole_table("all")
    t2 = time.perf_counter()
    problems: list[str] = []
    evaluated = 0
    for s in suites:
        suite = gx.ExpectationSuite(name=s["name"])
        for e in s["expectations"]:
            # one domain object per expectation (add_expectation_configuration merges same-type configs)
            suite.add_expectation(ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"]).to_domain_obj())
        suite = ctx.suites.add(suite)
        vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=s["name"], data=batches[s["table"]], suite=suite))
        result = vd.run(result_format="SUMMARY")
        for r in result.results:
            evaluated += 1
            if r.success:
                continue
            cfg = r.expectation_config
            kwargs = cfg.kwargs if cfg is not None else {}
            kind = cfg.type if cfg is not None else "expectation"
            what = getattr(cfg, "description", None) or kwargs.get("description") or kwargs.get("column") or ""
            res = r.result or {}
            n = res.get("unexpected_count") or res.get("observed_value")
            sample = res.get("partial_unexpected_list") or res.get("details", {}).get("unexpected_rows") or ""
            exc = (r.exception_info or {}).get("exception_message") if isinstance(r.exception_info, dict) else None
            problems.append(f"GX {s['name']}: {kind} {what} failed ({n}) {str(sample)[:300]} {exc or ''}".rstrip())
    t3 = time.perf_counter()
    index = None
    if build_docs:
        ctx.build_data_docs()
        found = list(root.rglob("data_docs/local_site/index.html"))
        index = found[0] if found else None
    return GXReport(problems, evaluated, t1 - t0, t2 - t1, t3 - t2, index)
