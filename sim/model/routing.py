"""The queues a transport server's routing decisions lead to, made when first needed and cached.

The decisions themselves are Exchange's rules (sim.exchange.routing and topology); here each one is
turned into a queue of the model: a remote delivery queue toward an AD site, a relay queue to other
servers of the site, a queue to a remote domain or smart host, the Unreachable queue, or an NDR.
Every decision depends on (server, destination) only, so the per-message cost of routing stays flat
however many sites and connectors there are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exchange.policies import RoundRobin
from ..exchange.routing import INFINITE, DomainRouting, NextHop, Server
from .roles.internet_queue import InternetQueue
from .roles.relay import RelayStation

if TYPE_CHECKING:
    from .context import Context


class NdrSink:
    """A next hop that fails every recipient it gets with one status."""

    __slots__ = ("server", "status")

    def __init__(self, server, status: str) -> None:
        self.server = server
        self.status = status

    def put(self, msg) -> None:
        """Fail the copy's recipients: an NDR from the server that routed it."""
        self.server.ndr(msg, self.status)


class Router:
    """The routing decisions of one organisation, as the queues they lead to."""

    def __init__(self, model: Context) -> None:
        self.model = model
        self.topology = model.topology
        self.book = model.addresses
        self.servers: dict = {}  # name -> Hub or Edge object, filled by the model
        self.hubs_by_site: dict[str, list] = {}
        self.rules: DomainRouting | None = None
        self._sinks: dict[tuple[str, str], NdrSink] = {}
        self.decisions: dict[tuple[str, str], str] = {}  # (server, domain) -> why, for teaching
        self.disabled: set[str] = set()  # Send connectors a fault disabled

    def add_server(self, server, site: str) -> None:
        """Register a Hub or Edge (an Edge under the site it is subscribed to)."""
        self.servers[server.name] = server
        if server.role == "Hub":
            self.hubs_by_site.setdefault(site, []).append(server)

    def _rules(self) -> DomainRouting:
        if self.rules is None:
            servers = [
                Server(s.name, s.role, s.subscribed_site if s.role == "Edge" else s.site) for s in self.servers.values()
            ]
            self.rules = DomainRouting(self.model.scenario, self.topology, servers, frozenset(self.disabled))
        return self.rules

    def disable(self, connector: str) -> None:
        """A fault disables a Send connector: mail routed from now on goes elsewhere (or to Unreachable)."""
        self.disabled.add(connector)
        self._rerouted()

    def enable(self, connector: str) -> None:
        """The connector is enabled again: routes are decided afresh and the Unreachable queues resubmitted."""
        self.disabled.discard(connector)
        self._rerouted()
        for server in self.servers.values():
            server.unreachable.resubmit(server.categorizer)

    def _rerouted(self) -> None:
        self.rules = None
        self.decisions.clear()
        for server in self.servers.values():
            server.domain_hops.cache.clear()

    # -- toward AD sites ---------------------------------------------------------------------------
    def site_queue(self, server, site: str):
        """The remote delivery queue from `server` toward AD site `site` (its route's next hop)."""
        route = self.topology.route(server.site, site)
        next_site = route.next_hop

        def make():
            return RelayStation(self.model, server, next_site, "SmtpRelayToRemoteAdSite",
                                RoundRobin(self.hubs_by_site[next_site]), route, backoffs=self._backoffs(route))  # fmt: skip

        return server.queue_for(("site", next_site), make)

    def inbound_queue(self, edge):
        """An Edge's queue to the Hubs of its subscribed site (the EdgeSync inbound connector)."""
        site = edge.subscribed_site

        def make():
            return RelayStation(
                self.model,
                edge,
                f"EdgeSync - Inbound to {site}",
                "SmtpRelayToRemoteAdSite",
                RoundRobin(self.hubs_by_site[site]),
                self.topology.route(site, site),
                connector=f"EdgeSync - Inbound to {site}",
            )

        return edge.queue_for(("inbound", site), make)

    def _backoffs(self, route) -> tuple:
        """Where mail backs off when no Hub of the next hop answers (queue at point of failure, DOMAIN.md 2):
        the sites with Hubs strictly between source and next hop, closest to the next hop first, each with
        the route along the same path and a round robin over its Hubs."""
        segment = route.segment
        backoffs = []
        for depth in range(len(segment) - 2, 0, -1):
            site = segment[depth]
            if self.hubs_by_site.get(site):
                backoffs.append((self.topology.along(segment[: depth + 1]), RoundRobin(self.hubs_by_site[site])))
        return tuple(backoffs)

    # -- domains -----------------------------------------------------------------------------------
    def for_domain(self, server, domain_index: int, size: float) -> tuple[object, float]:
        """(next hop, largest message size it is good for) for a recipient in domain `domain_index`."""
        domain = self.book.domains[domain_index]
        site = server.subscribed_site if server.role == "Edge" else server.site
        hop = self._rules().next_hop(Server(server.name, server.role, site), domain, size)
        self.decisions.setdefault((server.name, domain), hop.reason)
        return self._hop_queue(server, hop), hop.max_size

    def _hop_queue(self, server, hop: NextHop):
        if hop.kind == "inbound":
            return self.inbound_queue(server)
        if hop.kind == "ndr":
            return self._sink(server, hop.status)
        if hop.kind == "unreachable":
            return server.unreachable
        if hop.kind == "site":
            return self.site_queue(server, hop.site)
        if hop.kind in ("dns", "smart_host"):
            return self._internet_queue(server, hop)
        sources = [self.servers[name] for name in hop.sources]
        site_route = self.topology.route(server.site, server.site)

        def make():
            return RelayStation(
                self.model,
                server,
                hop.connector.name,
                hop.relay_type,
                RoundRobin(sources),
                site_route,
                connector=hop.connector.name,
            )

        return server.queue_for(("connector", hop.connector.name), make)

    def _internet_queue(self, server, hop: NextHop):
        connector = hop.connector
        if hop.kind == "smart_host":
            host = connector.smart_hosts[0]
            key, name, kind = ("smart_host", host), host, "SmartHostConnectorDelivery"
        else:
            key, name, kind, host = ("dns", hop.domain), hop.domain, "DnsConnectorDelivery", f"mx.{hop.domain}"

        def make():
            return InternetQueue(self.model, server, name, kind, host, connector.name)

        return server.queue_for(key, make)

    def _sink(self, server, status: str) -> NdrSink:
        key = (server.name, status)
        if key not in self._sinks:
            self._sinks[key] = NdrSink(server, status)
        return self._sinks[key]


__all__ = ["INFINITE", "NdrSink", "Router"]
