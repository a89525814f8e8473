"""Every YAML file a maintainer edits (resources.yml, lexicon.yml, tables.yml, rules.yml,
metadata.yml) reports a syntax error as file:line through one reader, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from juesuan import schema
from juesuan.errors import JuesuanError
from juesuan.extract.lexicon import read_sections
from juesuan.package.inputs import load_checked_yaml
from juesuan.rules.loader import load_rules

BROKEN = "a: 1\nb:\n  - [unclosed, list\nc: 3\n"


def test_resources_yml_syntax_error_names_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "resources.yml"
    bad.write_text("resources:\n  facts:\n    fields: [\n      {name: x\n", encoding="utf-8")
    monkeypatch.setattr(schema, "RESOURCES_YML", bad)
    with pytest.raises(JuesuanError) as err:
        schema.load_resources()
    assert err.value.path == bad and err.value.line is not None and err.value.line >= 3
    assert "resources.yml is not valid YAML" in str(err.value)


def test_resources_yml_of_another_shape_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "resources.yml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    monkeypatch.setattr(schema, "RESOURCES_YML", bad)
    with pytest.raises(JuesuanError, match="resources:"):
        schema.load_resources()


@pytest.mark.parametrize("read", [
    lambda p: read_sections(p, "lexicon", ("units",)),
    lambda p: load_rules(p),
    lambda p: load_checked_yaml(p),
], ids=["lexicon", "rules", "metadata"])
def test_each_yaml_input_gives_the_line_of_its_syntax_error(tmp_path: Path, read) -> None:
    bad = tmp_path / "input.yml"
    bad.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(JuesuanError) as err:
        read(bad)
    assert err.value.path == bad
    assert err.value.line == 4, str(err.value)       # the parser notices at the next key
    assert "line 3" in str(err.value)                # … and says where the list opened
