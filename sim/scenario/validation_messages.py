"""Pydantic validation errors turned into one-line problems a user can act on.

Each names the key path as written in the file, what is expected in plain words, and the value
given; unknown keys and misspelt choices get the nearest valid name.
"""

from __future__ import annotations

import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import CROSS_CHECK, Problem, format_path, nearest, short_repr
from .introspect import is_list_field, model_in
from .schema import Scenario
from .units import format_duration, parse_duration

_TYPE_MISMATCH = {
    "literal_error",
    "list_type",
    "tuple_type",
    "string_type",
    "float_type",
    "float_parsing",
    "int_type",
    "int_parsing",
    "dict_type",
    "model_type",
    "model_attributes_type",
    "bool_type",
    "bool_parsing",
    "none_required",
}


def problems_from(error: ValidationError, raw: Any = None) -> list[Problem]:
    """One plain-words Problem per mistake, in file order of first appearance.

    A value that fits no branch of a union (such as diurnal: a curve name or 24 weights) gives one
    line, not one per branch: the most specific branch error if there is one, else "must be A or B".
    """
    grouped: dict[tuple, list[tuple[dict, bool]]] = {}
    crossed = []
    for item in error.errors():
        if item["type"] == CROSS_CHECK:  # a rule across the scenario (sim.scenario.checks): its own words
            crossed.append(Problem(item["ctx"]["path"], item["ctx"]["message"]))
            continue
        loc = _clean_loc(item["loc"], keep_last=item["type"] == "extra_forbidden")
        grouped.setdefault(loc, []).append((item, loc != tuple(item["loc"])))
    problems = []
    for loc, items in grouped.items():
        branches = [item for item, in_union in items if in_union]
        plain = [item for item, in_union in items if not in_union]
        if len(branches) > 1:
            specific = [b for b in branches if b["type"] not in _TYPE_MISMATCH]
            plain += specific or [_merge_branches(branches)]
        else:
            plain += branches
        for item in plain:
            problems.append(_problem(loc, item, raw))
    reported = {problem.path for problem in problems}
    return problems + [problem for problem in crossed if problem.path not in reported]  # one line per key path


def _merge_branches(branches: list[dict]) -> dict:
    """One error saying every shape a union accepts, from its branches' type errors."""
    shapes = list(dict.fromkeys(_expected(b) for b in branches))
    return {**branches[0], "type": "union_mismatch", "msg": "must be " + " or ".join(shapes)}


def _expected(item: dict) -> str:
    """What one branch of a union expected, in plain words ('flat' or 'business-day', a list, a number)."""
    ctx = item.get("ctx") or {}
    kind = item["type"]
    if kind == "literal_error":
        return ctx.get("expected", "one of the listed values")
    return _TYPE_WORDS.get(kind, item["msg"].removeprefix("Input should be ").removeprefix("a valid "))


_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "none_required": "empty",
}


