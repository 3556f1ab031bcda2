"""Reading scenario files: YAML (safe_load only), `--set` overrides, and errors a user can act on."""

from __future__ import annotations

import copy
import os
import types
import typing
from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import BaseModel, ValidationError

from .checks import check_scenario, nearest
from .errors import Problem, ScenarioError, format_path
from .scenario import Scenario


def load_scenario(source: str | os.PathLike | Mapping | Scenario,
                  overrides: Mapping[str, Any] | None = None) -> Scenario:
    """A validated Scenario from a YAML file, a dict or a Scenario, with overrides applied.

    Raises ScenarioError listing every problem, each naming the file and key path.
    """
    label = str(source) if isinstance(source, (str, os.PathLike)) else None
    if isinstance(source, Scenario):
        raw = source.model_dump(mode="python")
    elif isinstance(source, Mapping):
        raw = copy.deepcopy(dict(source))
    else:
        raw = read_yaml(Path(source))
    if overrides:
        apply_overrides(raw, overrides, label)
    problems = []
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        problems = _problems_from(error)
    problems += check_scenario(raw)
    if problems:
        raise ScenarioError(problems, label)
    return scenario


def read_yaml(path: Path) -> dict:
    """The mapping in a YAML file, or a ScenarioError saying why not."""
    if not path.exists():
        raise ScenarioError([Problem("", "no such file; give the path of a scenario YAML file, e.g. scenarios/quickstart.yaml")], str(path))
    if path.is_dir():
        raise ScenarioError([Problem("", "is a folder; give the path of a scenario YAML file")], str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise ScenarioError([Problem("", f"YAML syntax error at {where}: {error.problem}")], str(path)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ScenarioError([Problem("", f"cannot read as YAML: {error}")], str(path)) from None
    if not isinstance(data, dict):
        raise ScenarioError([Problem("", "a scenario file must be a YAML mapping (keys such as name, sites, workload)")], str(path))
    return data


def _problems_from(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = _clean_loc(item["loc"])
        if item["type"] == "extra_forbidden":
            known = list(_model_at(loc[:-1]).model_fields) if _model_at(loc[:-1]) else []
            problems.append(Problem(format_path(loc), f"unknown key{nearest(str(loc[-1]), known)}"))
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] not in ("missing", "value_error", "assertion_error") and "input" in item:
            message += f", got {item['input']!r}"
        problems.append(Problem(format_path(loc), message))
    return problems


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's union-branch labels such as 'list[Hub]' or 'function-before[...]'."""
    return tuple(p for p in loc if isinstance(p, int) or ("[" not in p and p not in ("int", "str", "float")))


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model found at a key path, for suggesting valid key names."""
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def apply_overrides(raw: dict, overrides: Mapping[str, Any], source: str | None = None) -> None:
    """Set each dotted path (sites.Seattle.hubs, workload.rate, sites[0].hubs[1].cores) in the raw mapping."""
    for path, value in overrides.items():
        if isinstance(value, str):
            value = yaml.safe_load(value) if value.strip() else value
        try:
            _set_path(raw, path, value)
        except KeyError as error:
            raise ScenarioError([Problem(f"--set {path}", error.args[0])], source) from None


def _split_path(path: str) -> list[str]:
    return [part for part in path.replace("[", ".").replace("]", "").split(".") if part]


def _set_path(raw: dict, path: str, value: Any) -> None:
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
        if last:
            node[part] = value
            return
        field = model.model_fields.get(part) if model else None
        model = _model_in(field.annotation) if field else None
        if part not in node:
            node[part] = [] if _is_list(field) else {}
        node = node[part]


def _is_list(field) -> bool:
    origin = typing.get_origin(field.annotation) if field else None
    return origin is list or (origin in (typing.Union, types.UnionType) and
                              any(typing.get_origin(a) is list for a in typing.get_args(field.annotation)))


def _list_index(items: list, part: str) -> int:
    if part.lstrip("-").isdigit():
        index = int(part)
        if -len(items) <= index < len(items):
            return index
        raise KeyError(f"index {index} is out of range (the list has {len(items)} items)")
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if part in names:
        return names.index(part)
    raise KeyError(f"no item named {part!r}{nearest(part, [n for n in names if n])}")
