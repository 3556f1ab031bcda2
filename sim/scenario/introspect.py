"""Walking the scenario schema's types: which model a field holds, and whether it holds a list.

Used to suggest key names in validation messages and to create missing levels for `--set` paths.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (directly, in a list or a union), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found:
            return found
    return None


def is_list_field(field: Any) -> bool:
    """True when a pydantic field holds a list (possibly in a union with other types)."""
    origin = typing.get_origin(field.annotation) if field else None
    return origin is list or (
        origin in (typing.Union, types.UnionType)
        and any(typing.get_origin(a) is list for a in typing.get_args(field.annotation))
    )
