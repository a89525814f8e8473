"""Where things live in the repository (one place, so scripts and tests agree)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
