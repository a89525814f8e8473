"""The heading path at an offset (juesuan/sections.py): the same path the extractor gives
the sentence there, on every source, so a curated fact entered by offset can get the
section an extracted fact at that place gets."""
from __future__ import annotations

import pytest

from juesuan.extract.text import headings_and_lines, normalise, sentences
from juesuan.sections import HeadingStack, SectionIndex
from juesuan.sources import load_sources


def test_a_heading_closes_the_open_headings_of_its_rank_and_deeper():
    stack = HeadingStack()
    assert stack.enter("第一部分", 1) == ("第一部分",)
    assert stack.enter("一、概况", 2) == ("第一部分", "一、概况")
    assert stack.enter("（一）职能", 3) == ("第一部分", "一、概况", "（一）职能")
    assert stack.enter("二、机构", 2) == ("第一部分", "二、机构")
    assert stack.enter("1.说明", 4) == ("第一部分", "二、机构", "1.说明")    # a skipped rank is no gap
    assert stack.enter("第二部分", 1) == ("第二部分",)
    assert stack.path == ("第二部分",)


def test_the_path_at_an_offset_includes_the_heading_line_itself():
    index = SectionIndex([(10, "第一部分", 1), (30, "一、概况", 2), (50, "二、机构", 2)])
    assert index.at(0) == () and index.at(9) == ()
    assert index.at(10) == ("第一部分",)
    assert index.at(29) == ("第一部分",)
    assert index.at(30) == ("第一部分", "一、概况")
    assert index.at(10_000) == ("第一部分", "二、机构")
    assert index.section_at(55) == "第一部分/二、机构"
    with pytest.raises(ValueError, match="out of document order"):
        SectionIndex([(30, "b", 1), (10, "a", 1)])


def test_every_sentence_of_every_source_has_the_path_the_index_gives(lex):
    compared = 0
    for source in load_sources():
        norm = normalise(source.text, lex)
        index = SectionIndex((h.start, h.text, h.rank) for _, _, h in headings_and_lines(norm, lex) if h is not None)
        for s in sentences(norm, lex):
            assert index.at(s.start) == s.section, (source.doc_id, s.start, norm[s.start:s.end][:40])
            compared += 1
    assert compared > 1000


def test_curated_facts_carry_the_section_extracted_facts_of_their_line_carry() -> None:
    """A curated fact is entered by offset, outside the extractor's sentence walk; the
    build gives it the heading path at that offset. Where the extractor read a figure on
    the same line, both must name the same section (and none may be empty)."""
    import csv

    from juesuan.paths import DATA

    with open(DATA / "facts.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    curated = [r for r in rows if r["origin"] == "curated"]
    assert curated
    assert all(r["section"] for r in curated), [r["fact_id"] for r in curated if not r["section"]]
    by_line: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if r["origin"] != "curated":
            by_line.setdefault((r["doc_id"], r["line"]), set()).add(r["section"])
    shared = [r for r in curated if (r["doc_id"], r["line"]) in by_line]
    assert shared
    assert [r["fact_id"] for r in shared if r["section"] not in by_line[(r["doc_id"], r["line"])]] == []
