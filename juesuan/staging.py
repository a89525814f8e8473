"""A set of output files swapped in as ONE transaction (roll-forward journal).

Why: the package (data/*.csv + datapackage.json) and the build (databases,
Parquet, metadata, manifest) are each a SET whose members must agree. Renaming
files one by one is not atomic across the set, so:

1. every new file is written (and fsynced, mode 0644/0755) under a staging
   directory `.staging-NAME/` beside the targets;
2. the commit point is the atomic creation of `.staging-NAME/JOURNAL`, which
   lists (staged file → target) in order; the generation marker (the file that
   records the hashes of the others: datapackage.json, build/manifest.json)
   comes last;
3. the files are renamed into place and the staging directory is removed.

A process killed before step 2 leaves only a staging directory, which the next
run deletes (old outputs intact); killed during step 3, the next run finishes
the renames from the journal (new outputs). `recover()` runs at the start of
every command, and `make validate` compares every file with the marker, so a
mix of old and new is never used. Stale temporaries of older code
(`.juesuan-*`, `.duckdb-*`, `.dist-*`, `*.old`) are removed by `clean_stale()`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
from pathlib import Path

from juesuan.csvio import DIR_MODE, write_file

JOURNAL = "JOURNAL"
STALE_PREFIXES = (".juesuan-", ".duckdb-", ".dist-", ".staging-")
# what tempfile.mkstemp(prefix=".NAME.") left beside an output in older builds
MKSTEMP_LEFTOVER = re.compile(r"^\.[^/]+\.(csv|json|db|duckdb)\.[A-Za-z0-9_]{8}$")


#: The environment variable `crash_point` reads.
CRASH_ENV = "JUESUAN_CRASH_AT"


def crash_point(label: str) -> None:
    """Test hook: with JUESUAN_CRASH_AT=label the process kills itself right here with
    SIGKILL, as `kill -9` or a power cut would (no `finally`, no atexit, no flush).

    Why it exists: a transaction is only proven atomic by dying at its worst moments,
    and a random kill rarely lands between two renames. Every writer of an output set
    marks those moments (`before-commit` and `mid-commit` here; `package-after-TABLE`,
    `databases-after-duckdb`, `databases-after-sqlite` in the builds), and
    tests/test_build_transaction.py runs the CLI with each label and checks that the
    next run sees either the old or the new outputs, never a mix. Unset (always, outside
    tests), it costs one environment lookup."""
    if os.environ.get(CRASH_ENV) == label:
        os.kill(os.getpid(), signal.SIGKILL)



def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Staging:
    """Collects the new versions of a set of targets; `commit()` swaps them in."""

    def __init__(self, where: Path, name: str) -> None:
        self.dir = where / f".staging-{name}"
        self.entries: list[tuple[str, Path]] = []
        recover(self.dir)
        self.dir.mkdir(parents=True)
        os.chmod(self.dir, DIR_MODE)

    def path(self, target: Path, is_dir: bool = False) -> Path:
        """Where to write the new version of `target` (registered in order; the last is the marker)."""
        staged = self.dir / f"{len(self.entries):03d}-{target.name}"
        self.entries.append((staged.name, target.resolve() if target.exists() else target.absolute()))
        if is_dir:
            staged.mkdir()
            os.chmod(staged, DIR_MODE)
        return staged

    def write(self, target: Path, data: bytes) -> None:
        write_file(self.path(target), data)

    def commit(self) -> None:
        for _, target in self.entries:
            target.parent.mkdir(parents=True, exist_ok=True)
        journal = json.dumps([[s, str(t)] for s, t in self.entries], ensure_ascii=False).encode("utf-8")
        write_file(self.dir / (JOURNAL + ".tmp"), journal)
        _fsync_dir(self.dir)
        crash_point("before-commit")
        os.replace(self.dir / (JOURNAL + ".tmp"), self.dir / JOURNAL)   # the commit point
        _fsync_dir(self.dir)
        roll_forward(self.dir)

    def abort(self) -> None:
        """Discard an uncommitted staging dir; a committed one is left for recover() to finish."""
        if not (self.dir / JOURNAL).exists():
            shutil.rmtree(self.dir, ignore_errors=True)


def roll_forward(staging: Path) -> None:
    """Rename every staged file still present into place, in journal order, then drop the staging dir."""
    entries = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    for n, (staged_name, target_s) in enumerate(entries):
        staged, target = staging / staged_name, Path(target_s)
        if not staged.exists():
            continue                       # renamed before a crash
        if staged.is_dir() and target.is_dir():
            trash = staging / f"trash-{staged_name}"
            shutil.rmtree(trash, ignore_errors=True)
            os.replace(target, trash)
        os.replace(staged, target)
        _fsync_dir(target.parent)
        if n == 0:
            crash_point("mid-commit")
    shutil.rmtree(staging, ignore_errors=True)


def recover(staging: Path) -> None:
    """Finish a committed swap, or discard an uncommitted one."""
    if not staging.exists():
        return
    if (staging / JOURNAL).exists():
        roll_forward(staging)
    else:
        shutil.rmtree(staging, ignore_errors=True)


_held: list[int] = []


def hold_build_lock(root: Path) -> None:
    """Hold `root/.juesuan.lock` (flock) until the process exits: two builds at once would
    clean up each other's staging directories. A second command waits and says so."""
    import fcntl
    import sys

    if _held:
        return
    fd = os.open(root / ".juesuan.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another juesuan command to finish (lock {root / '.juesuan.lock'})", file=sys.stderr)
        fcntl.flock(fd, fcntl.LOCK_EX)
    _held.append(fd)


def clean_stale(*dirs: Path) -> list[Path]:
    """Recover staging dirs and remove temporaries a killed run left in `dirs`."""
    removed = []
    for d in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.iterdir()):
            if p.name.startswith(".staging-") and p.is_dir():
                recover(p)
                removed.append(p)
            elif (p.name.startswith(STALE_PREFIXES) or MKSTEMP_LEFTOVER.match(p.name)
                  or (p.name.endswith(".old") and p.is_dir())):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
                removed.append(p)
    return removed
