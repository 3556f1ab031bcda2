"""Where a transport server sends each recipient: the routing decisions, made once and cached.

For a Hub (DOMAIN.md 2 and 4):
- a mailbox in this site: its mailbox delivery queue; a mailbox in another site: the remote delivery
  queue of the route's next hop (the target site by direct relay, or a hub site on the way);
- an address of an Authoritative domain that no mailbox holds: an NDR (5.1.1);
- any other domain (Internal Relay, External Relay, or not accepted): the Send connector chosen by
  sim.connectors.select_send_connector; no connector: the Unreachable queue. The connector's source
  servers decide the queue: this Hub itself (a queue to the domain by MX, or to the smart host), other
  Hubs of the site (relay within the site), Edges of the site's subscription (relay to the Edge), or
  servers in another site (relay toward that site).
For an Edge: mail for accepted domains goes in to the Hubs of the subscribed site; other mail leaves
through the Edge's own Send connectors.

Every decision depends on (server, destination) only, so the per-message cost of routing stays flat
however many sites and connectors there are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .connector_choice import select_send_connector
from .connectors import SendConnector, classify_domain
from .policies import RoundRobin
from .roles.queues import InternetQueue, RelayStation

if TYPE_CHECKING:
    from .model import Model

UNKNOWN_RECIPIENT = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"   # E2007 NDR text, UNCONFIRMED
INFINITE = float("inf")


class NdrSink:
    """A next hop that fails every recipient it gets with one status."""

    __slots__ = ("server", "status")

    def __init__(self, server, status: str) -> None:
        self.server = server
        self.status = status

    def put(self, msg) -> None:
        self.server.ndr(msg, self.status)


def effective_send_connectors(scenario) -> list[SendConnector]:
    """The scenario's Send connectors plus, per subscribed site, the Edge Subscription's Internet connector.

    DOMAIN.md 1.3: subscribing an Edge creates the Send connector "EdgeSync - SITE to Internet" (address
    space *, source servers the site's Edges) unless the scenario already gives those Edges one.
    """
    connectors = list(scenario.send_connectors)
    sourced = {server for connector in connectors for server in connector.source_servers}
    sites: dict[str, list[str]] = {}
    for edge in scenario.edges:
        sites.setdefault(edge.subscribed_site, []).append(edge.name)
    for site, edges in sites.items():
        if not sourced.intersection(edges):
            connectors.append(SendConnector(name=f"EdgeSync - {site} to Internet", address_spaces=["*"],
                                            source_servers=edges))
    return connectors


class Router:
    """The routing decisions of one organisation."""

    def __init__(self, model: "Model") -> None:
        scenario = model.scenario
        self.model = model
        self.topology = model.topology
        self.book = model.addresses
        self.accepted = scenario.effective_accepted_domains
        self.connectors = effective_send_connectors(scenario)
        self.servers: dict = {}          # name -> Hub or Edge object, filled by the model
        self.hubs_by_site: dict[str, list] = {}
        self.site_of_server: dict[str, str] = {}
        self._sinks: dict[tuple[str, str], NdrSink] = {}
        self.decisions: dict[tuple[str, int], str] = {}   # (server, domain index) -> why, for teaching

    def add_server(self, server, site: str) -> None:
        self.servers[server.name] = server
        self.site_of_server[server.name] = site
        if server.role == "Hub":
            self.hubs_by_site.setdefault(site, []).append(server)

    # -- toward AD sites ---------------------------------------------------------------------------
    def site_queue(self, server, site: str):
        """The remote delivery queue from `server` toward AD site `site` (its route's next hop)."""
        route = self.topology.route(server.site, site)
        next_site = route.next_hop

        def make():
            return RelayStation(self.model, server, next_site, "SmtpRelayToRemoteAdSite",
                                RoundRobin(self.hubs_by_site[next_site]), route.latency, route.bandwidth)
        return server.queue_for(("site", next_site), make)

    def inbound_queue(self, edge):
        """An Edge's queue to the Hubs of its subscribed site (the EdgeSync inbound connector)."""
        site = edge.subscribed_site

        def make():
            return RelayStation(self.model, edge, f"EdgeSync - Inbound to {site}", "SmtpRelayToRemoteAdSite",
                                RoundRobin(self.hubs_by_site[site]), connector=f"EdgeSync - Inbound to {site}")
        return edge.queue_for(("inbound", site), make)

    # -- domains -----------------------------------------------------------------------------------
    def for_domain(self, server, domain_index: int, size: float) -> tuple[object, float]:
        """(next hop, largest message size it is good for) for a recipient in domain `domain_index`."""
        domain = self.book.domains[domain_index]
        accepted = classify_domain(domain, self.accepted)
        kind = accepted.type if accepted is not None else "external"
        if server.role == "Edge" and kind in ("authoritative", "internal_relay"):
            self._why(server, domain_index, f"{domain} is an accepted domain ({kind}): in to the Hubs")
            return self.inbound_queue(server), INFINITE
        if kind == "authoritative":
            self._why(server, domain_index, f"{domain} is Authoritative and no mailbox has the address: NDR 5.1.1")
            return self._sink(server, UNKNOWN_RECIPIENT), INFINITE
        site = server.subscribed_site if server.role == "Edge" else server.site
        choice = select_send_connector(domain, size, site, server.name, self.connectors, self.site_of_server,
                                       self._path_cost)
        if choice is None:
            self._why(server, domain_index, f"no Send connector for {domain} ({kind}): Unreachable queue")
            return server.unreachable, INFINITE
        connector = choice.connector
        max_size = connector.max_message_size if connector.max_message_size is not None else INFINITE
        self._why(server, domain_index, f"{domain} ({kind}): {choice.reason}")
        return self._connector_queue(server, connector, choice.source_site, domain), max_size

    def _path_cost(self, source: str, target: str) -> int | None:
        """Least-cost path cost between two sites; None when no site link joins them (connector out of reach)."""
        return self.topology.path_cost(source, target)

    def _connector_queue(self, server, connector: SendConnector, source_site: str, domain: str):
        if server.name.lower() in (name.lower() for name in connector.source_servers):
            return self._internet_queue(server, connector, domain)
        if server.role == "Edge":
            return server.unreachable   # an Edge sends only through its own connectors
        if source_site != server.site:
            return self.site_queue(server, source_site)
        by_name = {name.lower(): obj for name, obj in self.servers.items()}
        sources = [by_name[name.lower()] for name in connector.source_servers if name.lower() in by_name]
        if sources and sources[0].role == "Edge":
            kind = "SmtpRelayWithinAdSiteToEdge"
        else:
            kind = "SmtpRelayWithinAdSite"

        def make():
            return RelayStation(self.model, server, connector.name, kind, RoundRobin(sources), connector=connector.name)
        return server.queue_for(("connector", connector.name), make)

    def _internet_queue(self, server, connector: SendConnector, domain: str):
        if connector.delivery == "smart_host":
            host = connector.smart_hosts[0]
            key, name, kind = ("smart_host", host), host, "SmartHostConnectorDelivery"
        else:
            key, name, kind, host = ("dns", domain), domain, "DnsConnectorDelivery", f"mx.{domain}"

        def make():
            return InternetQueue(self.model, server, name, kind, host, connector.name)
        return server.queue_for(key, make)

    def _sink(self, server, status: str) -> NdrSink:
        key = (server.name, status)
        if key not in self._sinks:
            self._sinks[key] = NdrSink(server, status)
        return self._sinks[key]

    def _why(self, server, domain_index: int, text: str) -> None:
        self.decisions.setdefault((server.name, domain_index), text)
