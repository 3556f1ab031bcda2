"""Cross-checks on IP site links: they join known, different sites, and every site with mail is reachable."""

from __future__ import annotations

import networkx as nx

from ..errors import Problem, nearest
from . import read


def site_links(raw: dict, sites: list[dict]) -> list[Problem]:
    """Each link joins two known, different sites; every site with Mailbox servers reaches the others."""
    names = [n for n in map(read.name, sites) if n]
    problems, graph = [], nx.Graph()
    graph.add_nodes_from(names)
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
            graph.add_edge(*ends)
    if problems:
        return problems
    with_mail = [read.name(s) for s in sites if read.items(s.get("mailbox_servers")) and read.name(s)]
    for site in with_mail[1:]:
        if not nx.has_path(graph, with_mail[0], site):
            problems.append(
                Problem(
                    "site_links",
                    f"no site link path between {with_mail[0]!r} and {site!r}; add a site link joining them",
                )
            )
    return problems
