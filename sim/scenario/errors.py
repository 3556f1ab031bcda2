"""Errors a user can fix: every problem names its place (file and key path) and what is expected."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any


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
