"""Check every hand-edited input against its Table Schema BEFORE anything is built.

Why here and not in Frictionless' own validator: Frictionless reports CSV
*record* numbers, and a maintainer needs the *physical* line of the file (a
quoted note can span lines). So the records are read by `csvio.iter_records`
(physical lines) and each cell is typed and constrained by Frictionless'
`Field.read_cell` (the schemas stay Frictionless schemas, in resources.yml).
Keys are checked here too: a duplicated row (`sed -i '3p' score_items.csv`)
must stop the build before `data/` is touched, naming both lines.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from juesuan.csvio import iter_records
from juesuan.errors import JuesuanError
from juesuan.paths import ROOT
from juesuan.schema import YAML_LOADER, load_yaml

#: money and scores as printed: no exponent, NaN, infinity or grouping commas
PLAIN_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MAX_REPORTED = 20


def input_specs(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The `inputs:` section of resources.yml with `like:` resolved to fields."""
    out = {}
    for name, res in spec.get("inputs", {}).items():
        res = dict(res)
        if "like" in res:
            res["fields"] = spec["resources"][res["like"]]["fields"]
        out[name] = res
    return out


def _note_message(name: str, value: str, notes: dict[str, str], field: dict[str, Any]) -> str:
    c = field.get("constraints", {})
    if "required" in notes:
        return f"column '{name}' is required but empty"
    if "type" in notes:
        return f"column '{name}': {value!r} is not a valid {field['type']}"
    if "enum" in notes:
        return f"column '{name}': {value!r} is not one of {', '.join(map(str, c['enum']))}"
    if "pattern" in notes:
        return f"column '{name}': {value!r} does not match the pattern {c['pattern']}"
    if "minimum" in notes:
        return f"column '{name}': {value!r} is below the minimum {c['minimum']}"
    return f"column '{name}': {value!r} breaks {', '.join(notes)}"


