"""Names as Exchange and Active Directory compare them: case-insensitively.

Windows computer names, AD site names and connector names ignore case, so a scenario may write
`hub1` where the server is `HUB1`; every lookup by name goes through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(mapping: Mapping[str, T], name: str) -> T | None:
    """The value for `name` in `mapping`, matching the key exactly first, then ignoring case; None if absent."""
    found = mapping.get(name)
    if found is None:
        folded = name.casefold()
        found = next((value for key, value in mapping.items() if key.casefold() == folded), None)
    return found
