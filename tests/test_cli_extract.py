"""`juesuan extract` as the user runs it: a process, its exit status, its stdout
and its messages, on one file, many files, a directory and a process pool."""
from __future__ import annotations

import csv
import io
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from juesuan.lines import LineIndex, line_of
from juesuan.paths import ROOT, SOURCES

DOCS = ("kaijiang-2022", "pingchang-2019", "unnamed-county-2023")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "juesuan", "extract", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Three real documents in a directory tree (one in a subfolder) plus a non-text file."""
    d = tmp_path_factory.mktemp("corpus")
    (d / "sub").mkdir()
    for i, doc in enumerate(DOCS):
        shutil.copy(SOURCES / f"{doc}.txt", (d / "sub" if i == 2 else d) / f"{doc}.txt")
    (d / "notes.md").write_text("not a document", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def single(corpus) -> dict[str, list[dict[str, str]]]:
    """Each document extracted on its own: the reference for the batch runs."""
    out = {}
    for doc in DOCS:
        path = next(corpus.rglob(f"{doc}.txt"))
        res = run_cli(str(path))
        assert res.returncode == 0, res.stderr
        out[doc] = rows(res.stdout)
        assert out[doc], f"no facts read from {doc}"
    return out


def test_directory_gives_every_document_in_order_with_its_own_facts(corpus, single):
    res = run_cli(str(corpus))
    assert res.returncode == 0, res.stderr
    got = rows(res.stdout)
    assert got == [r for d in DOCS for r in single[d]]
    assert res.stderr == ""  # no progress bar when stderr is not a terminal


def test_process_pool_gives_the_same_output_as_one_process(corpus):
    one = run_cli(str(corpus), "--jobs", "1")
    two = run_cli(str(corpus), "--jobs", "2")
    assert one.returncode == two.returncode == 0, two.stderr
    assert one.stdout == two.stdout


def test_line_column_is_a_line_the_quote_spans(single):
    for doc, facts in single.items():
        text = (SOURCES / f"{doc}.txt").read_text(encoding="utf-8")
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        for r in facts:
            n = int(r["line"])
            line_start, line_end = starts[n - 1], (starts[n] - 1 if n < len(starts) else len(text))
            assert int(r["char_start"]) <= line_end and line_start <= int(r["char_end"]), (doc, r)
            assert text[int(r["char_start"]):int(r["char_end"])] == r["quote"]


def test_bad_file_among_good_ones_is_named_and_the_rest_still_extracted(corpus, tmp_path, single):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("本年收入合计".encode("gb18030"))
    res = run_cli(str(bad), str(corpus / "kaijiang-2022.txt"), str(tmp_path / "missing.txt"))
    assert res.returncode == 2
    assert "bad.txt" in res.stderr and "not UTF-8" in res.stderr
    assert "missing.txt: file not found" in res.stderr
    assert "2 of 3 file(s) could not be read" in res.stderr
    assert rows(res.stdout) == single["kaijiang-2022"]


@pytest.mark.parametrize("args,message", [
    (["EMPTY"], "no .txt files in this directory"),
    (["A", "B", "--doc-id", "x"], "--doc-id names one document but 2 files were given"),
    (["A", "--jobs", "0"], "--jobs must be at least 1"),
])
def test_usage_errors_exit_2_with_a_message(tmp_path, corpus, args, message):
    (tmp_path / "EMPTY").mkdir()
    sub = {"EMPTY": str(tmp_path / "EMPTY"), "A": str(corpus / "kaijiang-2022.txt"),
           "B": str(corpus / "pingchang-2019.txt")}
    res = run_cli(*[sub.get(a, a) for a in args])
    assert res.returncode == 2
    assert message in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_json_of_many_files_is_one_array_with_doc_ids(corpus, single):
    res = run_cli(str(corpus), "--format", "json", "--jobs", "2", "--progress")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert len(data) == sum(len(v) for v in single.values())
    assert {r["doc_id"] for r in data} == set(DOCS)
    assert "3/3" in res.stderr  # the progress bar, asked for, goes to stderr only


def test_line_index_agrees_with_counting_newlines():
    rnd = random.Random(7)
    for text in ("", "\n", "a", "ab\n", "\n\nx\ny\n\n", "".join(rnd.choice("ab\n") for _ in range(500))):
        index = LineIndex(text)
        assert len(index) == text.count("\n") + 1
        for off in range(len(text) + 1):
            assert index.line_of(off) == line_of(text, off), (text, off)
