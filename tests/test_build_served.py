"""`make validate` checks what would be served: the databases in build/ hold exactly
the package (issue 13, item 3), and provenance accepts what the extractor reads
(item 5) and points at physical lines (item 8)."""
from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from pathlib import Path

import duckdb
import pytest
from _sandbox import make_sandbox, run

from juesuan.publish.fingerprint import file_sha256
from juesuan.validate import provenance_errors, served_errors


@pytest.fixture(scope="module")
def built_root(tmp_path_factory) -> Path:
    root = make_sandbox(tmp_path_factory.mktemp("served"))
    out = run(root, "databases")
    assert out.returncode == 0, out.stderr
    return root


def _errors(root: Path) -> list[str]:
    return served_errors(root / "build", root / "data", root / "datapackage.json")


def _copy_build(built_root: Path, tmp_path: Path) -> Path:
    """A private copy of the built sandbox (tests below tamper with it)."""
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(built_root, root, symlinks=True)
    return root


def test_fresh_build_matches_the_package(built_root):
    assert _errors(built_root) == []


def test_tampered_sqlite_fails_validate(built_root, tmp_path):
    """50 facts deleted and one value ×10, with a newer mtime: validate passed and it would be served."""
    root = _copy_build(built_root, tmp_path)
    db = root / "build" / "juesuan.db"
    con = sqlite3.connect(db)
    con.execute("DELETE FROM facts WHERE rowid IN (SELECT rowid FROM facts LIMIT 50)")
    con.execute("UPDATE facts SET value = value * 10 WHERE rowid = (SELECT max(rowid) FROM facts)")
    con.commit()
    con.close()
    os.utime(db)
    out = run(root, "validate", "--no-docs")
    assert out.returncode == 1, out.stderr
    assert "juesuan.db: table facts has" in out.stderr and "rows, the package has" in out.stderr
    assert out.stderr.lstrip().startswith("validation FAILED")      # the same report as any failure
    assert "Great Expectations: skipped" in out.stdout and "validation passed" not in out.stdout
    assert "Traceback" not in out.stderr


