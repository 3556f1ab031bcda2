"""Reading a scenario mapping that may not have the right shape yet, without raising.

The cross-checks run on the raw YAML beside pydantic's shape check, so a file's mistakes are all
reported at once; they must therefore read lists and keys defensively. They also accept validated
models (an attribute where the mapping has a key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def items(value: Any) -> list:
    """`value` if it is a list, else an empty one (the shape check reports what it is instead)."""
    return value if isinstance(value, list) else []


def get(item: Any, key: str) -> Any:
    """`item[key]` of a mapping, or the attribute of a model; None when there is none."""
    if isinstance(item, Mapping):
        return item.get(key)
    if item is None or isinstance(item, (str, int, float, list)):
        return None
    return getattr(item, key, None)


def name(item: Any) -> str | None:
    """The `name` of an item when it is text, else None."""
    value = get(item, "name")
    return value if isinstance(value, str) else None
