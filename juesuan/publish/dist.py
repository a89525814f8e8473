"""`make dist`: the downloads under build/dist/, each listed with size and
SHA-256 in build/dist/manifest.json (shown on the site's home page).

Each CSV also comes as `csv-excel/<name>.csv`: the same rows in UTF-8 with a
byte-order mark, because Excel on a Chinese Windows machine opens a BOM-less
CSV as GBK and shows mojibake; the standard files stay BOM-less for tools.

Built in a temporary directory and moved into place, so a failed build
leaves the previous downloads. Zip entries carry a fixed timestamp, so the
same package always gives the same archive.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from juesuan.csvio import replace_dir
from juesuan.paths import BUILD, DATA, DATAPACKAGE, ROOT
from juesuan.schema import load_resources

FIXED_TIME = (2020, 1, 1, 0, 0, 0)
BOM = "\ufeff".encode("utf-8")


def excel_csv(source: Path, target: Path) -> None:
    """The CSV with a UTF-8 byte-order mark, so Excel detects the encoding."""
    data = source.read_bytes()
    target.write_bytes(data if data.startswith(BOM) else BOM + data)


def _zip(target: Path, files: list[Path]) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            info = zipfile.ZipInfo(str(f.relative_to(ROOT)), FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, f.read_bytes())


def build_dist(out: Path = BUILD / "dist", build: Path = BUILD) -> Path:
    """`build` holds the databases and Parquet files to publish (a test passes its own)."""
    spec = load_resources()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".dist-", dir=out.parent))
    try:
        entries: list[tuple[str, str]] = []
        package_files = [DATAPACKAGE] + [DATA / f"{n}.csv" for n in spec["resources"]] + sorted((DATA / "sources").iterdir())
        _zip(tmp / "juesuan-datapackage.zip", package_files)
        entries.append(("juesuan-datapackage.zip", "Frictionless 数据包（含源文件） / Frictionless data package with the sources"))
        for sub in ("csv", "csv-excel", "parquet"):
            (tmp / sub).mkdir()
        for name, res in spec["resources"].items():
            shutil.copy(DATA / f"{name}.csv", tmp / "csv" / f"{name}.csv")
            entries.append((f"csv/{name}.csv", f"CSV: {res['title']}"))
            excel_csv(DATA / f"{name}.csv", tmp / "csv-excel" / f"{name}.csv")
            entries.append((f"csv-excel/{name}.csv", f"CSV（Excel 用，UTF-8 BOM） / CSV for Excel (UTF-8 with BOM): {res['title']}"))
            pq = build / "parquet" / f"{name}.parquet"
            if not pq.exists():
                raise FileNotFoundError(f"{pq} missing: run `make databases` first")
            shutil.copy(pq, tmp / "parquet" / f"{name}.parquet")
            entries.append((f"parquet/{name}.parquet", f"Parquet: {res['title']}"))
        shutil.copy(build / "juesuan.duckdb", tmp / "juesuan.duckdb")
        entries.append(("juesuan.duckdb", "DuckDB 数据库（DECIMAL 金额） / DuckDB database (DECIMAL money)"))
        files = []
        for path, title in entries:
            data = (tmp / path).read_bytes()
            files.append({"path": path, "title": title, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        (tmp / "manifest.json").write_text(json.dumps({"files": files}, ensure_ascii=False, indent=2), encoding="utf-8")
        replace_dir(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