def _problem(loc: tuple, item: dict, raw: Any = None) -> Problem:
    """A pydantic error as one line in plain words: what is expected, and what was found.

    The value shown is the one written in the file ('-5m', not pydantic's converted -300.0).
    """
    kind, ctx, given = item["type"], item.get("ctx") or {}, item.get("input")
    if kind not in ("extra_forbidden", "missing"):
        loc = _written_loc(raw, loc)
    given = _raw_at(raw, loc, given)
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = list(model.model_fields) if model else []
        return Problem(format_path(loc), f"unknown key{nearest(str(loc[-1]), known)}")
    if kind == "missing":
        field = _field_at(loc)
        about = f": {field.description}" if field is not None and field.description else ""
        return Problem(format_path(loc), f"required key is missing{about}")
    if kind in ("value_error", "assertion_error"):
        return _own_message(loc, item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, "), given)
    if kind in ("too_short", "too_long"):
        return Problem(format_path(loc), _length_message(kind, ctx))
    message = f"{_expectation(loc, item, kind, ctx)}, got {short_repr(given)}"
    if kind in ("literal_error", "union_mismatch") and isinstance(given, str):
        choices = re.findall(r"'([^']*)'", ctx.get("expected", "") or item["msg"])
        close = difflib.get_close_matches(given, choices, n=1, cutoff=0.6)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    return Problem(format_path(loc), message)


_BOUNDS = {"greater_than": ("gt", "must be greater than {}"), "greater_than_equal": ("ge", "must be {} or more"),
           "less_than": ("lt", "must be less than {}"), "less_than_equal": ("le", "must be {} or less")}  # fmt: skip
"""Pydantic's bound errors: the context key holding the bound, and the sentence it goes in."""


def _expectation(loc: tuple, item: dict, kind: str, ctx: dict) -> str:
    """What the value at `loc` must be, in plain words ("must be 1 or more"), its unit shown as in the file."""
    if kind == "union_mismatch":
        return item["msg"]
    if kind in _BOUNDS:
        key, sentence = _BOUNDS[kind]
        return sentence.format(_unit_formatter(loc)(ctx[key]))
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = _model_at(loc)
        keys = f" with keys such as {', '.join(list(model.model_fields)[:4])}" if model else ""
        return f"must be a mapping (key: value){keys}"
    if kind in _TYPE_WORDS or kind == "literal_error":
        return f"must be {_expected(item)}"
    return item["msg"].replace("Input should be", "must be", 1)


def _length_message(kind: str, ctx: dict) -> str:
    """A list too short or too long: how many items it must have, and how many it has."""
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"must have at least {count} item{'s' * (count != 1)}, got {ctx.get('actual_length', 0)}"
    count = ctx.get("max_length", 0)
    return f"must have at most {count} item{'s' * (count != 1)}, got {ctx.get('actual_length', '?')}"


def _own_message(loc: tuple, message: str, given: Any) -> Problem:
    """A validator's own ValueError. When it is about one field of the model at loc ("warmup must be
    shorter than duration"), point the path at that field and show the values involved."""
    field = _field_at(loc)
    model = None if field is not None and is_list_field(field) else _model_at(loc)  # the model whose validator spoke
    first, _, rest = message.partition(" ")
    if model is None or first not in model.model_fields or not rest:
        return Problem(format_path(loc), message)
    values = given if isinstance(given, dict) else {}
    others = [
        f"{other} is {_value_of(model, other, values)}"
        for other in model.model_fields
        if other != first and re.search(rf"\b{re.escape(other)}\b", rest)
    ]
    shown = f"got {_value_of(model, first, values)}" + (f" while {' and '.join(others)}" if others else "")
    return Problem(format_path((*loc, first)), f"{rest}, {shown}")


def _value_of(model: type[BaseModel], name: str, values: dict) -> str:
    if name in values:
        return short_repr(values[name])
    default = model.model_fields[name].get_default(call_default_factory=True)
    return f"{_unit_formatter_of(model.model_fields[name])(default)} (the default)"


def _written_loc(raw: Any, loc: tuple) -> tuple:
    """The key path cut where the file has a plain value: `stages.categorizer: 5 parsecs` is shorthand
    for {dist: constant, mean: 5 parsecs}, and the mistake is at stages.categorizer, as written."""
    node = raw
    for depth, part in enumerate(loc):
        if raw is None or not isinstance(node, (dict, list)):
            return loc[:depth] if raw is not None and depth else loc
        if isinstance(part, int) and isinstance(node, list) and -len(node) <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return loc
    return loc


def _raw_at(raw: Any, loc: tuple, default: Any) -> Any:
    """The value at a key path in the mapping as written, or default when the path is not there."""
    node = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and -len(node) <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return default
    return node


def _unit_formatter(loc: tuple):
    return _unit_formatter_of(_field_at(loc))


def _unit_formatter_of(field):
    """format_duration for a Duration field (so a bound of 86400 reads 1d), else the plain number."""
    duration = field is not None and _has_validator(field.annotation, parse_duration, field.metadata)

    def show(value: Any) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_duration(value) if duration and value else f"{value:g}"
        return str(value)

    return show


def _has_validator(annotation: Any, func, metadata=()) -> bool:
    if any(getattr(m, "func", None) is func for m in metadata):
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        if any(getattr(m, "func", None) is func for m in annotation.__metadata__):
            return True
    return any(_has_validator(arg, func) for arg in typing.get_args(annotation))


def _field_at(loc: tuple):
    """The pydantic FieldInfo a key path ends at (None for list items or unknown keys)."""
    if not loc or isinstance(loc[-1], int):
        return None
    model = _model_at(loc[:-1])
    return model.model_fields.get(loc[-1]) if model else None


def _clean_loc(loc: tuple, keep_last: bool = False) -> tuple:
    """Drop pydantic's union-branch labels such as 'list[Hub]' or 'function-before[...]'.

    keep_last keeps the final part whatever it looks like: for an unknown key it is the user's key.
    """
    head, tail = (loc[:-1], loc[-1:]) if keep_last and loc else (loc, ())
    return tuple(p for p in head if isinstance(p, int) or ("[" not in p and p not in ("int", "str", "float"))) + tail


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model found at a key path, for suggesting valid key names."""
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = model_in(field.annotation) if field else None
    return model
