"""Every input is checked before anything is written; a bad one ends in exit 2 with
`file:line: message` and no traceback, and the previous outputs stay as they were."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from _sandbox import make_sandbox, package_state, run, temporaries


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return make_sandbox(tmp_path)


def _fails_cleanly(out, *expected: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    for e in expected:
        assert e in out.stderr, (e, out.stderr)


def test_duplicated_curated_row_stops_before_data_is_touched(root):
    """Issue 13 (2): `sed -i '3p' data/curated/score_items.csv` rewrote data/*.csv with duplicate keys."""
    before = package_state(root)
    path = root / "data" / "curated" / "score_items.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines[:3], lines[2], *lines[3:]]), encoding="utf-8")
    out = run(root, "package")
    _fails_cleanly(out, "score_items.csv:4:", "duplicate key", "line 3")
    assert package_state(root) == before
    assert temporaries(root) == []


def test_unbalanced_quote_is_reported_at_its_own_line(root):
    """Issue 13 (8): an unbalanced quote on line 3 was reported at the last line of the file."""
    path = root / "data" / "curated" / "score_items.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) > 20
    lines[2] = lines[2].replace(",", ',"', 1)
    path.write_text("".join(lines), encoding="utf-8")
    out = run(root, "package")
    _fails_cleanly(out, "score_items.csv:3:", "quoted field")


def test_type_error_in_sources_csv_names_the_physical_line(root):
    """A quoted note spanning lines must not shift the reported line (record number ≠ line)."""
    path = root / "data" / "sources" / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # a note with an embedded line break in row 2, then a bad year in the row after it
    first = lines[1].rstrip("\n")
    lines[1] = first[: first.rindex(",") + 1] + '"two\nlines"\n'
    fields = lines[2].split(",")
    year_col = lines[0].strip().split(",").index("fiscal_year")
    fields[year_col] = "20x9"
    lines[2] = ",".join(fields)
    path.write_text("".join(lines), encoding="utf-8")
    out = run(root, "package")
    _fails_cleanly(out, "sources.csv:4:", "fiscal_year", "'20x9' is not a valid year")


def test_curated_value_with_wrong_sign_is_refused(root):
    """Issue 13 (4): −47.2 where the source prints 47.2 passed the curated-figure check."""
    path = root / "data" / "curated" / "facts.csv"
    text = path.read_text(encoding="utf-8")
    assert ",47.2,万元," in text
    path.write_text(text.replace(",47.2,万元,", ",-47.2,万元,", 1), encoding="utf-8")
    out = run(root, "package")
    _fails_cleanly(out, "facts.csv:4:", "sign")


def test_curated_value_with_a_unit_not_printed_is_refused(root):
    """Issue 13 (4): unit `kg` passed."""
    path = root / "data" / "curated" / "facts.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",47.2,万元,", ",47.2,kg,", 1), encoding="utf-8")
    out = run(root, "package")
    _fails_cleanly(out, "facts.csv:4:", "unit 'kg'")
    text2 = text.replace(",88,万,", ",88,亿元,", 1)
    path.write_text(text2, encoding="utf-8")
    out = run(root, "package")
    _fails_cleanly(out, "facts.csv:2:", "unit '亿元'", "not printed")


def test_invalid_metadata_yml_names_file_and_line(root):
    """Issue 13 (7): an invalid metadata.yml ended in a traceback."""
    path = root / "metadata.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.strip().startswith("sql:"))
    lines[n] = lines[n].replace("sql:", "sqll:", 1)
    path.write_text("".join(lines), encoding="utf-8")
    before = package_state(root)
    out = run(root, "package")
    _fails_cleanly(out, "metadata.yml:", "'sql' is a required property")
    assert package_state(root) == before
    path.write_text("title: [unclosed\n", encoding="utf-8")
    _fails_cleanly(run(root, "databases"), "metadata.yml:2:", "invalid YAML", "starts on line 1")


def test_garbage_database_file_is_an_error_not_a_traceback(root):
    """Issue 13 (7): a garbage build/juesuan.db gave a raw traceback."""
    assert run(root, "databases").returncode == 0
    (root / "build" / "juesuan.db").write_bytes(b"this is not a database" * 100)
    _fails_cleanly(run(root, "validate", "--no-docs"), "juesuan.db", "not a readable SQLite database")


def test_unwritable_build_directory(root, tmp_path):
    """Issue 13 (7): a read-only build/ gave a raw traceback."""
    if os.geteuid() == 0:
        target = Path("/sys/kernel")            # read-only even for root in a container
        if not target.is_dir() or (os.access(target, os.W_OK) and _writable(target)):
            pytest.skip("no read-only directory available as root")
        (root / "build").symlink_to(target)
    else:
        (root / "build").mkdir()
        (root / "build").chmod(0o555)
    _fails_cleanly(run(root, "databases"), "build", "cannot write")


def _writable(d: Path) -> bool:
    try:
        (d / ".probe").write_bytes(b"")
    except OSError:
        return False
    (d / ".probe").unlink()
    return True


def test_devices_fifos_and_oversize_files_are_refused(tmp_path, root):
    """Issue 13 (7): /dev/zero ended in MemoryError after 3 GB; a FIFO hung."""
    _fails_cleanly(run(root, "extract", "/dev/zero", timeout=60), "/dev/zero", "device")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    _fails_cleanly(run(root, "extract", str(fifo), timeout=60), "pipe.txt", "FIFO")
    big = tmp_path / "big.txt"
    big.write_text("本年收入合计1万元。\n" * 50, encoding="utf-8")
    _fails_cleanly(run(root, "extract", str(big), env={"JUESUAN_MAX_SOURCE_BYTES": "200"}), "big.txt", "bound")


@pytest.mark.parametrize("data,expected", [
    ("本年收入合计1万元。\n".encode("utf-16"), "UTF-16"),
    ("本年收入合计1万元。\n".encode("utf-16-le"), "UTF-16"),
    ("本年收入合计88.5万元，其中财政拨款收入88.5万元。\n".encode("gb18030"), "GB18030"),
    ("本年收入合计88.5万元".encode()[:-1], "ends inside a UTF-8 character"),
])
def test_encodings_are_named(tmp_path, root, data, expected):
    """Issue 13 (8): UTF-16 was called binary; a file cut inside a UTF-8 character was said to look like UTF-16."""
    doc = tmp_path / "doc.txt"
    doc.write_bytes(data)
    out = run(root, "extract", str(doc))
    _fails_cleanly(out, "doc.txt", expected)
    if expected.startswith("ends"):
        assert "UTF-16" not in out.stderr


def test_bom_and_crlf_are_read_with_offsets_into_the_text(tmp_path, root):
    import csv
    import io

    body = "2024年本年收入合计88.5万元，其中：一般公共预算财政拨款收入88.5万元。\r\n基本支出50万元。\r\n"
    doc = tmp_path / "crlf.txt"
    doc.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    out = run(root, "extract", str(doc))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {r["metric"] for r in rows} >= {"income_total", "expenditure_basic"}
    for r in rows:
        assert body[int(r["char_start"]):int(r["char_end"])] == r["quote"]


def test_check_sources_as_a_process(root):
    """`make check-sources`: exit 0 and the count on intact sources; a changed document is exit 2
    with sources.csv and the physical line of its row."""
    ok = run(root, "check-sources")
    assert ok.returncode == 0, ok.stderr
    listed = (root / "data" / "sources" / "sources.csv").read_text(encoding="utf-8").splitlines()
    assert ok.stdout.startswith(f"{len(listed) - 1} sources")
    row = next(i for i, line in enumerate(listed, 1) if line.startswith("kaijiang-2022,"))
    (root / "data" / "sources" / "kaijiang-2022.txt").write_text("changed", encoding="utf-8")
    _fails_cleanly(run(root, "check-sources"), f"sources.csv:{row}:", "kaijiang-2022.txt")
