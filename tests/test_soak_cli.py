"""`make soak`'s script as a process: refuses what it cannot serve with exit 2 and
a message naming the file; a short run prints every section with no errors."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from juesuan.paths import ROOT


def soak(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "soak.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_a_missing_database_is_named(tmp_path):
    r = soak("--db", str(tmp_path / "juesuan.db"))
    assert r.returncode == 2 and str(tmp_path / "juesuan.db") in r.stderr and "no such database" in r.stderr


def test_a_database_datasette_would_misname_is_refused(built, tmp_path):
    other = tmp_path / "n1000.db"
    other.write_bytes(Path(built["sqlite"]).read_bytes())
    r = soak("--db", str(other))
    assert r.returncode == 2 and "n1000.db" in r.stderr and "juesuan.db" in r.stderr


def test_a_short_soak_reports_every_section(built, tmp_path):
    db = tmp_path / "juesuan.db"
    db.write_bytes(Path(built["sqlite"]).read_bytes())
    r = soak("--db", str(db), "--metadata", str(built["metadata"]), "--seconds", "0.3", "--per-page-seconds", "0.1")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for section in ("## each page alone", "concurrency 8, beside a 404 flood of 8", "## summary", "## who used the",
                    "## targets", "## verdict"):
        assert section in out
    assert "errors: 0" in out and "tracebacks: 0" in out and "peak" in out
    # both modes of the server, each judged: every request computed, then as served
    assert out.index("response cache off") < out.index("response cache on")
    verdict = out[out.index("## verdict"):]
    assert re.search(r"response cache off: \d of 5 targets met", verdict)
    assert re.search(r"response cache on: \d of 5 targets met", verdict)
    for line in out[out.index("## who used the"):].splitlines()[2:5]:  # server, mix and flood clients' cores
        cores = [float(x) for x in line.split()[1:5]]  # server alone, server beside, mix and flood clients
        assert all(0 <= c <= os.cpu_count() for c in cores) and cores[0] > 0 and cores[1] > 0, line
