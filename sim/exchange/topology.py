"""The organisation as a graph: AD sites joined by IP site links, and the servers in each site.

Routing between AD sites follows Exchange 2007 (DOMAIN.md section 2). Each source site gets one
least-cost tree over the site links (the link's Exchange cost where set, else its AD cost), and
ties among equal-cost paths are broken the way Exchange does, never by load balancing:

1. lowest total cost;
2. fewest hops (site links crossed);
3. the alphanumerically lower name of the AD site that precedes the destination on the path
   ({A-B-D} beats {A-C-D}); if that is the same site, the site before it, and so on back to the
   source. Names compare case-insensitively (AD site names are; the exact collation Exchange uses
   is UNCONFIRMED), with the exact spelling as a last resort so the result is always one path.

Mail is relayed directly from the source Hub to a Hub of the target site (direct relay), unless a
hub site (`Set-AdSite -HubSiteEnabled`) lies strictly between them on the least-cost path: then it
stops at the first hub site, whose Hub re-categorizes it and routes it on. `Route.next_hop` is that
site, and a route's latency, bandwidth and transfer time describe the SMTP transfer to it.

Each route is computed once per (source, target) pair and cached, so the per-message cost of
routing does not grow with the number of sites.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise

import networkx as nx

from ..scenario.perimeter import Internet
from ..scenario.schema import Scenario


def site_order(name: str) -> tuple[str, str]:
    """Sort key of an AD site name for tie-breaks and tables: case-insensitive, then exact."""
    return name.casefold(), name


@dataclass(frozen=True)
class Route:
    """How mail from one AD site reaches another, and why this path was chosen."""

    path: tuple[str, ...]  # AD sites of the whole least-cost path, source to target
    cost: int  # total routing cost of the path (Exchange cost where set)
    latency: float  # seconds, one way, summed over the links of `segment`
    bandwidth: float  # bits per second of the slowest link of `segment`
    next_hop: str  # the AD site the source Hub relays to (first hub site on the path, else target)
    segment: tuple[str, ...]  # AD sites from the source to next_hop: the SMTP transfer that happens
    reason: str  # one line for people: the path, its cost, a deciding tie-break, the relay

    @property
    def source(self) -> str:
        """The AD site the route starts from."""
        return self.path[0]

    @property
    def target(self) -> str:
        """The AD site the route ends at."""
        return self.path[-1]

    @property
    def hops(self) -> int:
        """Site links crossed on the whole path."""
        return len(self.path) - 1

    def transfer_time(self, size_bytes: float) -> float:
        """Time to move a message of `size_bytes` to a Hub of next_hop: latency plus bytes over bandwidth."""
        return self.latency + size_bytes * 8.0 / self.bandwidth

    @property
    def free(self) -> bool:
        """True when a transfer costs no time at all (no latency, unlimited bandwidth)."""
        return self.latency == 0 and self.bandwidth == float("inf")


def internet_route(site: str, internet: Internet) -> Route:
    """The path from a site's servers to remote hosts: the scenario's Internet latency and bandwidth."""
    return Route(
        (site, "Internet"),
        0,
        internet.latency,
        internet.bandwidth,
        "Internet",
        (site, "Internet"),
        f"from {site} to a remote host over the Internet",
    )


class _Tree:
    """The least-cost paths from one source site to every site it can reach."""

    __slots__ = ("dist", "max_hops")

    def __init__(self, dist: dict[str, int], max_hops: dict[str, int]) -> None:
        self.dist = dist  # cost * scale + hops: lowest cost first, then fewest hops
        self.max_hops = max_hops  # most hops of any lowest-cost path (for explaining the hop tie-break)


class Topology:
    """Sites, servers and routes of one scenario, with servers numbered for fast lookup."""

    def __init__(self, scenario: Scenario) -> None:
        self.graph = nx.Graph()
        self.site_names = [site.name for site in scenario.sites]
        self.graph.add_nodes_from(self.site_names)
        for link in scenario.site_links:
            a, b = link.sites
            # Two links joining the same pair of sites: routing only ever uses the cheaper one (the first on a tie).
            if self.graph.has_edge(a, b) and self.graph.edges[a, b]["cost"] <= link.routing_cost:
                continue
            self.graph.add_edge(
                a,
                b,
                cost=link.routing_cost,
                latency=link.latency,
                bandwidth=link.bandwidth,
                exchange_cost=link.exchange_cost is not None,
            )
        self._scale = len(self.site_names) + 1  # more than any path's hop count
        self.hub_sites = {site.name for site in scenario.sites if site.hub_site}
        self.servers: list[str] = []  # every server name, by index
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
        self._trees: dict[str, _Tree] = {}
        self._make_route_cache()

    # -- servers ---------------------------------------------------------------------------------
    def server_index(self, name: str, site: str) -> int:
        """The index of a server (or of another name mail goes to, such as 'Internet'), made on first use."""
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

    def mailbox_slots(self) -> tuple[list[int], list[int]]:
        """(bounds, server indexes): mailbox m is on server_indexes[bisect_right(bounds, m)] (mailbox_server_of)."""
        return self._mailbox_bounds, self._mailbox_server_index

    def first_mailbox(self, server: str) -> int:
        """The organisation-wide number of a Mailbox server's first mailbox."""
        return self._mailbox_first[self.mailbox_servers.index(server)]

    # -- routing ---------------------------------------------------------------------------------
    def _make_route_cache(self) -> None:
        # One cache per Topology (not one on the class, which would keep every Topology alive):
        # `topology.route.cache_info()` shows the hits.
        self.route = lru_cache(maxsize=None)(self._route)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["route"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._make_route_cache()

    def route(self, source: str, target: str) -> Route:  # replaced per instance by a cached _route
        """The route from AD site `source` to AD site `target` (cached: computed once per pair)."""
        return self._route(source, target)

    def routing_table(self, site: str) -> list[Route]:
        """The routes from `site` to every other site it can reach, in name order (unreachable sites left out)."""
        tree = self._tree(site)
        return [
            self.route(site, target)
            for target in sorted(self.site_names, key=site_order)
            if target != site and target in tree.dist
        ]

    def reachable(self, source: str, target: str) -> bool:
        """Whether a site-link path joins the two sites."""
        return target in self._tree(source).dist

    def along(self, path: tuple[str, ...]) -> Route:
        """The transfer along a given path of AD sites (the first part of a least-cost path, when mail backs
        off to a closer site): its latency, slowest link and cost."""
        links = [self.graph.edges[a, b] for a, b in pairwise(path)]
        latency = sum(link["latency"] for link in links)
        bandwidth = min((link["bandwidth"] for link in links), default=float("inf"))
        cost = sum(link["cost"] for link in links)
        reason = f"backing off along {'>'.join(path)} to the closest site that answers (queue at point of failure)"
        return Route(tuple(path), cost, latency, bandwidth, path[-1], tuple(path), reason)

    def path_cost(self, source: str, target: str) -> int | None:
        """Cost of the least-cost path between two AD sites, or None when no site link path joins them."""
        return self.route(source, target).cost if self.reachable(source, target) else None

    def _check_site(self, name: str) -> None:
        if name not in self.graph:
            raise ValueError(f"unknown AD site {name!r} (sites: {', '.join(self.site_names)})")

    def _route(self, source: str, target: str) -> Route:
        """The least-cost route between two AD sites with Exchange's tie-breaks (see the module docstring)."""
        self._check_site(source)
        self._check_site(target)
        if source == target:
            return Route((source,), 0, 0.0, float("inf"), source, (source,),
                         f"same AD site {source}: delivered by its own Hubs, no site link crossed")  # fmt: skip
        tree = self._tree(source)
        if target not in tree.dist:
            raise ValueError(f"no route from AD site {source!r} to {target!r}: no IP site link path joins them")
        path, decided = self._least_cost_path(tree, source, target)
        cost, hops = divmod(tree.dist[target], self._scale)
        # Direct relay, unless a hub site lies strictly between source and target.
        hub_stops = [s for s in path[1:-1] if s in self.hub_sites and self.hubs_by_site.get(s)]
        next_hop = hub_stops[0] if hub_stops else target
        segment = tuple(path[: path.index(next_hop) + 1])
        links = [self.graph.edges[a, b] for a, b in pairwise(segment)]
        latency = sum(link["latency"] for link in links)
        bandwidth = min(link["bandwidth"] for link in links)
        reason = self._reason(path, cost, hops, tree.max_hops[target], decided, hub_stops)
        return Route(tuple(path), cost, latency, bandwidth, next_hop, segment, reason)

    def _least_cost_path(self, tree: _Tree, source: str, target: str) -> tuple[list[str], tuple | None]:
        """The path and, where the site-name tie-break decided, (chosen, other, the site after them).

        Walk back from the target over links that keep (cost, hops) optimal, taking the lowest site name
        each time: that is the lowest-cost, fewest-hop path whose sites, read from the destination back,
        sort first, which is Exchange's third tie-break.
        """
        scale, graph, dist = self._scale, self.graph, tree.dist
        path, node, decided = [target], target, None
        while node != source:
            before = sorted((y for y in graph.adj[node]
                             if y in dist and dist[y] + graph.edges[y, node]["cost"] * scale + 1 == dist[node]),
                            key=site_order)  # fmt: skip
            if decided is None and len(before) > 1:
                decided = (before[0], before[1], node)
            node = before[0]
            path.append(node)
        path.reverse()
        return path, decided

    def _reason(self, path: list[str], cost: int, hops: int, most_hops: int, decided: tuple | None,
                hub_stops: list[str]) -> str:  # fmt: skip
        """Why this route: the path and cost, and each rule that decided (Exchange cost, hops, names, hub sites)."""
        target = path[-1]
        reason = f"least-cost path {'>'.join(path)}, cost {cost}"
        exchange = [f"{a}-{b}" for a, b in pairwise(path) if self.graph.edges[a, b]["exchange_cost"]]
        if exchange:
            reason += f" (Exchange cost on {', '.join(exchange)})"
        if most_hops > hops:
            reason += f"; fewest hops ({hops}) beat an equal-cost path of {most_hops} hops"
        if decided is not None:
            chosen, other, after = decided
            where = "the destination" if after == target else after
            reason += f"; at equal cost and hops {chosen} sorts before {other} as the site before {where}"
        if hub_stops:
            reason += f"; stops at hub site {hub_stops[0]}"
            if len(hub_stops) > 1:
                reason += f" (then {', '.join(hub_stops[1:])})"
        else:
            reason += f"; direct relay to {target}"
        hubless = [s for s in path[1:-1] if s in self.hub_sites and not self.hubs_by_site.get(s)]
        if hubless:
            reason += f"; hub site {', '.join(hubless)} has no Hub Transport server and is passed over (UNCONFIRMED)"
        return reason

    def _tree(self, source: str) -> _Tree:
        """Lowest (cost, hops) from `source` to every reachable site, computed once per source."""
        tree = self._trees.get(source)
        if tree is None:
            self._check_site(source)
            scale, graph = self._scale, self.graph
            dist = nx.single_source_dijkstra_path_length(graph, source, weight=lambda u, v, d: d["cost"] * scale + 1)
            # Most hops among the lowest-cost paths to each site, only to say when the hop tie-break decided.
            max_hops: dict[str, int] = {}
            for node in sorted(dist, key=lambda n: dist[n] // scale):  # every link costs at least 1
                cost = dist[node] // scale
                max_hops[node] = max(
                    (
                        max_hops[y] + 1
                        for y in graph.adj[node]
                        if y in max_hops and dist[y] // scale + graph.edges[y, node]["cost"] == cost
                    ),
                    default=0,
                )
            tree = self._trees[source] = _Tree(dict(dist), max_hops)
        return tree
