"""`make validate` as the user runs it: `python -m juesuan validate` as a process on a copy of
the data root (JUESUAN_ROOT), its exit code and its closing message. A broken row in an
input it reads is exit 2 with file:line, and build/ stays as it was."""
from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
from _sandbox import build_state, make_sandbox, run, temporaries


@pytest.fixture(scope="module")
def built_root(tmp_path_factory) -> Path:
    """The committed package with a fresh build of its databases."""
    root = make_sandbox(tmp_path_factory.mktemp("validate"))
    out = run(root, "databases")
    assert out.returncode == 0, out.stderr[-2000:]
    return root


def _copy(built_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(built_root, root, symlinks=True)
    return root


def test_validate_passes_on_the_committed_package_and_a_fresh_build(built_root):
    out = run(built_root, "validate", "--no-docs")
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("validation passed: served databases = package"), out.stdout[-2000:]
    assert "validation FAILED" not in out.stdout + out.stderr
    # the figures it prints are the package's: one outcome per row of checks.csv
    counted = next(line for line in out.stdout.splitlines() if line.startswith("checks: "))
    outcomes = dict(part.rsplit(" ", 1) for part in counted.removeprefix("checks: ").split(", "))
    with open(built_root / "data" / "checks.csv", encoding="utf-8", newline="") as fh:
        published = [r["outcome"] for r in csv.DictReader(fh)]
    assert {k: int(v) for k, v in outcomes.items()} == dict(Counter(published))


def _break_row(path: Path, n: int) -> int:
    """Cut the n-th one-line row of a CSV to two fields; return its physical line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    plain = [i for i, line in enumerate(lines) if i > 0 and '"' not in line]
    i = plain[n]
    lines[i] = ",".join(lines[i].split(",")[:2]) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return i + 1


@pytest.mark.parametrize("csv_path", ["data/curated/acknowledged.csv", "data/checks.csv"])
def test_a_broken_row_is_exit_2_with_file_and_line_and_build_untouched(built_root, tmp_path, csv_path):
    root = _copy(built_root, tmp_path)
    before = build_state(root)
    line = _break_row(root / csv_path, 3)
    out = run(root, "validate", "--no-docs")
    assert out.returncode == 2, (out.returncode, out.stderr[-3000:])
    assert f"{Path(csv_path).name}:{line}: row has 2 fields" in out.stderr, out.stderr[-3000:]
    assert "Traceback" not in out.stderr
    assert "validation passed" not in out.stdout
    assert build_state(root) == before
    assert temporaries(root) == []
