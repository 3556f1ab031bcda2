"""Reading scenario files: YAML (safe_load only), `--set` overrides, and errors a user can act on.

The schema (pydantic) is imported once the file has been read, so a missing file or a YAML syntax error is
reported at once (`exsim run typo.yaml`), before the models are built."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import Problem, ScenarioError, short_repr

if TYPE_CHECKING:
    from .schema import Scenario


def load_scenario(
    source: str | os.PathLike | Mapping | Scenario, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """A validated Scenario from a YAML file, a dict or a Scenario, with overrides applied.

    Raises ScenarioError listing every problem, each naming the file and key path.
    """
    label = str(source) if isinstance(source, (str, os.PathLike)) else None
    if label is not None:
        raw = read_yaml(Path(source))
    from pydantic import ValidationError

    from .overrides import apply_overrides
    from .schema import Scenario
    from .validation_messages import problems_from

    if isinstance(source, Scenario):
        raw = source.model_dump(mode="python")
    elif isinstance(source, Mapping):
        raw = copy.deepcopy(dict(source))
    if overrides:
        apply_overrides(raw, overrides, label)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(problems_from(error, raw), label) from None


def read_yaml(path: Path) -> dict:
    """The mapping in a YAML file, or a ScenarioError saying why not."""
    if not path.exists():
        raise ScenarioError(
            [Problem("", "no such file; give the path of a scenario YAML file, e.g. scenarios/quickstart.yaml")],
            str(path),
        )
    if path.is_dir():
        raise ScenarioError([Problem("", "is a folder; give the path of a scenario YAML file")], str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(
            [
                Problem(
                    "",
                    f"cannot read as UTF-8 text ({error.reason} at byte {error.start}); "
                    "save the scenario as a UTF-8 YAML file",
                )
            ],
            str(path),
        ) from None
    except OSError as error:
        raise ScenarioError([Problem("", f"cannot read the file: {error.strerror or error}")], str(path)) from None
    loader = None
    try:
        loader = _StrictLoader(text)
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise ScenarioError([Problem("", f"YAML syntax error at {where}: {error.problem}")], str(path)) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise ScenarioError(
            [
                Problem(
                    "",
                    f"YAML syntax error at line {line}: character #x{error.character:04x} is not allowed in YAML text",
                )
            ],
            str(path),
        ) from None
    except yaml.YAMLError as error:
        raise ScenarioError([Problem("", f"cannot read as YAML: {error}")], str(path)) from None
    finally:
        if loader is not None:
            loader.dispose()
    if loader.duplicates:
        raise ScenarioError(loader.duplicates, str(path))
    if not isinstance(data, dict):
        found = "the file is empty" if data is None else f"found {_kind(data)}"
        raise ScenarioError(
            [Problem("", f"a scenario file must be a YAML mapping (keys such as name, sites, workload); {found}")],
            str(path),
        )
    return data


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"a single value {short_repr(value)}"


class _StrictLoader(yaml.SafeLoader):
    """safe_load, except that a key written twice in one mapping is a problem, not a silent overwrite."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.duplicates: list[Problem] = []

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:
                continue  # an unhashable key: construct_mapping reports it
            line = key_node.start_mark.line + 1
            if first != line:
                self.duplicates.append(
                    Problem(
                        "", f"line {line}: key {key!r} is written twice in one mapping (also line {first}); keep one"
                    )
                )
        return super().construct_mapping(node, deep=deep)
