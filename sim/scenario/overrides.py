"""`--set PATH=VALUE` overrides: dotted paths into the raw scenario mapping, checked against the schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel

from .checks import nearest
from .errors import Problem, ScenarioError
from .introspect import is_list_field, model_in
from .schema import Scenario


def apply_overrides(raw: dict, overrides: Mapping[str, Any], source: str | None = None) -> None:
    """Set each dotted path (sites.Seattle.hubs, workload.rate, sites[0].hubs[1].cores) in the raw mapping.

    A text value is read as YAML ("8" is 8, "[a, b]" a list). Every bad path is reported at once.
    """
    problems = []
    for path, value in overrides.items():
        text = value if isinstance(value, str) else None
        if isinstance(value, str) and value.strip():
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError as error:
                problem = getattr(error, "problem", None) or str(error)
                problems.append(
                    Problem(
                        f"--set {path}",
                        f"the value {value!r} is not valid YAML ({problem}); quote it, e.g. --set 'name=\"a: b\"'",
                    )
                )
                continue
        try:
            _set_path(raw, path, value, text)
        except KeyError as error:
            problems.append(Problem(f"--set {path}", error.args[0]))
    if problems:
        raise ScenarioError(problems, source)


def _split_path(path: str) -> list[str]:
    return [part for part in path.replace("[", ".").replace("]", "").split(".") if part]


def _set_path(raw: dict, path: str, value: Any, text: str | None = None) -> None:
    """Set one path; `text` is the value as typed, kept as is for a text field (--set name=2024)."""
    parts = _split_path(path)
    if not parts:
        raise KeyError("empty path; write it like workload.rate or sites.Seattle.hubs")
    node: Any = raw
    model: type[BaseModel] | None = Scenario
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            index = _list_index(node, part)
            if last:
                node[index] = value
                return
            node = node[index]
            continue
        if not isinstance(node, dict):
            raise KeyError(f"{'.'.join(parts[:depth])} is a value, not a mapping; nothing lies under it")
        fields = list(model.model_fields) if model else list(node)
        if part not in fields and part not in node:
            raise KeyError(f"no key {part!r} at {'.'.join(parts[:depth]) or 'the top level'}{nearest(part, fields)}")
        field = model.model_fields.get(part) if model else None
        if last:
            node[part] = text if text is not None and field is not None and field.annotation is str else value
            return
        model = model_in(field.annotation) if field else None
        if node.get(part) is None:  # absent, or written empty (`workload:`)
            node[part] = [] if is_list_field(field) else {}
        node = node[part]


def _list_index(items: list, part: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if -len(items) <= index < len(items):
            return index
        raise KeyError(f"index {index} is out of range (the list has {len(items)} items)")
    names = [item.get("name") if isinstance(item, dict) else None for item in items]
    if part in names:
        return names.index(part)
    raise KeyError(f"no item named {part!r}{nearest(part, [n for n in names if isinstance(n, str)])}")
