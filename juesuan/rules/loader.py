"""Load rules.yml: every rule instance checked against its registered family.

Importing the families here (not in the registry) keeps the registry free of
the modules that register into it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

import juesuan.rules.families  # noqa: F401  (registers every family)
from juesuan.csvio import read_csv
from juesuan.errors import JuesuanError
from juesuan.paths import METRICS_CSV
from juesuan.rules.labels import HeadingLabels
from juesuan.rules.registry import FAMILIES, CheckFamilies, Params, RuleSet
from juesuan.schema import YAML_LOADER, load_resources, load_yaml

RULES_YML = Path(__file__).with_name("rules.yml")


def _problems(exc: ValidationError) -> str:
    """pydantic's errors as `key.path: message; …` for a file:line message."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def metric_vocabulary(path: Path = METRICS_CSV) -> set[str]:
    return {r["metric"] for r in read_csv(path, ("metric",))}


def load_rules(path: Path = RULES_YML, metrics: set[str] | None = None) -> RuleSet:
    """Parse rules.yml; every instance is validated against its family's model."""
    text = path.read_text(encoding="utf-8")
    raw = load_yaml(text, path)
    root = yaml.compose(text, Loader=YAML_LOADER)
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise JuesuanError("expected a mapping with a `rules:` list", path, 1)
    unknown_top = sorted(set(raw) - {"rules", "explanations", "settings", "check_families", "heading_labels"})
    if unknown_top:
        raise JuesuanError(f"unknown top-level key(s): {', '.join(unknown_top)}", path, 1)
    assert root is not None
    top = {k.value: v for k, v in root.value}
    lines = [node.start_mark.line + 1 for node in top["rules"].value]
    vocabulary = metric_vocabulary() if metrics is None else metrics
    instances: list[Params] = []
    seen: dict[str, int] = {}
    explanations = raw.get("explanations") or {}
    for item, line in zip(raw["rules"], lines, strict=True):
        if not isinstance(item, dict):
            raise JuesuanError("a rule instance must be a mapping", path, line)
        fam = FAMILIES.get(str(item.get("family", "")))
        if fam is None:
            raise JuesuanError(f"unknown rule family '{item.get('family')}' (known: {', '.join(sorted(FAMILIES))})", path, line)
        try:
            inst = fam.params.model_validate(item, context={"metrics": vocabulary})
        except ValidationError as exc:
            raise JuesuanError(f"rule {item.get('rule')}: {_problems(exc)}", path, line) from None
        if inst.rule in seen:
            raise JuesuanError(f"rule {inst.rule} defined twice (first at line {seen[inst.rule]})", path, line)
        if inst.explanation and inst.explanation not in explanations:
            raise JuesuanError(f"rule {inst.rule}: no explanation template '{inst.explanation}'", path, line)
        seen[inst.rule] = line
        instances.append(inst)
    return RuleSet(instances, explanations, raw.get("settings") or {}, _check_families(raw, top, path),
                   _heading_labels(raw, top, path))


def _heading_labels(raw: dict[str, Any], top: dict[str, yaml.Node], path: Path) -> HeadingLabels:
    try:
        return HeadingLabels.model_validate(raw.get("heading_labels") or {})
    except ValidationError as exc:
        line = top["heading_labels"].start_mark.line + 1 if "heading_labels" in top else 1
        raise JuesuanError(f"heading_labels: {_problems(exc)}", path, line) from None


def _check_families(raw: dict[str, Any], top: dict[str, yaml.Node], path: Path) -> CheckFamilies:
    """The `check_families:` block, its names checked against the checks table's family enum."""
    line = top["check_families"].start_mark.line + 1 if "check_families" in top else 1
    try:
        fams = CheckFamilies.model_validate(raw.get("check_families") or {})
    except ValidationError as exc:
        raise JuesuanError(f"check_families: {_problems(exc)}", path, line) from None
    field = next(f for f in load_resources()["resources"]["checks"]["fields"] if f["name"] == "family")
    unknown = sorted(set(fams.not_verifying) - set(field["constraints"]["enum"]))
    if unknown:
        raise JuesuanError(f"check_families: unknown check family {', '.join(unknown)} (not in the checks schema)", path, line)
    return fams
