"""Where things live in the repository (one place, so scripts and tests agree).

`JUESUAN_ROOT` points the whole pipeline at another data root (a directory
with the same layout: data/sources, data/curated, metadata.yml, expectations/);
the scale benchmark runs the stages on generated corpora that way, as separate
processes, without touching the repository's own data.
"""
import os
from pathlib import Path

ROOT = Path(os.environ.get("JUESUAN_ROOT") or Path(__file__).resolve().parent.parent).resolve()
DATA = ROOT / "data"
SOURCES = DATA / "sources"
SOURCES_CSV = SOURCES / "sources.csv"
CURATED = DATA / "curated"
METRICS_CSV = CURATED / "metrics.csv"
ENTITIES_CSV = CURATED / "entities.csv"
CLASSIFICATION_CSV = CURATED / "classification.csv"
CURATED_FACTS_CSV = CURATED / "facts.csv"
DATAPACKAGE = ROOT / "datapackage.json"
BUILD = ROOT / "build"
METADATA_YML = ROOT / "metadata.yml"
