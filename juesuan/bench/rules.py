"""Error injection: change one stated figure at a time in a source document,
re-extract that document, re-run the rules, and count how often `make
validate` would fail (a new unexplained failure, or an acknowledged one whose
difference changed). Also reports failures on the unmodified documents
beyond the acknowledged ones (must be 0) and the timing of validation.

Only figures that take part in at least one check (other than plausibility)
are injected: an error in a figure nothing checks cannot be detected by design
(their number is printed). The headline is detection of ALL injected errors;
each miss is then classed: the change stays within the printed precision of
every check that reads the figure (undetectable at that precision), no check
ties the figure to another by an equality (only breakdowns that cover part of
their total), or a rule could have seen it and did not. Detection is also
printed per rule family: of the injected figures a family checks, how many
that family itself caught.
"""
from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from juesuan.classification import load_classification
from juesuan.extract.facts import extract
from juesuan.extract.lexicon import default_lexicon
from juesuan.model import Fact
from juesuan.package.build import curated_facts
from juesuan.paths import BUILD
from juesuan.rules.checks import Check
from juesuan.rules.engine import run
from juesuan.rules.findings import as_rows, finding_rows, gate, load_acks
from juesuan.rules.loader import load_rules, metric_vocabulary
from juesuan.rules.registry import RuleSet
from juesuan.rules.tables import documents_of
from juesuan.sources import Source, load_sources

CHECKING = ("pass", "pass_within_rounding", "fail")
#: families that verify no figure's value (rules.yml `check_families`)
NOT_VERIFYING = tuple(load_rules().check_families.not_verifying)


