"""`make databases`: DuckDB + Parquet, SQLite, Datasette metadata and the build
manifest, written as ONE output set (staging.py): a build killed at any moment
leaves the previous set or the new one, never a new DuckDB beside an old SQLite.

build/manifest.json is the generation marker, renamed into place last. It
records, per table, the row count and content hash of the package the
databases were built from (fingerprint.py), plus the SHA-256 of every file of
the set; `make validate` recomputes all of it from the files it would serve.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from juesuan.errors import JuesuanError
from juesuan.package.inputs import load_checked_yaml
from juesuan.paths import BUILD, DATA, DATAPACKAGE, METADATA_YML
from juesuan.publish.fingerprint import csv_fingerprint, file_sha256
from juesuan.schema import load_resources
from juesuan.staging import Staging, crash_point

MANIFEST = "manifest.json"
SET_FILES = ("juesuan.duckdb", "juesuan.db", "metadata.json")


def package_errors(data_dir: Path = DATA, descriptor: Path = DATAPACKAGE) -> list[str]:
    """Each CSV must be the one datapackage.json records (size and SHA-256): a
    package with tables of two generations is refused before it is served."""
    try:
        desc = json.loads(descriptor.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{descriptor}: missing: run `make package`"]
    except (OSError, ValueError) as exc:
        return [f"{descriptor}: not readable JSON ({exc})"]
    out = []
    for res in desc.get("resources", []):
        path = descriptor.parent / res["path"]
        if not path.exists():
            out.append(f"{path}: missing (datapackage.json lists it): run `make package`")
            continue
        recorded = str(res.get("hash", "")).removeprefix("sha256:")
        if recorded and file_sha256(path) != recorded:
            out.append(f"{path}: SHA-256 differs from the one datapackage.json records "
                       "(a table of another build generation): run `make package`")
    return out


def package_fingerprints(spec: dict[str, Any], data_dir: Path = DATA) -> dict[str, dict[str, Any]]:
    return {name: csv_fingerprint(data_dir / f"{name}.csv", res["fields"]) for name, res in spec["resources"].items()}


def _writable(build: Path) -> None:
    try:
        build.mkdir(parents=True, exist_ok=True)
        probe = build / ".juesuan-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise JuesuanError(f"cannot write the build directory: {exc.strerror}", build) from exc


def build_databases(data_dir: Path = DATA, build: Path = BUILD, descriptor: Path = DATAPACKAGE,
                    metadata_yml: Path = METADATA_YML) -> dict[str, Path]:
    """Check the package and metadata.yml, build every database into a staging
    directory, record the manifest, swap the set in."""
    from juesuan.publish.duckdb_build import build_duckdb
    from juesuan.publish.metadata import merged_metadata
    from juesuan.publish.sqlite_build import build_sqlite

    problems = package_errors(data_dir, descriptor)
    if problems:
        raise JuesuanError("the package is inconsistent:\n  " + "\n  ".join(problems), descriptor)
    load_checked_yaml(metadata_yml)
    spec = load_resources()
    _writable(build)
    staging = Staging(build, "databases")
    try:
        targets = {name: build / name for name in SET_FILES}
        duck = staging.path(targets["juesuan.duckdb"])
        parquet = staging.path(build / "parquet", is_dir=True)
        build_duckdb(data_dir, duck, parquet)
        crash_point("databases-after-duckdb")
        db = staging.path(targets["juesuan.db"])
        build_sqlite(data_dir, db)
        crash_point("databases-after-sqlite")
        meta = json.dumps(merged_metadata(metadata_yml), ensure_ascii=False, indent=2).encode("utf-8")
        meta_path = staging.path(targets["metadata.json"])
        meta_path.write_bytes(meta)
        meta_path.chmod(0o644)
        manifest = {
            "datapackage_sha256": file_sha256(descriptor),
            "tables": package_fingerprints(spec, data_dir),
            "files": {"juesuan.duckdb": file_sha256(duck), "juesuan.db": file_sha256(db),
                      "metadata.json": file_sha256(meta_path)},
        }
        staging.write(build / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8") + b"\n")
        staging.commit()
    except OSError as exc:
        staging.abort()
        raise JuesuanError(f"cannot write the build: {exc.strerror or exc}", getattr(exc, "filename", None) or build) from exc
    except BaseException:
        staging.abort()
        raise
    return {**targets, "parquet": build / "parquet", "manifest": build / MANIFEST}
