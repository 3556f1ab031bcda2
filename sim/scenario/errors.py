"""Errors a user can fix: every problem names its place (file and key path) and what is expected."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

CROSS_CHECK = "cross_check"
"""The error type of a rule across the scenario (sim.scenario.checks) inside a ValidationError."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, at a key path such as `sites[0].hubs[1].cores`."""

    path: str
    message: str

    def render(self, source: str | None) -> str:
        """`file: key.path: message`, always on one line (newlines inside are folded to spaces)."""
        place = ": ".join(part for part in (source, self.path) if part)
        line = f"{place}: {self.message}" if place else self.message
        return re.sub(r"\s*[\r\n]+\s*", " ", line).strip()


class ScenarioError(ValueError):
    """A scenario that cannot be run; holds every problem found, one line each."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__("\n".join(p.render(source) for p in self.problems))


def format_path(loc: tuple) -> str:
    """('sites', 0, 'hubs', 1, 'cores') -> 'sites[0].hubs[1].cores'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def nearest(name: str, choices: list[str]) -> str:
    """' (did you mean X?)' when a choice is close to `name` (ignoring case), else the list of choices.

    Server and site names are case-insensitive in Exchange, so a suggestion ignores case too.
    """
    choices = list(dict.fromkeys(choices))
    close = difflib.get_close_matches(name.upper(), [c.upper() for c in choices], n=1, cutoff=0.6)
    if close:
        return f" (did you mean {next(c for c in choices if c.upper() == close[0])!r}?)"
    return f" (known: {', '.join(choices)})" if choices else ""


def short_repr(value: Any, limit: int = 60) -> str:
    """A value as a message shows it: its repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_path(path: str) -> tuple:
    """'sites[0].hubs[1].cores' -> ('sites', 0, 'hubs', 1, 'cores'): the inverse of format_path."""
    loc: list = []
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        loc.append(int(part[1:-1]) if part.startswith("[") else part)
    return tuple(loc)


def with_problems(error: ValidationError | None, problems: list[Problem], title: str) -> ValidationError:
    """One ValidationError holding pydantic's shape errors (if any) and the cross-check problems, each at its key
    path (type CROSS_CHECK, the message in ctx)."""
    from pydantic import ValidationError  # here, not at the top: a missing file is reported before pydantic loads
    from pydantic_core import PydanticCustomError

    line_errors = []
    for item in error.errors() if error is not None else []:
        line = {"type": item["type"], "loc": item["loc"], "input": item["input"]}
        if "ctx" in item:
            line["ctx"] = item["ctx"]
        line_errors.append(line)
    for problem in problems:
        custom = PydanticCustomError(CROSS_CHECK, "{message}", {"message": problem.message, "path": problem.path})
        line_errors.append({"type": custom, "loc": parse_path(problem.path), "input": None})
    return ValidationError.from_exception_data(title, line_errors)
