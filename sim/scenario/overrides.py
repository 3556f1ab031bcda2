"""`--set PATH=VALUE` overrides: dotted paths into the raw scenario mapping, checked against the schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel

from .errors import Problem, ScenarioError, nearest
from .hub_count import resize_hubs
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
            if not _resize_hubs(raw, path, value):
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


def _server_names(raw: dict) -> set[str]:
    """Every server name written in the raw mapping (Hubs, Mailbox servers, Edges)."""
    names = set()
    for site in raw.get("sites") or []:
        if isinstance(site, dict):
            for key in ("hubs", "mailbox_servers"):
                items = site.get(key)
                if isinstance(items, list):
                    names.update(str(i["name"]) for i in items if isinstance(i, dict) and "name" in i)
    names.update(str(e["name"]) for e in raw.get("edges") or [] if isinstance(e, dict) and "name" in e)
    return names


def _resize_hubs(raw: dict, path: str, value: Any) -> bool:
    """sites.X.hub_count=N, or sites.X.hubs=N over a list of Hubs: resize the list keeping settings.

    Done on the raw mapping, so cross-checks (a fault naming SEA-HUB3) see the Hubs by name. Returns
    False when the path is not such a resize (it is then set as written).
    """
    parts = _split_path(path)
    if len(parts) != 3 or parts[0] != "sites" or parts[2] not in ("hub_count", "hubs"):
        return False
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        if parts[2] == "hub_count":
            raise KeyError(f"a Hub count must be a whole number of zero or more, not {value!r}")
        return False
    sites = raw.get("sites")
    if not isinstance(sites, list):
        return False
    site = sites[_list_index(sites, parts[1])]
    if not isinstance(site, dict) or (parts[2] == "hubs" and not isinstance(site.get("hubs"), list)):
        return False
    site["hubs"] = resize_hubs(str(site.get("name", "SITE")), site.get("hubs"), value, _server_names(raw))
    site.pop("hub_count", None)
    return True
