"""The organisation as a graph: AD sites joined by IP site links, and the servers in each site.

Routing between AD sites is least-cost over the site links (Exchange cost where set, else AD cost),
computed once per pair and cached, so the per-message cost of routing does not grow with the number
of sites. Mail is relayed directly from the source Hub to a Hub of the target site (direct relay):
the path matters for the transfer time (latencies add up, the slowest link bounds the bandwidth).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import networkx as nx

from .scenario import Scenario


@dataclass(frozen=True)
class Route:
    """How mail from one AD site reaches another."""

    path: tuple[str, ...]          # AD sites from source to target
    cost: int
    latency: float                 # seconds, one way, summed over the links
    bandwidth: float               # bits per second of the slowest link

    def transfer_time(self, size_bytes: float) -> float:
        return self.latency + size_bytes * 8.0 / self.bandwidth


class Topology:
    """Sites, servers and routes of one scenario, with servers numbered for fast lookup."""

    def __init__(self, scenario: Scenario) -> None:
        self.graph = nx.Graph()
        self.site_names = [site.name for site in scenario.sites]
        self.graph.add_nodes_from(self.site_names)
        for link in scenario.site_links:
            self.graph.add_edge(*link.sites, cost=link.routing_cost, latency=link.latency, bandwidth=link.bandwidth)
        self.servers: list[str] = []          # every server name, by index
        self.server_site: list[str] = []
        self.hubs_by_site: dict[str, list[str]] = {}
        self.mailbox_servers: list[str] = []  # in file order; mailbox indexes run across them in this order
        self.mailbox_counts: list[int] = []
        for site in scenario.sites:
            self.hubs_by_site[site.name] = [hub.name for hub in site.all_hubs]
            for name in [h.name for h in site.hubs] + [m.name for m in site.mailbox_servers]:
                self.server_index(name, site.name)
            for mailbox_server in site.mailbox_servers:
                self.mailbox_servers.append(mailbox_server.name)
                self.mailbox_counts.append(mailbox_server.mailboxes)
        self._mailbox_bounds = list(accumulate(self.mailbox_counts))
        self._mailbox_first = [b - c for b, c in zip(self._mailbox_bounds, self.mailbox_counts)]
        self.total_mailboxes = self._mailbox_bounds[-1] if self._mailbox_bounds else 0
        self._mailbox_server_index = [self.index[name] for name in self.mailbox_servers]

    def server_index(self, name: str, site: str) -> int:
        if not hasattr(self, "index"):
            self.index: dict[str, int] = {}
        if name not in self.index:
            self.index[name] = len(self.servers)
            self.servers.append(name)
            self.server_site.append(site)
        return self.index[name]

    def mailbox_server_of(self, mailbox: int) -> int:
        """Server index of the Mailbox server holding organisation mailbox number `mailbox`."""
        return self._mailbox_server_index[bisect_right(self._mailbox_bounds, mailbox)]

    def first_mailbox(self, server: str) -> int:
        """The organisation-wide number of a Mailbox server's first mailbox."""
        return self._mailbox_first[self.mailbox_servers.index(server)]

    @lru_cache(maxsize=None)
    def route(self, source: str, target: str) -> Route:
        """The least-cost route between two AD sites (cached: computed once per pair)."""
        if source == target:
            return Route((source,), 0, 0.0, float("inf"))
        path = nx.shortest_path(self.graph, source, target, weight="cost")
        links = [self.graph.edges[a, b] for a, b in zip(path, path[1:])]
        return Route(tuple(path), sum(l["cost"] for l in links), sum(l["latency"] for l in links),
                     min(l["bandwidth"] for l in links))
