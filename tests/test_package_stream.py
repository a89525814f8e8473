"""The package streams documents (one document and its body's other years in memory):
its checks, findings and disclosures must be exactly those of the rules run on the
whole corpus at once, including the year-on-year checks whose other year comes
LATER in doc_id order (the streaming build reads it back from its spill file)."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from juesuan.bench.synth import write_corpus
from juesuan.paths import ROOT

# the rules on the whole corpus at once, as the build ran them before it streamed
WHOLE_CORPUS = """
import csv, io, json
from juesuan.classification import load_classification
from juesuan.extract.lexicon import default_lexicon
from juesuan.package.build import build_tables, columns
from juesuan.package.documents import extracted
from juesuan.rules.tables import rule_tables
pkg = build_tables()
lex = default_lexicon()
facts = [f for s in pkg.corpus.sources for f in extracted(pkg.corpus, s, lex)]
t = pkg.tables
tables = rule_tables(facts, pkg.corpus.listed, load_classification(), t["performance_indicators"], t["score_items"], t["score_totals"])
out = {}
for name, rows in tables.items():
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\\n")
    cols = columns(pkg.spec, name)
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    out[name] = buf.getvalue()
print(json.dumps(out))
"""


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JUESUAN_ROOT": str(root), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def _later_years_first(root: Path) -> None:
    """Rename every document so a body's later report sorts before its earlier one."""
    path = root / "data" / "sources" / "sources.csv"
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    head = rows[0]
    at, year, entity = head.index("doc_id"), head.index("fiscal_year"), head.index("entity_id")
    for r in rows[1:]:
        r[at] = f"y{9999 - int(r[year])}-{r[entity]}"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_streamed_rules_equal_the_whole_corpus_run(tmp_path):
    root = write_corpus(tmp_path / "corpus", 12, seed=5)
    _later_years_first(root)
    built = _run(root, "-m", "juesuan", "package")
    assert built.returncode == 0, built.stderr
    whole = _run(root, "-c", WHOLE_CORPUS)
    assert whole.returncode == 0, whole.stderr
    expected = json.loads(whole.stdout)
    for name in ("checks", "findings", "disclosures"):
        assert (root / "data" / f"{name}.csv").read_text(encoding="utf-8") == expected[name], name
    # the year-on-year check read a document that comes after it in doc_id order
    checks = list(csv.DictReader((root / "data" / "checks.csv").open(encoding="utf-8", newline="")))
    later = [c for c in checks if any(f.split(":", 1)[0] > c["doc_id"] for f in c["facts"].split(";") if f)]
    assert later, "no year-on-year check compared with a later document"
