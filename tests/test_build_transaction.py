"""A build killed at any moment leaves the old output set or the new one, never a
mix, and the next run leaves no temporaries (issue 13, item 9)."""
from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _sandbox import CODE_ROOT, build_state, make_sandbox, package_state, popen, run, temporaries

from juesuan.publish.databases import package_errors
from juesuan.validate import served_errors


def _rename_entity(root: Path, suffix: str) -> None:
    """An input change that alters several outputs (entities, documents' labels)."""
    path = root / "data" / "curated" / "entities.csv"
    text = path.read_text(encoding="utf-8")
    base = text.replace("开江县医疗保障局（测试）", "开江县医疗保障局")
    path.write_text(base.replace("开江县医疗保障局,", f"开江县医疗保障局{suffix},", 1), encoding="utf-8")


def _recover(root: Path) -> None:
    """What every command does first: finish or discard what a killed run left."""
    env = {**os.environ, "JUESUAN_ROOT": str(root), "PYTHONPATH": str(CODE_ROOT)}
    subprocess.run([sys.executable, "-c", "from juesuan.cli import _recover; _recover()"], env=env, cwd=root, check=True)


def _consistent_build(root: Path) -> bool:
    return served_errors(root / "build", root / "data", root / "datapackage.json") == []


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> tuple[Path, dict[str, bytes], dict[str, bytes]]:
    """A sandbox, and the package as built from the original and from the changed inputs."""
    root = make_sandbox(tmp_path_factory.mktemp("tx"))
    original = package_state(root)
    _rename_entity(root, "（测试）")
    assert run(root, "package").returncode == 0
    changed = package_state(root)
    assert changed != original
    _rename_entity(root, "")
    assert run(root, "package").returncode == 0
    assert package_state(root) == original
    return root, original, changed


@pytest.mark.parametrize("point", ["package-after-facts", "before-commit", "mid-commit"])
def test_package_killed_at_a_hook(variants, point):
    root, original, changed = variants
    assert package_state(root) == original
    _rename_entity(root, "（测试）")
    out = run(root, "package", env={"JUESUAN_CRASH_AT": point})
    _rename_entity(root, "")
    assert out.returncode == -signal.SIGKILL, out.stderr
    if point == "mid-commit":
        # half renamed on disk: the generation marker (datapackage.json hashes) says so ...
        assert package_errors(root / "data", root / "datapackage.json")
    else:
        assert package_state(root) == original
    _recover(root)          # ... and the next run finishes the swap before anything else
    assert package_state(root) == (changed if point == "mid-commit" else original)
    assert temporaries(root) == []
    if point == "mid-commit":
        assert run(root, "package").returncode == 0
    assert package_state(root) == original


@pytest.mark.parametrize("point", ["databases-after-sqlite", "mid-commit"])
def test_databases_killed_at_a_hook(variants, point):
    root, _, _ = variants
    if not _consistent_build(root):
        assert run(root, "databases").returncode == 0
    old = build_state(root)
    _rename_entity(root, "（测试）")
    assert run(root, "package").returncode == 0
    out = run(root, "databases", env={"JUESUAN_CRASH_AT": point})
    assert out.returncode == -signal.SIGKILL, out.stderr
    if point != "mid-commit":
        assert build_state(root) == old
    _recover(root)
    if point == "mid-commit":
        assert _consistent_build(root)      # the new set, complete
    else:
        assert build_state(root) == old     # the old set, untouched
    assert temporaries(root) == []
    _rename_entity(root, "")
    assert run(root, "package").returncode == 0


def _kill_at_random_times(root: Path, command: str, seconds: float, states, seed: int) -> None:
    """Start `command`, SIGKILL it after a random delay; after recovery the set must be
    one of the acceptable states and no temporaries remain."""
    rng = random.Random(seed)
    for n in range(2):
        _rename_entity(root, "（测试）" if n % 2 == 0 else "")
        if command == "databases":
            assert run(root, "package").returncode == 0
        proc = popen(root, command)
        time.sleep(rng.uniform(0.3 * seconds, seconds))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _recover(root)
        assert temporaries(root) == []
        assert states(root), f"{command} killed at random: the outputs are a mix"
    _rename_entity(root, "")


def test_package_killed_at_random_times(variants):
    root, original, changed = variants
    t0 = time.monotonic()
    assert run(root, "package").returncode == 0
    duration = time.monotonic() - t0
    _kill_at_random_times(root, "package", duration, lambda r: package_state(r) in (original, changed), seed=13)
    assert run(root, "package").returncode == 0
    assert package_state(root) == original


def test_databases_killed_at_random_times(variants):
    root, _, _ = variants
    t0 = time.monotonic()
    assert run(root, "databases").returncode == 0
    duration = time.monotonic() - t0
    snapshots: list[dict[str, bytes]] = [build_state(root)]

    def old_or_new(r: Path) -> bool:
        state = build_state(r)
        ok = state == snapshots[-1] or _consistent_build(r)
        snapshots.append(state)
        return ok

    _kill_at_random_times(root, "databases", duration, old_or_new, seed=9)
    assert run(root, "package").returncode == 0


def test_outputs_have_normal_modes(variants):
    """Issue 13 (10): outputs were created 0600 (mkstemp) and directories 0700 (mkdtemp)."""
    root, _, _ = variants
    assert run(root, "databases").returncode == 0
    for p in [*(root / "data").glob("*.csv"), root / "datapackage.json", *(root / "build").iterdir(),
              *(root / "build" / "parquet").iterdir()]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o755 if p.is_dir() else 0o644), (p, oct(mode))


def test_stale_temporaries_are_cleaned_at_start(variants):
    root, _, _ = variants
    (root / "build").mkdir(exist_ok=True)
    stale = [root / "build" / ".juesuan-abc.db", root / "build" / ".juesuan-abc.db-journal",
             root / "data" / ".facts.csv.x1y2z3w4", root / "build" / ".duckdb-q1w2"]
    for p in stale[:3]:
        p.write_bytes(b"x")
    stale[3].mkdir()
    (root / "data" / ".staging-package").mkdir()
    assert run(root, "databases").returncode == 0
    assert not any(p.exists() for p in stale)
    assert temporaries(root) == []


def test_a_second_command_waits_instead_of_cleaning_up_a_running_build(variants):
    """Two builds at once would delete each other's staging directories: the second waits."""
    import fcntl

    root, original, _ = variants
    fd = os.open(root / ".juesuan.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)                 # "another build is running"
    staging = root / ".staging-package"
    staging.mkdir()                                 # ... and has a staging directory
    proc = popen(root, "package")
    try:
        time.sleep(3)
        assert proc.poll() is None and staging.exists()
    finally:
        os.rmdir(staging)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert proc.wait(timeout=300) == 0
    assert package_state(root) == original and temporaries(root) == []
