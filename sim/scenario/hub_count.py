"""Changing a site's number of Hubs without losing their settings: `hub_count`, and `--set sites.X.hubs=N`.

A capacity planner varies the Hub count of a site and expects every other setting to stay: the
Hubs kept keep theirs, the Hubs added copy the settings of the site's last Hub (its cores, thread
limits and Receive connectors; not its IP address, which is derived from the new Hub's place), and
they are named by counting on from the last Hub's name (SEA-HUB2 is followed by SEA-HUB3; a name
without a number gets 2, 3, ...), skipping names already taken in the organisation. Fewer Hubs keep
the first N. A site with no Hubs gets N default Hubs named SITE-HUB1, SITE-HUB2, ...
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

NOT_COPIED = ("name", "ip")
"""Settings of the last Hub that a new Hub does not copy."""


def default_hub_names(site: str, count: int) -> list[str]:
    """The names `hubs: N` gives a site's N Hubs: SITE-HUB1, SITE-HUB2, ..."""
    return [f"{site}-HUB{i + 1}" for i in range(count)]


def _plain(hub: Any) -> dict:
    return hub.model_dump(exclude_none=True) if isinstance(hub, BaseModel) else dict(hub)


def next_names(last: str, count: int, taken: set[str]) -> list[str]:
    """`count` new names counting on from `last`, none of them in `taken` (compared without case)."""
    match = re.fullmatch(r"(.*?)(\d+)", last)
    stem, number = (match.group(1), int(match.group(2))) if match else (last, 1)
    names, used = [], {name.upper() for name in taken}
    while len(names) < count:
        number += 1
        name = f"{stem}{number}"
        if name.upper() not in used:
            names.append(name)
            used.add(name.upper())
    return names


def resize_hubs(site: str, hubs: Any, count: int, taken: set[str] | frozenset = frozenset()) -> list:
    """The site's Hubs resized to `count`, as this module's docstring says (hubs: a list, or a count)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError("a Hub count must be a whole number of zero or more")
    if isinstance(hubs, int) and not isinstance(hubs, bool):
        hubs = [{"name": name} for name in default_hub_names(site, hubs)]
    current = [_plain(hub) for hub in (hubs or []) if isinstance(hub, (dict, BaseModel))]
    if not current:
        return [{"name": name} for name in default_hub_names(site, count)]
    if count <= len(current):
        return current[:count]
    last = current[-1]
    settings = {key: value for key, value in last.items() if key not in NOT_COPIED}
    taken = set(taken) | {str(hub.get("name")) for hub in current}
    added = [{"name": name, **settings} for name in next_names(str(last.get("name", f"{site}-HUB")), count -
                                                                 len(current), taken)]  # fmt: skip
    return current + added
