"""Cross-checks on IP site links: they join known, different sites, and every site with mail is reachable.

A walk of the links rather than networkx, so loading a scenario stays quick (the CLI's start-up).
"""

from __future__ import annotations

from ..errors import Problem, nearest
from . import read


def _reachable(neighbours: dict[str, set[str]], start: str) -> set[str]:
    """Every site joined to `start` by site links."""
    seen, todo = {start}, [start]
    while todo:
        for other in neighbours.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def site_links(raw: dict, sites: list[dict]) -> list[Problem]:
    """Each link joins two known, different sites; every site with Mailbox servers reaches the others."""
    names = [n for n in map(read.name, sites) if n]
    problems: list[Problem] = []
    neighbours: dict[str, set[str]] = {name: set() for name in names}
    for i, link in enumerate(read.items(raw.get("site_links"))):
        ends = read.get(link, "sites")
        if not isinstance(ends, (list, tuple)) or len(ends) != 2:
            continue  # the shape check reports it
        for j, site in enumerate(ends):
            if site not in names:
                problems.append(
                    Problem(f"site_links[{i}].sites[{j}]", f"unknown site {site!r}{nearest(str(site), names)}")
                )
        if ends[0] == ends[1]:
            problems.append(Problem(f"site_links[{i}].sites", "a site link joins two different sites"))
        if not problems:
            neighbours[ends[0]].add(ends[1])
            neighbours[ends[1]].add(ends[0])
    if problems:
        return problems
    with_mail = [read.name(s) for s in sites if read.items(s.get("mailbox_servers")) and read.name(s)]
    reached = _reachable(neighbours, with_mail[0]) if with_mail else set()
    for site in with_mail[1:]:
        if site not in reached:
            problems.append(
                Problem(
                    "site_links",
                    f"no site link path between {with_mail[0]!r} and {site!r}; add a site link joining them",
                )
            )
    return problems
