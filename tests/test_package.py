"""The committed package: reproducible, valid, and validation really checks."""
from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan.package.build import build_tables, write_package
from juesuan.paths import DATA, DATAPACKAGE, ROOT
from juesuan.validate import frictionless_errors, provenance_errors


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pkg")
    (out / "data").mkdir()
    write_package(build_tables(), out / "data", out / "datapackage.json")
    return out


def test_rebuild_is_byte_identical_to_committed(rebuilt):
    """CI rebuilds from data/sources and fails on any difference."""
    assert (rebuilt / "datapackage.json").read_bytes() == DATAPACKAGE.read_bytes(), \
        "datapackage.json is stale: run `make package` and commit"
    for csv_path in sorted((rebuilt / "data").glob("*.csv")):
        assert csv_path.read_bytes() == (DATA / csv_path.name).read_bytes(), \
            f"data/{csv_path.name} is stale: run `make package` and commit"


def test_committed_package_is_valid():
    assert frictionless_errors(DATAPACKAGE) == []
    assert provenance_errors(DATAPACKAGE) == []


def _copy_package(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("sources", "curated"))
    shutil.copy(DATAPACKAGE, tmp_path / "datapackage.json")
    desc = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    for r in desc["resources"]:          # the edits below change bytes and hashes on purpose
        r.pop("hash", None)
        r.pop("bytes", None)
    (tmp_path / "datapackage.json").write_text(json.dumps(desc, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def _edit_facts(path: Path, column: str, value: str) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
    rows[0][column] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_copy_is_valid_before_breaking(tmp_path):
    assert frictionless_errors(_copy_package(tmp_path) / "datapackage.json") == []


def test_bad_foreign_key_fails_validation(tmp_path):
    pkg = _copy_package(tmp_path)
    _edit_facts(pkg / "data" / "facts.csv", "metric", "no_such_metric")
    errors = frictionless_errors(pkg / "datapackage.json")
    assert any("foreign-key" in e for e in errors), errors


def test_bad_decimal_fails_validation(tmp_path):
    pkg = _copy_package(tmp_path)
    _edit_facts(pkg / "data" / "facts.csv", "value", "12.3.4")
    errors = frictionless_errors(pkg / "datapackage.json")
    assert any("type-error" in e and "facts" in e for e in errors), errors


def test_tampered_quote_fails_provenance(tmp_path):
    pkg = _copy_package(tmp_path)
    _edit_facts(pkg / "data" / "facts.csv", "quote", "something else")
    assert provenance_errors(pkg / "datapackage.json")


def test_every_money_fact_has_consistent_wan():
    """value_wan is value × the unit's factor, in decimal arithmetic."""
    factor = {"亿元": Decimal(10000), "万元": Decimal(1), "万": Decimal(1), "元": Decimal("0.0001")}
    with open(DATA / "facts.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["unit"] in factor:
                assert Decimal(r["value_wan"]) == Decimal(r["value"]) * factor[r["unit"]], r["fact_id"]
            else:
                assert r["value_wan"] == "", r["fact_id"]


def test_vocabulary_keeps_every_upstream_id():
    upstream = {r["metric"] for r in csv.DictReader(open(ROOT / "spec" / "metrics.upstream.csv", encoding="utf-8"))}
    ours = {r["metric"] for r in csv.DictReader(open(DATA / "metrics.csv", encoding="utf-8"))}
    assert upstream <= ours


def test_every_document_has_headline_figures():
    """Each 部门决算 states income and expenditure totals; the extractor must find them."""
    with open(DATA / "documents.csv", encoding="utf-8") as fh:
        docs = {r["doc_id"]: r for r in csv.DictReader(fh)}
    with open(DATA / "facts.csv", encoding="utf-8") as fh:
        facts = list(csv.DictReader(fh))
    for doc_id, d in docs.items():
        metrics = {f["metric"] for f in facts if f["doc_id"] == doc_id and f["origin"] == "extracted"}
        assert {"expenditure_total", "expenditure_basic", "expenditure_project"} <= metrics, doc_id
        if d["doc_kind"] != "部门整体支出绩效自评报告":
            assert {"income_total", "basic_personnel", "basic_public", "three_public_total", "reception"} <= metrics, doc_id


def test_expectation_suites_are_current(tmp_path):
    """expectations/*.json are generated from the Table Schemas and rule families; regenerate with `make expectations`."""
    from juesuan.rules.gx_suites import EXPECTATIONS, write_suites

    for path in write_suites(tmp_path):
        assert path.read_bytes() == (EXPECTATIONS / path.name).read_bytes(), f"{path.name} is stale"
