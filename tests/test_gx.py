"""Great Expectations runs the suites against the SQLite build and catches a
failure nobody acknowledged."""
from __future__ import annotations

import shutil
import sqlite3

from juesuan.rules.gx_suites import run_gx


def test_suites_pass_on_the_build(built, tmp_path):
    report = run_gx(db=built["sqlite"], root=tmp_path / "gx", build_docs=True)
    assert report.evaluated > 50
    assert report.problems == []
    assert report.docs_index is not None and report.docs_index.exists()


def test_unacknowledged_failure_and_bad_values_are_caught(built, tmp_path):
    db = tmp_path / "broken.db"
    shutil.copy(built["sqlite"], db)
    con = sqlite3.connect(db)
    con.execute("UPDATE findings SET acknowledged = 0 WHERE finding_id = (SELECT finding_id FROM findings "
                "WHERE severity = 'error' AND family = 'restated' LIMIT 1)")
    con.execute("UPDATE facts SET measure = 'bogus' WHERE rowid = 1")
    con.commit()
    con.close()
    report = run_gx(db=db, root=tmp_path / "gx", build_docs=False)
    text = "\n".join(report.problems)
    assert "integrity.checks" in text and "restated" in text
    assert "columns.facts" in text and "measure" in text
