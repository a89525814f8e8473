"""The output-set transaction (juesuan/staging.py) at the level of its parts: the public
crash hook kills exactly at its label, and a staging directory left by a killed process is
finished (journal written) or discarded (no journal) by the next run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from juesuan.staging import CRASH_ENV, JOURNAL, Staging, clean_stale, recover

CODE_ROOT = Path(__file__).resolve().parent.parent
HOOKED = "from juesuan.staging import crash_point; crash_point('here'); print('alive')"


def _hooked(label: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if label is not None:
        env[CRASH_ENV] = label
    return subprocess.run([sys.executable, "-c", HOOKED], env={**env, "PYTHONPATH": str(CODE_ROOT)},
                          capture_output=True, text=True, timeout=60)


def test_crash_point_kills_only_at_its_label():
    killed = _hooked("here")
    assert killed.returncode == -signal.SIGKILL and killed.stdout == ""
    for label in (None, "elsewhere"):
        lived = _hooked(label)
        assert lived.returncode == 0 and lived.stdout == "alive\n", lived.stderr


OLD, NEW = (b"old a\n", b"old marker\n"), (b"new a\n", b"new marker\n")


def _staged(tmp_path: Path) -> tuple[Path, Path, Staging]:
    """Two outputs with old contents and their new versions staged (not committed)."""
    a, b = tmp_path / "a.csv", tmp_path / "marker.json"
    a.write_bytes(OLD[0])
    b.write_bytes(OLD[1])
    st = Staging(tmp_path, "t")
    st.write(a, NEW[0])
    st.write(b, NEW[1])
    return a, b, st


def test_commit_swaps_the_whole_set_and_leaves_no_staging_dir(tmp_path):
    a, b, st = _staged(tmp_path)
    st.commit()
    assert (a.read_bytes(), b.read_bytes()) == NEW
    assert not st.dir.exists()
    assert oct(a.stat().st_mode & 0o777) == "0o644"


def test_a_staging_dir_without_journal_is_discarded(tmp_path):
    """Killed before the commit point: the old outputs stay, the staged files go."""
    a, b, st = _staged(tmp_path)                 # no commit(): as if killed here
    assert clean_stale(tmp_path) == [st.dir]
    assert (a.read_bytes(), b.read_bytes()) == OLD
    assert not st.dir.exists()


def test_a_journalled_swap_is_finished_even_half_done(tmp_path):
    """Killed after the first rename: the next run renames the rest from the journal."""
    a, b, st = _staged(tmp_path)
    entries = [[name, str(target)] for name, target in st.entries]
    (st.dir / JOURNAL).write_text(json.dumps(entries), encoding="utf-8")
    os.replace(st.dir / entries[0][0], a)   # the first rename happened, then the kill
    assert (a.read_bytes(), b.read_bytes()) == (NEW[0], OLD[1])
    recover(st.dir)
    assert (a.read_bytes(), b.read_bytes()) == NEW
    assert not st.dir.exists()


def test_abort_keeps_old_outputs(tmp_path):
    a, b, st = _staged(tmp_path)
    st.abort()
    assert (a.read_bytes(), b.read_bytes()) == OLD and not st.dir.exists()