def mutations(printed: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, new text) for one printed number, each the same length as the original."""
    out = []
    digits = [i for i, ch in enumerate(printed) if ch.isdigit()]
    if digits:
        i = digits[-1]
        new_digit = str((int(printed[i]) + rng.randint(1, 8)) % 10)
        if printed == "0":
            new_digit = str(rng.randint(1, 9))
        out.append(("digit", printed[:i] + new_digit + printed[i + 1:]))
    if "." in printed:
        k = printed.index(".")
        body = printed.replace(".", "")
        if k + 1 < len(printed) - 1:
            out.append(("decimal_shift", body[: k + 1] + "." + body[k + 1:]))
        elif k > 1:
            out.append(("decimal_shift", body[: k - 1] + "." + body[k - 1:]))
    return out


WITHIN = "within the printed precision of every check"
UNCONSTRAINED = "not constrained by any other figure"
UNEXPLAINED = "constrained, yet no finding"


def why_missed(involved: list[Check]) -> str:
    """Why an injected error made no finding: every check that reads the figure still holds at the printed
    precision (undetectable at that precision), no check ties it to another figure by an equality (only
    `incomplete` breakdowns, which a smaller or larger part still satisfies), or neither (a gap in the rules)."""
    constraining = [c for c in involved if c.outcome in CHECKING]
    if not constraining:
        return UNCONSTRAINED
    if all(c.outcome in ("pass", "pass_within_rounding") for c in constraining):
        return WITHIN
    return UNEXPLAINED


def scaling(lex: Any, rules: RuleSet, classification: list[dict[str, str]]) -> None:
    """Rules CPU time per document at 5 … 500 documents (the sources renamed, each its own entity):
    the index by (doc, metric, measure) keeps it flat."""
    base = [(s, extract(s.text, s.doc_id, lex, s.fiscal_year)) for s in load_sources()]
    print("rules on n documents (CPU seconds, ms per document):")
    for copies in (1, 10, 100):
        facts: list[Fact] = []
        docs = []
        for k in range(copies):
            for s, fs in base:
                doc_id = f"{s.doc_id}~{k}"
                row = {**s.row, "doc_id": doc_id, "entity_id": f"{s.row.get('entity_id', '')}~{k}"}
                docs += documents_of([Source(row, s.path, s.text)])
                facts += [replace(f, doc_id=doc_id) for f in fs]
        t0 = time.process_time()
        run(facts, docs, classification, rules)
        dt = time.process_time() - t0
        print(f"  {len(docs):5} documents {dt:7.2f}s {1000 * dt / len(docs):7.1f} ms/document")


def main(seed: int = 7, verbose: bool = False, detection_only: bool = False) -> dict[str, float]:
    rng = random.Random(seed)
    lex = default_lexicon()
    rules = load_rules()
    classification = load_classification()
    acks = load_acks()

    curated = curated_facts({s.doc_id: s for s in load_sources()}, metric_vocabulary())

    def checks_for(source: Source, text: str) -> tuple[list[Fact], list[Check]]:
        facts = extract(text, source.doc_id, lex, source.fiscal_year)
        # curated rows still read what the (possibly mutated) text says at their offsets
        facts += [c for c in curated if c.doc_id == source.doc_id
                  and text[c.value_start:c.value_end].replace(",", "") == c.value_text.replace(",", "")]
        doc = documents_of([Source(source.row, source.path, text)])
        return facts, run(facts, doc, classification, rules)

    def fails(checks: list[Check], doc_acks: list) -> bool:
        """`make validate` would fail: an unacknowledged error finding or a stale acknowledgement."""
        _, finding_of = finding_rows(checks, doc_acks, rules.explanations)
        return bool(gate(as_rows(checks, finding_of), doc_acks))

    print(f"{'document':22} {'checked figures':>15} {'injected':>9} {'detected':>9} {'rate':>6}")
    totals: Counter[str] = Counter()
    by_kind: Counter[tuple[str, bool]] = Counter()
    by_family: Counter[tuple[str, bool]] = Counter()
    unexplained_baseline = 0
    misses: Counter[str] = Counter()
    missed_kinds: Counter[tuple[str, str]] = Counter()
    for s in load_sources():
        doc_acks = [a for a in acks if a.doc_id == s.doc_id]
        base_facts, base_checks = checks_for(s, s.text)
        _, finding_of = finding_rows(base_checks, doc_acks, rules.explanations)
        baseline_problems = gate(as_rows(base_checks, finding_of), doc_acks)
        unexplained_baseline += len(baseline_problems)
        if verbose:
            for p in baseline_problems:
                print("   baseline:", p)
        # a figure is checked when some check verifies it: incomplete breakdowns and warnings verify nothing
        checked = {f.fact_id for c in base_checks
                   if c.family not in NOT_VERIFYING and c.outcome in CHECKING for f in c.facts}
        families_of: dict[int, set[str]] = {}
        base_failing = {c.check_id: c.difference for c in base_checks if c.outcome == "fail"}
        for c in base_checks:
            if c.family not in NOT_VERIFYING and c.outcome in CHECKING:
                for x in c.facts:
                    families_of.setdefault(x.value_start, set()).add(c.family)
        targets = [f for f in base_facts if f.fact_id in checked]
        # figures the text-reading rules check (itemised and listed breakdowns) are figures too
        targets += [x.fact for c in base_checks if c.family not in NOT_VERIFYING and c.outcome in CHECKING
                    for x in c.facts if x.measure == "text"]
        # one injection per distinct printed number (a number may carry two facts)
        seen_spans = set()
        injected = detected = 0
        for f in targets:
            if (f.value_start, f.value_end) in seen_spans:
                continue
            seen_spans.add((f.value_start, f.value_end))
            printed = s.text[f.value_start:f.value_end]
            for kind, new in mutations(printed, rng):
                text = s.text[: f.value_start] + new + s.text[f.value_end:]
                injected += 1
                if any(c.doc_id == s.doc_id and c.value_start == f.value_start for c in curated):
                    # a curated figure no longer matches its source: the build stops with an error
                    detected += 1
                    by_kind[(kind, True)] += 1
                    continue
                _, checks = checks_for(s, text)
                hit = fails(checks, doc_acks)
                for fam in families_of.get(f.value_start, set()):
                    caught = any(c.family == fam and c.outcome == "fail"
                                 and (c.check_id not in base_failing or base_failing[c.check_id] != c.difference)
                                 and any(x.value_start == f.value_start for x in c.facts) for c in checks)
                    by_family[(fam, caught)] += 1
                involved = [c for c in checks if c.family not in NOT_VERIFYING
                            and any(x.value_start == f.value_start for x in c.facts)]
                why = "" if hit else why_missed(involved)
                misses[why] += not hit
                if not hit:
                    missed_kinds[(why, f"{f.metric}/{f.measure}")] += 1
                if not hit and verbose:
                    print(f"   missed {kind} ({why}): {f.metric}/{f.measure} {printed} -> {new} | "
                          f"{[(c.rule, c.outcome) for c in involved]} | {f.quote[:40]!r}")
                detected += hit
                by_kind[(kind, hit)] += 1
        totals["figures"] += len(seen_spans)
        totals["unread"] += len({(f.value_start, f.value_end) for f in base_facts
                                 if f.unit and f.measure != "text"} - seen_spans)
        totals["injected"] += injected
        totals["detected"] += detected
        rate = detected / injected if injected else 0
        print(f"{s.doc_id:22} {len(seen_spans):15} {injected:9} {detected:9} {rate:6.1%}")
    rate = totals["detected"] / totals["injected"] if totals["injected"] else 0
    print(f"{'ALL':22} {totals['figures']:15} {totals['injected']:9} {totals['detected']:9} {rate:6.1%}")
    print(f"detected by `make validate`: {totals['detected']} of ALL {totals['injected']} injected errors ({rate:.1%})")
    print(f"  stated figures no check ties to another (not injected: an error there is undetectable): {totals['unread']}")
    print(f"  of the {totals['injected'] - totals['detected']} missed:")
    for why in (WITHIN, UNCONSTRAINED, UNEXPLAINED):
        print(f"    {why}: {misses[why]}")
        kinds = sorted(((n, k) for (w, k), n in missed_kinds.items() if w == why), reverse=True)
        if kinds:
            print("      " + ", ".join(f"{k} {n}" for n, k in kinds))
    possible = totals["injected"] - misses[WITHIN] - misses[UNCONSTRAINED]
    if possible:
        print(f"  detection of the errors some rule could see: {totals['detected']}/{possible} "
              f"({totals['detected'] / possible:.1%})")
    for kind in ("digit", "decimal_shift"):
        n, hits = by_kind[(kind, True)] + by_kind[(kind, False)], by_kind[(kind, True)]
        print(f"  {kind:14} {hits}/{n} detected" + (f" ({hits / n:.1%})" if n else ""))
    print("detection per rule family (injected figures the family checks, caught by that family itself):")
    for fam in sorted({f for f, _ in by_family}):
        n, hits = by_family[(fam, True)] + by_family[(fam, False)], by_family[(fam, True)]
        print(f"  {fam:14} {hits}/{n}" + (f" ({hits / n:.1%})" if n else ""))
    print(f"\nfailing checks on the unmodified documents beyond the acknowledged ones: {unexplained_baseline}")
    if detection_only:
        return {"detection": rate, "unexplained": unexplained_baseline}

    scaling(lex, rules, classification)

    # timing of validation, split as `make validate` does it
    from juesuan.package.build import build_tables, write_package
    from juesuan.rules.gx_suites import run_gx
    from juesuan.validate import frictionless_errors, integrity_errors, provenance_errors

    t0 = time.perf_counter()
    frictionless_errors()
    provenance_errors()
    t1 = time.perf_counter()
    integrity_errors()
    t2 = time.perf_counter()
    tb0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="juesuan-package-") as tmp:   # the build extracts while it writes
        (Path(tmp) / "data").mkdir()
        write_package(build_tables(), Path(tmp) / "data", Path(tmp) / "datapackage.json")
    tb1 = time.perf_counter()
    print(f"package build (extraction + rules, once): {tb1 - tb0:.2f}s")
    print(f"validate timing: frictionless+provenance {t1 - t0:.2f}s, rules gate {t2 - t1:.2f}s", end="")
    if not (BUILD / "juesuan.db").exists():
        print(" (GX not timed: run `make databases` first)")
    else:
        gx = run_gx(build_docs=False)
        print(f", GX import {gx.import_seconds:.2f}s, GX data loading {gx.load_seconds:.2f}s, GX checks {gx.check_seconds:.2f}s")
    return {"detection": rate, "unexplained": unexplained_baseline}


if __name__ == "__main__":
    main()
