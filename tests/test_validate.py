"""validate.py's readers of the published tables: a broken row is named by file and
physical line (an input error, exit 2), never a KeyError or a silently short read."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from juesuan.errors import JuesuanError
from juesuan.paths import DATA
from juesuan.validate import finding_counts, published_checks


def _copy_with(tmp_path: Path, name: str, edit) -> Path:
    """The header and the first ten one-line rows of a published table, edited."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [lines[0], *[ln for ln in lines[1:] if '"' not in ln][:10]]
    out = tmp_path / name
    out.write_text("".join(edit(lines)), encoding="utf-8")
    return out


def test_published_checks_reads_every_row_of_the_package():
    checks = published_checks()
    with open(DATA / "checks.csv", encoding="utf-8", newline="") as fh:
        assert len(checks) == sum(1 for _ in csv.reader(fh)) - 1
    assert {c.outcome for c in checks} >= {"pass", "fail"}
    fails = [c for c in checks if c.outcome == "fail" and c.severity == "error"]
    assert fails and all(c.finding_id for c in fails)


def test_a_short_row_in_checks_csv_names_its_physical_line(tmp_path):
    """A multi-line quoted detail earlier in the file must not shift the line reported."""
    def edit(lines: list[str]) -> list[str]:
        header = lines[0].rstrip("\n").split(",")
        detail = header.index("detail")
        first = lines[1].rstrip("\n").split(",")
        first[detail] = '"two\nlines"'            # row 1 now spans physical lines 2-3
        lines[1] = ",".join(first) + "\n"
        lines[5] = ",".join(lines[5].split(",")[:4]) + "\n"   # the 5th row, physical line 7
        return lines

    path = _copy_with(tmp_path, "checks.csv", edit)
    with pytest.raises(JuesuanError, match=r"checks\.csv:7: row has 4 fields"):
        published_checks(path)


def test_checks_csv_without_a_needed_column_is_refused(tmp_path):
    path = _copy_with(tmp_path, "checks.csv", lambda ls: [ls[0].replace("outcome", "result"), *ls[1:]])
    with pytest.raises(JuesuanError, match=r"checks\.csv:1: missing column\(s\): outcome"):
        published_checks(path)


def test_finding_counts_by_severity_with_acknowledged_errors_apart(tmp_path):
    path = tmp_path / "findings.csv"
    path.write_text("finding_id,severity,acknowledged,reason\n"
                    "a,error,true,\"printed so,\nover two lines\"\n"
                    "b,error,false,\n"
                    "c,warning,false,\n"
                    "d,warning,true,\n"
                    "e,info,false,\n", encoding="utf-8")
    assert finding_counts(path) == {"error (acknowledged)": 1, "error": 1, "warning": 2, "info": 1}
    path.write_text(path.read_text(encoding="utf-8") + "f,error\n", encoding="utf-8")
    with pytest.raises(JuesuanError, match=r"findings\.csv:8: row has 2 fields"):
        finding_counts(path)


def _package_copy(tmp_path: Path, edit_fact) -> tuple[Path, int]:
    """datapackage.json, documents.csv and facts.csv copied, one one-line fact row edited;
    returns the descriptor and the physical line of the edited row."""
    import shutil

    from juesuan.paths import DATAPACKAGE

    (tmp_path / "data").mkdir(parents=True)
    shutil.copy(DATAPACKAGE, tmp_path / "datapackage.json")
    shutil.copy(DATA / "documents.csv", tmp_path / "data" / "documents.csv")
    lines = (DATA / "facts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    i = next(i for i, ln in enumerate(lines) if i > 30 and '"' not in ln)
    row = dict(zip(header, next(csv.reader([lines[i]])), strict=True))
    edit_fact(row)
    buf = io.StringIO()
    csv.DictWriter(buf, header, lineterminator="\n").writerow(row)
    lines[i] = buf.getvalue()
    (tmp_path / "data" / "facts.csv").write_text("".join(lines), encoding="utf-8")
    return tmp_path / "datapackage.json", i + 1


def test_provenance_catches_a_value_that_is_not_the_printed_number(tmp_path):
    """The span and value_text are right, the value is ×10: the fact says what the source does not."""
    from decimal import Decimal

    from juesuan.paths import SOURCES
    from juesuan.validate import provenance_errors

    assert provenance_errors() == []
    desc, line = _package_copy(tmp_path, lambda r: r.update(value=str(Decimal(r["value"]) * 10)))
    errors = provenance_errors(desc, SOURCES)
    assert len(errors) == 1 and f"facts.csv:{line}:" in errors[0] and "has the value" in errors[0], errors
    desc2, _ = _package_copy(tmp_path / "b", lambda r: r.update(value="twelve"))
    assert len(provenance_errors(desc2, SOURCES)) == 1
