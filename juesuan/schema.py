"""The package's table schemas (juesuan/package/resources.yml), readable from any stage.

The rules' GX suites and the publish step need the schemas as much as the
package build does; reading them here keeps those imports down the stage order.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from juesuan.errors import JuesuanError

RESOURCES_YML = Path(__file__).with_name("package") / "resources.yml"


# libyaml's C safe loader when built in: the pure-Python parser costs ~0.3 s per read of
# resources.yml and a third of `juesuan extract`'s start-up for the lexicon
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_error(exc: yaml.YAMLError, path: Path, what: str = "") -> JuesuanError:
    """A YAML syntax error as the project's input error: the file, the line of the
    problem, and the line where the construct it breaks started (an unclosed quote or
    bracket is found lines after it opened)."""
    mark, ctx = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    construct = getattr(exc, "context", None)
    context = f" ({construct} that starts on line {ctx.line + 1})" if ctx is not None and construct else ""
    prefix = f"{what} is not valid YAML" if what else "invalid YAML"
    return JuesuanError(f"{prefix}: {getattr(exc, 'problem', None) or exc}{context}", path,
                        mark.line + 1 if mark is not None else None)


def load_yaml(text: str, path: Path, what: str = "") -> Any:
    """Parse the YAML `text` read from `path`; a syntax error is a JuesuanError naming
    the file and line (exit 2), never a traceback."""
    try:
        return yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, path, what) from exc


def load_resources() -> dict[str, Any]:
    """resources.yml (read several times a build: hence the C loader)."""
    data = load_yaml(RESOURCES_YML.read_text(encoding="utf-8"), RESOURCES_YML, "resources.yml")
    if not isinstance(data, dict) or not isinstance(data.get("resources"), dict):
        raise JuesuanError("resources.yml is not a mapping with a `resources:` mapping", RESOURCES_YML, 1)
    return data
