"""Bad input: a clear message naming the file (and line), a non-zero exit,
and the previous build left intact."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _sandbox import make_sandbox, package_state, run, temporaries

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
    line = next(i for i, row in enumerate(csv_path.read_text(encoding="utf-8").splitlines(), 1) if row.startswith("kaijiang-2022,"))
    assert f"sources.csv:{line}:" in msg


def test_broken_csv_names_line(tmp_path):
    csv_path, root = _sources_copy(tmp_path)
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2] + ",extra,fields"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(JuesuanError, match=r"sources.csv:3: row has"):
        load_sources(csv_path, root)


def test_a_changed_source_stops_the_package_build_before_data_is_touched(tmp_path):
    """`python -m juesuan package` on a source edited after it was listed: exit 2, sources.csv
    and the physical line of its row named, the committed package and its marker unchanged."""
    root = make_sandbox(tmp_path)
    before = package_state(root)
    listed = (root / "data" / "sources" / "sources.csv").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(listed, 1) if line.startswith("pingchang-2019,"))
    (root / "data" / "sources" / "pingchang-2019.txt").write_text("tampered", encoding="utf-8")
    out = run(root, "package")
    assert out.returncode == 2, out.stderr[-2000:]
    assert f"sources.csv:{row}: hash mismatch for pingchang-2019.txt" in out.stderr
    assert "Traceback" not in out.stderr
    assert package_state(root) == before
    assert temporaries(root) == []


def test_a_source_changed_after_loading_is_refused_when_read(tmp_path):
    """Lazy loading reads each text when the build needs it: a file edited in between is not
    silently extracted with offsets of another text."""
    csv_path, root = _sources_copy(tmp_path)
    sources = {s.doc_id: s for s in load_sources(csv_path, root, lazy=True)}
    assert sources["kaijiang-2022"].text == (root / "kaijiang-2022.txt").read_text(encoding="utf-8")
    (root / "kaijiang-2022.txt").write_text("edited meanwhile", encoding="utf-8")
    with pytest.raises(JuesuanError, match=r"kaijiang-2022\.txt: changed while the build was reading it"):
        _ = sources["kaijiang-2022"].text


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

    from juesuan.extract import default_lexicon, extract
    from juesuan.package.build import merge_facts

    ex = extract("本年收入合计50万元。", "t", default_lexicon(), 2020)
    cur = replace(ex[0], value=ex[0].value + 1, origin="curated")
    with pytest.raises(JuesuanError, match="disagrees"):
        merge_facts(ex, [cur])


def test_a_curated_code_counts_as_looked_up_only_when_its_quote_does_not_print_it(tmp_path):
    """A curated fact whose quote names a heading but prints no code carries `code_from_classification`,
    as an extracted one does (so the children-to-parent rule does not count one heading twice);
    the same figure quoted with its printed code carries no flag."""
    import csv

    from juesuan.package.build import CURATED_COLUMNS, curated_facts

    sources = {s.doc_id: s for s in load_sources()}
    text = sources["dachuan-2018"].text
    heading = "一般公共服务（201）人力资源事务（20110）军队转业干部安置（2011006）: 支出决算为9.3万元"
    cs = text.index(heading)
    vs = text.index("9.3万元", cs)
    base = {"doc_id": "dachuan-2018", "metric": "function_expenditure", "measure": "amount", "value": "9.3",
            "unit": "万元", "function_code": "2011006", "function_name": "军队转业干部安置", "base_metric": "",
            "compared_year": "", "char_end": vs + 5, "value_start": vs, "value_end": vs + 3, "note": "test row"}
    path = tmp_path / "facts.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, CURATED_COLUMNS)
        w.writeheader()
        w.writerow({**base, "char_start": cs})                          # quote prints （2011006）
        w.writerow({**base, "char_start": text.index("支出决算为", cs)})  # quote starts after the code
    printed_code, looked_up = curated_facts(sources, {"function_expenditure"}, path)
    assert "（2011006）" in printed_code.quote and printed_code.flags == []
    assert looked_up.quote == "支出决算为9.3万元" and looked_up.flags == ["code_from_classification"]


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


def test_source_texts_reads_each_run_of_lookups_once_and_holds_one_text(monkeypatch):
    """The curated checks look texts up by doc_id: consecutive lookups of one document read
    its file once; another document replaces it (one text held), and coming back re-reads."""
    import juesuan.sources as sources_mod
    from juesuan.sources import SourceTexts

    listed = load_sources(lazy=True)
    reads: list[str] = []
    real = sources_mod.read_bytes
    monkeypatch.setattr(sources_mod, "read_bytes", lambda path, limit=None: reads.append(path.name) or real(path, limit))
    texts = SourceTexts(listed)
    assert list(texts) == [s.doc_id for s in listed] and len(texts) == len(listed)
    a, b = listed[0], listed[1]
    for _ in range(3):
        assert texts[a.doc_id] == a.path.read_bytes().decode("utf-8-sig")
    assert reads == [a.path.name]
    assert texts[b.doc_id] == b.path.read_bytes().decode("utf-8-sig")
    assert texts[a.doc_id] == a.path.read_bytes().decode("utf-8-sig")
    assert reads == [a.path.name, b.path.name, a.path.name]
    with pytest.raises(KeyError):
        texts["no-such-doc"]
