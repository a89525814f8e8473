"""The package's table schemas (juesuan/package/resources.yml), readable from any stage.

The rules' GX suites and the publish step need the schemas as much as the
package build does; reading them here keeps those imports down the stage order.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RESOURCES_YML = Path(__file__).with_name("package") / "resources.yml"


def load_resources() -> dict[str, Any]:
    """resources.yml, parsed with libyaml's C safe loader when present (the pure-Python
    parser costs ~0.3 s per read, and a build reads it several times)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(RESOURCES_YML.read_text(encoding="utf-8"), Loader=loader)