def test_one_value_times_ten_is_caught_in_either_copy(built_root, tmp_path):
    root = _copy_build(built_root, tmp_path)
    db = root / "build" / "juesuan.db"
    manifest = json.loads((root / "build" / "manifest.json").read_text(encoding="utf-8"))
    for column in ("value", "value_wan", "value_wan_text"):
        con = sqlite3.connect(db)
        con.execute(f"UPDATE facts SET {column} = {column} * 10 WHERE rowid = 7")
        con.commit()
        con.close()
        # even with the manifest's file hash forged to match, the content comparison catches it
        manifest["files"]["juesuan.db"] = file_sha256(db)
        (root / "build" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        errors = _errors(root)
        assert any("table facts" in e and "differ" in e for e in errors), (column, errors)
        assert not any("changed since it was built" in e for e in errors)
        con = sqlite3.connect(db)
        con.execute(f"UPDATE facts SET {column} = {column} / 10 WHERE rowid = 7")
        con.commit()
        con.close()


def test_tampered_duckdb_fails(built_root, tmp_path):
    root = _copy_build(built_root, tmp_path)
    con = duckdb.connect(str(root / "build" / "juesuan.duckdb"))
    con.execute("UPDATE facts SET value = value * 10 WHERE fact_id = (SELECT min(fact_id) FROM facts)")
    con.close()
    errors = _errors(root)
    assert any("juesuan.duckdb: table facts differs" in e for e in errors), errors


def test_build_of_another_package_is_stale(built_root, tmp_path):
    root = _copy_build(built_root, tmp_path)
    run_ok = run(root, "package")
    assert run_ok.returncode == 0
    facts = root / "data" / "facts.csv"
    rows = list(csv.reader(io.StringIO(facts.read_text(encoding="utf-8"))))
    facts.write_text("".join(",".join(r) + "\n" for r in rows[:-1]), encoding="utf-8")   # a table of another generation
    errors = _errors(root)
    assert any("facts.csv: SHA-256 differs" in e for e in errors), errors


# --- provenance ---------------------------------------------------------------------------

def _mini_package(tmp_path: Path, text: str, facts: list[dict[str, str]]) -> Path:
    src = tmp_path / "sources"
    src.mkdir()
    (src / "d.txt").write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "documents.csv").write_text("doc_id,file\nd,d.txt\n", encoding="utf-8")
    cols = ["fact_id", "doc_id", "value", "char_start", "char_end", "value_start", "value_end", "value_text", "quote"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, lineterminator="\n")
    w.writeheader()
    w.writerows(facts)
    (data / "facts.csv").write_text(buf.getvalue(), encoding="utf-8")
    desc = {"resources": [{"name": "facts", "path": "data/facts.csv"}, {"name": "documents", "path": "data/documents.csv"}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    return tmp_path


def _fact(text: str, quote: str, number: str, value_text: str, fid: str) -> dict[str, str]:
    cs = text.index(quote)
    vs = text.index(number, cs)
    return {"fact_id": fid, "doc_id": "d", "value": value_text, "char_start": str(cs), "char_end": str(cs + len(quote)),
            "value_start": str(vs), "value_end": str(vs + len(number)), "value_text": value_text, "quote": quote}


def test_provenance_accepts_full_width_and_broken_numbers(tmp_path):
    """Issue 13 (5): figures the extractor reads failed the provenance check."""
    text = "本年收入合计１２３．４５万元。\n支出总计7940.\n39万元，合计1,234.5万元。\n"
    facts = [
        _fact(text, "本年收入合计１２３．４５万元", "１２３．４５", "123.45", "d:1"),
        _fact(text, "支出总计7940.\n39万元", "7940.\n39", "7940.39", "d:2"),
        _fact(text, "合计1,234.5万元", "1,234.5", "1234.5", "d:3"),
    ]
    root = _mini_package(tmp_path, text, facts)
    assert provenance_errors(root / "datapackage.json", root / "sources") == []


def test_provenance_still_catches_a_wrong_number(tmp_path):
    text = "本年收入合计１２３．４５万元。\n"
    facts = [_fact(text, "本年收入合计１２３．４５万元", "１２３．４５", "123.46", "d:1")]
    root = _mini_package(tmp_path, text, facts)
    errors = provenance_errors(root / "datapackage.json", root / "sources")
    assert len(errors) == 1 and "says 123.46" in errors[0]


def test_provenance_errors_name_the_physical_line(tmp_path):
    """Issue 13 (8): provenance errors gave the CSV record number, not the file line."""
    text = "第一行\n支出总计7940.\n39万元，本年收入合计88万元。\n"
    good = _fact(text, "支出总计7940.\n39万元", "7940.\n39", "7940.39", "d:1")   # its quote spans two lines of facts.csv
    bad = _fact(text, "本年收入合计88万元", "88", "88", "d:2")
    bad["quote"] = "本年收入合计89万元"
    root = _mini_package(tmp_path, text, [good, bad])
    errors = provenance_errors(root / "datapackage.json", root / "sources")
    assert len(errors) == 1
    assert "facts.csv:4:" in errors[0], errors        # header 1, first row lines 2-3, second row line 4


def test_a_crlf_source_with_bom_builds_and_quotes_its_text(tmp_path):
    """A source saved on Windows (BOM, CRLF) is read, and every fact still quotes the text at its span."""
    import hashlib

    root = make_sandbox(tmp_path)
    src = root / "data" / "sources" / "pingchang-2019.txt"
    text = src.read_text(encoding="utf-8")
    assert "\r" not in text
    raw = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    src.write_bytes(raw)
    sources_csv = root / "data" / "sources" / "sources.csv"
    rows = list(csv.DictReader(io.StringIO(sources_csv.read_text(encoding="utf-8"))))
    for r in rows:
        if r["doc_id"] == "pingchang-2019":
            r["sha256"], r["bytes"] = hashlib.sha256(raw).hexdigest(), str(len(raw))
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    sources_csv.write_text(buf.getvalue(), encoding="utf-8")
    out = run(root, "package")
    assert out.returncode == 0, out.stderr
    facts = [r for r in csv.DictReader(io.StringIO((root / "data" / "facts.csv").read_text(encoding="utf-8")))
             if r["doc_id"] == "pingchang-2019"]
    from juesuan.paths import DATA

    committed = [r for r in csv.DictReader(io.StringIO((DATA / "facts.csv").read_text(encoding="utf-8")))
                 if r["doc_id"] == "pingchang-2019"]
    assert [(r["metric"], r["measure"], r["value"]) for r in facts] == \
        [(r["metric"], r["measure"], r["value"]) for r in committed]   # same figures as the LF file
    assert provenance_errors(root / "datapackage.json", root / "data" / "sources") == []
    lines = [r for r in csv.DictReader(io.StringIO((root / "data" / "source_text.csv").read_text(encoding="utf-8")))
             if r["doc_id"] == "pingchang-2019"]
    assert lines and not any(r["text"].endswith("\r") for r in lines)
    decoded = raw.decode("utf-8-sig")
    assert all(decoded[int(r["char_start"]):int(r["char_end"])] == r["text"] for r in lines)


def test_dist_as_a_process_lists_what_it_wrote_and_refuses_a_missing_database(built_root, tmp_path):
    """`make dist` runs `python -m juesuan dist`: every file manifest.json lists is there with
    its size and SHA-256, the archive is the same bytes on a second run, and without the
    Parquet files it stops with exit 2 and a message, not a traceback."""
    import hashlib
    import shutil
    import zipfile

    root = _copy_build(built_root, tmp_path)
    out = run(root, "dist")
    assert out.returncode == 0, out.stderr
    dist = root / "build" / "dist"
    listed = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert {f["path"] for f in listed} >= {"juesuan-datapackage.zip", "juesuan.duckdb", "csv/facts.csv"}
    for f in listed:
        data = (dist / f["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (f["bytes"], f["sha256"]), f["path"]
    with zipfile.ZipFile(dist / "juesuan-datapackage.zip") as zf:
        assert zf.read("datapackage.json") == (root / "datapackage.json").read_bytes()
    first = (dist / "juesuan-datapackage.zip").read_bytes()
    assert run(root, "dist").returncode == 0
    assert (dist / "juesuan-datapackage.zip").read_bytes() == first
    shutil.rmtree(root / "build" / "parquet")
    failed = run(root, "dist")
    assert failed.returncode == 2, failed.stderr
    assert "parquet" in failed.stderr and "make databases" in failed.stderr and "Traceback" not in failed.stderr
    assert (dist / "juesuan-datapackage.zip").read_bytes() == first   # the previous downloads stay
