"""Bad input: a clear message naming the file (and line), a non-zero exit,
and the previous build left intact."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from juesuan.errors import JuesuanError
from juesuan.paths import DATA, ROOT, SOURCES
from juesuan.sources import load_sources, read_text


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "juesuan", *args], cwd=ROOT, capture_output=True, text=True)


def test_extract_command_on_a_new_file(tmp_path):
    doc = tmp_path / "new.txt"
    doc.write_text("2024年本年收入合计88.5万元，其中：一般公共预算财政拨款收入88.5万元，占100%。\n", encoding="utf-8")
    out = run_cli("extract", str(doc), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert '"metric": "income_total"' in out.stdout and '"value": "88.5"' in out.stdout
    csv_out = run_cli("extract", str(doc))
    assert csv_out.stdout.splitlines()[0].startswith("metric,measure,value,unit,value_wan")


@pytest.mark.parametrize("content,expect", [
    ("测试文本".encode("gb18030") + "本年收入合计1万元".encode("gb18030"), "not UTF-8"),
    (b"", "empty"),
    (b"\x00\x01binary\x00", "binary"),
])
def test_unreadable_input_exits_non_zero(tmp_path, content, expect):
    doc = tmp_path / "bad.txt"
    doc.write_bytes(content)
    out = run_cli("extract", str(doc))
    assert out.returncode != 0
    assert expect in out.stderr and "bad.txt" in out.stderr


def test_not_utf8_suggests_encoding(tmp_path):
    doc = tmp_path / "gbk.txt"
    doc.write_bytes("本年收入合计".encode("gb18030"))
    with pytest.raises(JuesuanError, match="GB18030"):
        read_text(doc)


def _sources_copy(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "sources"
    shutil.copytree(SOURCES, root)
    return root / "sources.csv", root


def test_hash_mismatch_names_file_and_line(tmp_path):
    csv_path, root = _sources_copy(tmp_path)
    (root / "kaijiang-2022.txt").write_text("changed", encoding="utf-8")
    with pytest.raises(JuesuanError) as exc:
        load_sources(csv_path, root)
    msg = str(exc.value)
    assert "hash mismatch for kaijiang-2022.txt" in msg
    line = next(i for i, l in enumerate(csv_path.read_text(encoding="utf-8").splitlines(), 1) if l.startswith("kaijiang-2022,"))
    assert f"sources.csv:{line}:" in msg


def test_broken_csv_names_line(tmp_path):
    csv_path, root = _sources_copy(tmp_path)
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra,fields"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(JuesuanError, match=r"sources.csv:3: row has"):
        load_sources(csv_path, root)


def test_failed_build_leaves_previous_package(tmp_path, monkeypatch):
    """A broken input aborts the build before anything is written."""
    import juesuan.package.build as build_mod
    from juesuan.package.build import build

    before = {p.name: p.read_bytes() for p in DATA.glob("*.csv")}
    csv_path, root = _sources_copy(tmp_path)
    (root / "pingchang-2019.txt").write_text("tampered", encoding="utf-8")
    monkeypatch.setattr(build_mod, "load_sources", lambda **kw: load_sources(csv_path, root, **kw))
    out_dir = tmp_path / "out"
    (out_dir / "data").mkdir(parents=True)
    for name, data in before.items():
        (out_dir / "data" / name).write_bytes(data)
    with pytest.raises(JuesuanError):
        build(out_dir / "data", out_dir / "datapackage.json")
    assert {p.name: p.read_bytes() for p in (out_dir / "data").glob("*.csv")} == before
    assert not (out_dir / "datapackage.json").exists()


def test_curated_fact_must_match_source(tmp_path):
    from juesuan.package.build import curated_facts

    bad = tmp_path / "facts.csv"
    original = (DATA / "curated" / "facts.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([original[0], original[1].replace(",88,万,", ",89,万,", 1)]) + "\n", encoding="utf-8")
    sources = {s.doc_id: s for s in load_sources()}
    with pytest.raises(JuesuanError, match=r"facts.csv:2: value 89 is not what the source says"):
        curated_facts(sources, {"expenditure_project", "project_budget_total"}, bad)


def test_curated_disagreeing_with_extracted_is_an_error():
    from dataclasses import replace

    from juesuan.package.build import merge_facts
    from juesuan.extract import default_lexicon, extract

    ex = extract("本年收入合计50万元。", "t", default_lexicon(), 2020)
    cur = replace(ex[0], value=ex[0].value + 1, origin="curated")
    with pytest.raises(JuesuanError, match="disagrees"):
        merge_facts(ex, [cur])


def test_curated_code_not_printed_is_flagged_as_looked_up():
    """A curated fact whose quote names a heading but prints no code carries `code_from_classification`,
    as an extracted one does, so the children-to-parent rule does not count one heading twice."""
    import csv

    from juesuan.package.build import curated_facts

    with open(DATA / "metrics.csv", encoding="utf-8", newline="") as fh:
        metrics = {r["metric"] for r in csv.DictReader(fh)}
    facts = curated_facts({s.doc_id: s for s in load_sources()}, metrics)
    coded = [f for f in facts if f.function_code]
    assert coded
    for f in coded:
        assert ("code_from_classification" in f.flags) == (f.function_code not in f.quote), (f.doc_id, f.quote)
    assert not any(f.flags for f in facts if not f.function_code)


def test_curated_change_sign_follows_a_decrease_word():
    """A fall is printed in words (减少 36680.54): the curated value must be negative there, and a bare
    number with no such word stays positive."""
    from juesuan.package.curated import printed_sign_error

    text = "收入减少 36680.54 万元，支出增加 12.5 万元"
    words = ("减少", "下降")
    s = text.index("36680.54")
    assert printed_sign_error(text, s, s + 8, "-36680.54", words) == ""
    assert "sign differs" in printed_sign_error(text, s, s + 8, "36680.54", words)
    assert "sign differs" in printed_sign_error(text, s, s + 8, "-36680.54")
    t = text.index("12.5")
    assert "sign differs" in printed_sign_error(text, t, t + 4, "-12.5", words)