class _Errors:
    def __init__(self) -> None:
        self.items: list[tuple[Path, int | None, str]] = []

    def add(self, path: Path, line: int | None, message: str) -> None:
        self.items.append((path, line, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        path, line, message = self.items[0]
        more = [f"{p}:{ln}: {m}" if ln is not None else f"{p}: {m}" for p, ln, m in self.items[1:MAX_REPORTED]]
        if len(self.items) > MAX_REPORTED:
            more.append(f"... and {len(self.items) - MAX_REPORTED} more")
        raise JuesuanError(message + "".join("\n" + m for m in more), path, line)


def _check_table(path: Path, res: dict[str, Any], errors: _Errors, keep: set[str]) -> list[tuple[int, dict[str, Any]]]:
    """Every cell of one input typed and checked (problems go to `errors`); returned are
    (line, the `keep` columns) per row: what the key checks need, not whole rows, so
    sources.csv of a large corpus is not held whole."""
    from frictionless import Field

    fields = res["fields"]
    by_name = {f["name"]: f for f in fields}
    typed = {f["name"]: Field.from_descriptor({k: v for k, v in f.items() if k in ("name", "type", "constraints", "format")})
             for f in fields}
    try:
        records = iter_records(path)
        first = next(records, None)
        if first is None:
            errors.add(path, 1, "empty CSV (no header)")
            return []
        _, header = first
        names = [f["name"] for f in fields]
        missing = [n for n in names if n not in header]
        unknown = [h for h in header if h not in names]
        if missing or unknown or len(set(header)) != len(header):
            parts = ([f"missing column(s): {', '.join(missing)}"] if missing else []) + \
                    ([f"unknown column(s): {', '.join(unknown)}"] if unknown else []) + \
                    (["a column is named twice"] if len(set(header)) != len(header) else [])
            errors.add(path, 1, "; ".join(parts) + f" (expected: {','.join(names)})")
            return []
        rows = []
        for line, values in records:
            if len(values) != len(header):
                errors.add(path, line, f"row has {len(values)} fields, the header has {len(header)}")
                continue
            row: dict[str, Any] = {}
            for name, value in zip(header, values, strict=True):
                field = by_name[name]
                _, notes = typed[name].read_cell(value)
                if not notes and field["type"] == "number" and value != "" and not PLAIN_DECIMAL.match(value):
                    notes = {"type": "plain decimal"}
                if notes:
                    errors.add(path, line, _note_message(name, value, notes, field))
                if name in keep:
                    row[name] = value
            rows.append((line, row))
        return rows
    except JuesuanError as exc:   # malformed CSV: reported at its own line
        errors.add(Path(str(exc.path)), exc.line, exc.message)
        return []


def _keys(path: Path, rows: list[tuple[int, dict[str, Any]]], cols: list[str], what: str, errors: _Errors) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for line, row in rows:
        key = tuple(row[c] for c in cols)
        if key in seen:
            errors.add(path, line, f"duplicate {what} ({', '.join(cols)}) = ({', '.join(key)}): "
                                   f"the same as line {seen[key]}")
        else:
            seen[key] = line


def check_inputs(spec: dict[str, Any], root: Path = ROOT) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Raise one JuesuanError listing (up to MAX_REPORTED) problems in the inputs; return
    per input its rows' key columns (primary, unique and foreign keys, referenced columns)."""
    errors = _Errors()
    specs = input_specs(spec)
    keys: dict[str, set[str]] = {name: set(res["primaryKey"]) for name, res in specs.items()}
    for name, res in specs.items():
        for cols in res.get("unique", []):
            keys[name] |= set(cols)
        for fk in res.get("foreignKeys", []):
            keys[name] |= set(fk["fields"])
            keys.setdefault(fk["reference"]["resource"], set()).update(fk["reference"]["fields"])
    tables = {}
    for name, res in specs.items():
        path = root / res["path"]
        rows = _check_table(path, res, errors, keys[name])
        _keys(path, rows, res["primaryKey"], "key", errors)
        for cols in res.get("unique", []):
            _keys(path, rows, cols, "value", errors)
        tables[name] = rows
    for name, res in specs.items():
        path = root / res["path"]
        for fk in res.get("foreignKeys", []):
            ref = fk["reference"]
            known = {tuple(r[c] for c in ref["fields"]) for _, r in tables.get(ref["resource"], [])}
            ref_path = root / specs[ref["resource"]]["path"]
            for line, row in tables[name]:
                key = tuple(row[c] for c in fk["fields"])
                if all(k != "" for k in key) and key not in known:
                    errors.add(path, line, f"{', '.join(fk['fields'])} {', '.join(key)!r} is not in {ref_path.relative_to(root)}")
    try:
        load_checked_yaml(root / "metadata.yml")
    except JuesuanError as exc:
        errors.add(Path(str(exc.path)), exc.line, exc.message)
    errors.raise_if_any()
    return tables


METADATA_SCHEMA = Path(__file__).with_name("metadata_schema.yml")


def _node_line(node: Any, path: list[Any]) -> int:
    """The line (1-based) of the YAML node at `path`, or of its nearest ancestor."""
    import yaml

    for key in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
    return int(node.start_mark.line) + 1


def load_checked_yaml(path: Path, schema_path: Path = METADATA_SCHEMA) -> dict[str, Any]:
    """A YAML file parsed and checked against a JSON Schema; errors as file:line."""
    import jsonschema
    import yaml

    from juesuan.sources import decode, read_bytes

    text = decode(read_bytes(path), path)
    data = load_yaml(text, path)
    node = yaml.compose(text, Loader=YAML_LOADER)
    schema = yaml.load(schema_path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    validator = jsonschema.Draft202012Validator(schema)
    errs = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errs:
        lines = [(_node_line(node, list(e.absolute_path)), "/".join(map(str, e.absolute_path)) or "(top)", e.message)
                 for e in errs]
        first, more = lines[0], lines[1:MAX_REPORTED]
        raise JuesuanError(f"{first[1]}: {first[2]}" + "".join(f"\n{path}:{ln}: {w}: {m}" for ln, w, m in more),
                           path, first[0])
    if not isinstance(data, dict):   # the schema requires an object; keeps the type honest
        raise JuesuanError("not a mapping", path, 1)
    return data
