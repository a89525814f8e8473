"""Rule families registered by name; rule instances loaded from rules.yml.

A family is one small function `(context, doc_id, params) -> checks`, with a
pydantic model of its parameters. `rules.yml` lists every rule instance as
`{rule: NAME, family: FAMILY, ...parameters}`; loading validates each against
its family's model, so a misspelt key or an unknown metric stops the build
with the file and line of the instance instead of silently checking nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo

from juesuan.paths import METRICS_CSV
from juesuan.rules.checks import Check
from juesuan.rules.context import Context
from juesuan.rules.labels import HeadingLabels


def _known_metric(value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("metrics")
    name = value.removeprefix("-")
    if known is not None and name not in known:
        raise ValueError(f"unknown metric '{name}' (not in {METRICS_CSV.name})")
    return value


Metric = Annotated[str, AfterValidator(_known_metric)]


class Params(BaseModel):
    """What every rule instance has: its name, family and the severity of a failure."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str
    family: str
    severity: Literal["error", "warning", "info"] = "error"
    explanation: str = ""     # a template of `explanations` to use instead of the family's


P = TypeVar("P", bound=Params)
FamilyFn = Callable[[Context, str, Any], list[Check]]


@dataclass(frozen=True)
class Family:
    name: str
    params: type[Params]
    fn: FamilyFn


FAMILIES: dict[str, Family] = {}


def family(name: str, params: type[P]) -> Callable[[Callable[[Context, str, P], list[Check]]], Callable[[Context, str, P], list[Check]]]:
    """Register a rule family under `name` with its parameter model."""
    def deco(fn: Callable[[Context, str, P], list[Check]]) -> Callable[[Context, str, P], list[Check]]:
        if name in FAMILIES:
            raise ValueError(f"rule family {name} registered twice")
        FAMILIES[name] = Family(name, params, fn)
        return fn
    return deco


class CheckFamilies(BaseModel):
    """The families of checks whose failures are not errors, or are not about a figure's value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    informational: list[str]
    about_labels: list[str]

    @property
    def not_verifying(self) -> list[str]:
        """Families that verify no figure's value: an injected wrong figure is not 'checked' by them."""
        return [*self.informational, *self.about_labels]


@dataclass(frozen=True)
class RuleSet:
    instances: list[Params]
    explanations: dict[str, dict[str, str]]
    settings: dict[str, Any]
    check_families: CheckFamilies
    heading_labels: HeadingLabels
