"""A small YAML writer that keeps comments: each derived figure says where it came from, beside it.

Why not a library: PyYAML drops comments and ruamel.yaml would be a new dependency for one file a run;
what a calibrated scenario needs is a handful of shapes (mappings, lists of mappings, short inline lists,
scalars), each value with an end-of-line comment or comment lines above it. `dump` checks its own output:
what it writes must load back (yaml.safe_load) to exactly the data given.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import yaml

WIDTH = 110
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/ ()]*[A-Za-z0-9_.)]$|^[A-Za-z]$")
_QUANTITY = re.compile(r"^\d+(\.\d+)?[A-Za-z][A-Za-z0-9]*(/[A-Za-z]+)?$|^\d+(\.\d+)?/[a-z]+$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


@dataclass(frozen=True)
class Note:
    """A value with its comment: `comment` at the end of its line, `above` as comment lines before it."""

    value: object
    comment: str = ""
    above: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inline:
    """A list or mapping written on one line (wrapped when long): `[1, 2, 3]`, `{name: X, cores: 4}`."""

    value: object


def plain(value: object) -> object:
    """The data without its notes: what `yaml.safe_load` gives back."""
    if isinstance(value, (Note, Inline)):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def scalar(value: object) -> str:
    """One scalar in YAML: numbers always read back as numbers, strings quoted unless plainly strings."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value} into a scenario")
        text = f"{value:.8f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    text = str(value)
    if (_PLAIN.match(text) or _QUANTITY.match(text)) and text.lower() not in _RESERVED and ": " not in text:
        return text
    return json.dumps(text)


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_inline(plain(v))}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(plain(v)) for v in value) + "]"
    return scalar(value)


def _wrap(text: str, indent: int, first_width: int) -> list[str]:
    """An inline list broken after commas so no line is wider than WIDTH (continuations indented)."""
    if first_width + len(text) <= WIDTH:
        return [text]
    lines, line = [], ""
    for part in re.split(r"(?<=,) ", text):
        room = WIDTH - (first_width if not lines else indent)
        if line and len(line) + 1 + len(part) > room:
            lines.append(line)
            line = part
        else:
            line = f"{line} {part}" if line else part
    lines.append(line)
    return [lines[0]] + [" " * indent + rest for rest in lines[1:]]


def _comment(text: str) -> str:
    return f"  # {' '.join(text.split())}" if text else ""


def _unpack(value: object) -> tuple[object, str, tuple[str, ...]]:
    if isinstance(value, Note):
        return value.value, value.comment, value.above
    return value, "", ()


def _is_block(value: object) -> bool:
    if isinstance(value, Inline):
        return False
    if isinstance(value, dict):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return any(isinstance(_unpack(v)[0], dict) for v in value)
    return False


def _mapping(mapping: dict, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    for k, (key, raw) in enumerate(mapping.items()):
        value, comment, above = _unpack(raw)
        pad = first_prefix if (k == 0 and first_prefix is not None) else " " * indent
        for line in above:
            out.append(f"{' ' * indent}# {line}".rstrip())
            if k == 0 and first_prefix is not None:  # the dash goes on the key's line, not the comment's
                pad = first_prefix
        head = f"{pad}{scalar(key)}:"
        if _is_block(value):
            out.append(head + _comment(comment))
            _block(value, indent + 2, out)
        else:
            text = _inline(value.value if isinstance(value, Inline) else value)
            wrapped = _wrap(text, indent + 4, len(head) + 1)
            out.append(f"{head} {wrapped[0]}" + ("" if len(wrapped) > 1 else _comment(comment)))
            out.extend(wrapped[1:-1])
            if len(wrapped) > 1:
                out.append(wrapped[-1] + _comment(comment))


def _block(value: object, indent: int, out: list[str]) -> None:
    if isinstance(value, dict):
        _mapping(value, indent, out)
        return
    for raw in value:
        item, comment, above = _unpack(raw)
        for line in above:
            out.append(f"{' ' * indent}# {line}".rstrip())
        if isinstance(item, dict) and item:
            first = next(iter(item))
            if comment:  # the item's comment goes on the line of its first key
                head, _, head_above = _unpack(item[first])
                item = {first: Note(head, comment, head_above), **dict(list(item.items())[1:])}
            _mapping(item, indent + 2, out, first_prefix=" " * indent + "- ")
        else:
            out.append(f"{' ' * indent}- {_inline(plain(item))}{_comment(comment)}")


def dump(data: dict, header: list[str] = ()) -> str:
    """YAML text for a mapping whose values may carry Notes, with `header` as comment lines on top.
    Raises AssertionError if the text would not load back to the same data."""
    out = [f"# {line}".rstrip() for line in header]
    _mapping(data, 0, out)
    text = "\n".join(out) + "\n"
    if not _same(yaml.safe_load(text), plain(data)):
        raise AssertionError("the YAML written does not load back to the data given")
    return text


def _same(a: object, b: object) -> bool:
    """Equal, floats to the 8 decimals `scalar` writes."""
    if isinstance(b, float) and isinstance(a, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-8 * max(1.0, abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)
