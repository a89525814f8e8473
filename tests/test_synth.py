"""The synthetic corpus of the scale benchmark: reproducible, varied, readable
by the real source loader, and with figures that add up (except the errors it
says it injected)."""
from __future__ import annotations

import hashlib
from decimal import Decimal

from juesuan.bench.synth import documents, write_corpus
from juesuan.sources import load_sources


def digest(root) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_text(tmp_path):
    a, b, c = (write_corpus(tmp_path / name, 7, seed) for name, seed in (("a", 3), ("b", 3), ("c", 4)))
    assert digest(a) == digest(b)
    assert {k: v for k, v in digest(a).items() if k.endswith(".txt")} != \
           {k: v for k, v in digest(c).items() if k.endswith(".txt")}


def test_corpus_passes_the_source_loader_and_is_not_copies(tmp_path):
    root = write_corpus(tmp_path / "c", 12, seed=0)
    sources = load_sources(root / "data" / "sources" / "sources.csv", root / "data" / "sources")
    assert len(sources) == 12
    assert len({s.text for s in sources}) == 12
    assert len({s.row["entity_id"] for s in sources}) == 4  # bodies report consecutive years
    assert len({s.row["entity_name_stated"] for s in sources}) == 4
    years = sorted(s.fiscal_year for s in sources if s.row["entity_id"] == sources[0].row["entity_id"])
    assert years == list(range(years[0], years[0] + 3)) and 2016 <= years[0] and years[-1] <= 2024
    entities = (root / "data" / "curated" / "entities.csv").read_text(encoding="utf-8").splitlines()
    assert len(entities) == 1 + 4


def test_figures_add_up_and_next_year_states_changes_against_the_last():
    prev = None
    seen_error = 0
    for body, year, doc in documents(300, seed=1):
        v = doc.v
        text, sections = doc.render()
        assert len(sections) == 4
        if doc.error:
            seen_error += 1
        else:
            assert v["basic"] == v["personnel"] + v["public"]
        assert v["expenditure_total"] == v["basic"] + v["project"]
        assert v["grand"] == v["income_total"] + v["carry_begin"] == v["expenditure_total"] + v["carry_end"]
        if prev is not None and prev.body == body:
            assert v["grand_change"] == abs(v["grand"] - prev.v["grand"])
        assert doc.fmt(v["grand"]) in text.replace("\n", "") and str(year) in text
        prev = doc
    assert 0 < seen_error < 300 * 0.15  # a few documents, not most, carry an error
    assert Decimal(0) <= min(d.v["basic_pct"] for _, _, d in documents(50, seed=2))
