"""A copy of the repository's data root in a temp dir, and the CLI run on it as a
process (JUESUAN_ROOT), so tests can break inputs and kill builds without
touching the committed package."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from juesuan.paths import DATA, DATAPACKAGE, METADATA_YML, ROOT

CODE_ROOT = Path(__file__).resolve().parent.parent


def make_sandbox(tmp: Path) -> Path:
    root = tmp / "root"
    (root / "data").mkdir(parents=True)
    shutil.copytree(DATA / "sources", root / "data" / "sources")
    shutil.copytree(DATA / "curated", root / "data" / "curated")
    for csv_path in DATA.glob("*.csv"):
        shutil.copy(csv_path, root / "data" / csv_path.name)
    shutil.copy(DATAPACKAGE, root / "datapackage.json")
    shutil.copy(METADATA_YML, root / "metadata.yml")
    shutil.copytree(ROOT / "expectations", root / "expectations")
    probe = subprocess.run(
        [sys.executable, "-c", "from juesuan.paths import ROOT; print(ROOT)"], capture_output=True, text=True,
        env={**os.environ, "JUESUAN_ROOT": str(root), "PYTHONPATH": str(CODE_ROOT)}, cwd=root)
    if probe.stdout.strip() != str(root.resolve()):   # never let a test run on the real data root
        raise AssertionError(f"the code does not honour JUESUAN_ROOT (it uses {probe.stdout.strip()})")
    return root


def run(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m juesuan ARGS` on the sandbox, as a user runs it."""
    full_env = {**os.environ, "JUESUAN_ROOT": str(root), "PYTHONPATH": str(CODE_ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "juesuan", *args], cwd=root, capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def popen(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, "JUESUAN_ROOT": str(root), "PYTHONPATH": str(CODE_ROOT), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "juesuan", *args], cwd=root, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def package_state(root: Path) -> dict[str, bytes]:
    """The package output set: data/*.csv (not sources/curated) and datapackage.json."""
    state = {p.name: p.read_bytes() for p in sorted((root / "data").glob("*.csv"))}
    state["datapackage.json"] = (root / "datapackage.json").read_bytes()
    return state


def build_state(root: Path) -> dict[str, bytes]:
    """The database output set (the files `make serve` and validate use)."""
    b = root / "build"
    state = {n: (b / n).read_bytes() for n in ("juesuan.db", "juesuan.duckdb", "metadata.json", "manifest.json")
             if (b / n).exists()}
    for p in sorted((b / "parquet").glob("*.parquet")) if (b / "parquet").exists() else []:
        state["parquet/" + p.name] = p.read_bytes()
    return state


def temporaries(root: Path) -> list[str]:
    """Files a killed build may leave behind (must be gone after the next run)."""
    out = []
    for d in (root, root / "data", root / "build"):
        if d.is_dir():
            out += [str(p) for p in d.iterdir()
                    if p.name.startswith((".juesuan-", ".duckdb-", ".dist-", ".staging-")) or p.name.endswith((".old", "-journal"))]
    return out
