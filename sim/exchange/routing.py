"""Where a transport server sends a recipient outside its own mailboxes: Exchange's rules, no SimPy.

For a Hub (DOMAIN.md 2 and 4):
- an address of an Authoritative domain that no mailbox holds: an NDR (5.1.1);
- any other domain (Internal Relay, External Relay, or not accepted): the Send connector chosen by
  `select_send_connector`; no connector: the Unreachable queue. The connector's source servers
  decide the hop: this Hub itself (a queue to the domain by MX, or to the smart host), other Hubs
  of the site (relay within the site), Edges of the site's subscription (relay to the Edge), or
  servers in another site (relay toward that site).
For an Edge: mail for accepted domains goes in to the Hubs of the subscribed site; other mail leaves
through the Edge's own Send connectors.

Each decision depends on (server, domain, whether the message fits) only, so the model makes it once
and caches it; the decisions and their reasons are kept with the results for `exsim trace`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..scenario.connectors import SendConnector
from ..scenario.schema import Scenario
from .domains import classify_domain
from .send_connectors import effective_send_connectors, select_send_connector
from .status import UNKNOWN_RECIPIENT
from .topology import Topology

INFINITE = float("inf")
HopKind = Literal["inbound", "ndr", "unreachable", "site", "dns", "smart_host", "relay"]


@dataclass(frozen=True)
class NextHop:
    """Where mail for one domain goes from one server, for messages up to `max_size` bytes, and why."""

    kind: HopKind
    reason: str
    max_size: float = INFINITE
    site: str = ""  # site: the AD site to relay toward
    connector: SendConnector | None = None  # dns, smart_host, relay: the Send connector used
    domain: str = ""  # dns: the recipient domain whose MX hosts are used
    sources: tuple[str, ...] = ()  # relay: the connector's source servers in this site
    relay_type: str = ""  # relay: SmtpRelayWithinAdSite or SmtpRelayWithinAdSiteToEdge
    status: str = ""  # ndr: the recipient-status of the NDR


@dataclass(frozen=True)
class Server:
    """What routing needs to know of a transport server: its name, role and AD site."""

    name: str
    role: Literal["Hub", "Edge"]
    site: str  # for an Edge, the site it is subscribed to


class DomainRouting:
    """The next hop of every (server, recipient domain) in one organisation."""

    def __init__(self, scenario: Scenario, topology: Topology, servers: list[Server],
                 disabled: frozenset[str] = frozenset()) -> None:  # fmt: skip
        self.topology = topology
        self.accepted = scenario.effective_accepted_domains
        self.connectors = [c.model_copy(update={"enabled": False}) if c.name in disabled else c
                           for c in effective_send_connectors(scenario)]  # fmt: skip
        self.servers = {server.name.casefold(): server for server in servers}
        self.site_of_server = {server.name: server.site for server in servers}

    def next_hop(self, server: Server, domain: str, size: float) -> NextHop:
        """Where a recipient in `domain` goes from `server` for a message of `size` bytes."""
        accepted = classify_domain(domain, self.accepted)
        kind = accepted.type if accepted is not None else "external"
        if server.role == "Edge" and kind in ("authoritative", "internal_relay"):
            return NextHop("inbound", f"{domain} is an accepted domain ({kind}): in to the Hubs")
        if kind == "authoritative":
            return NextHop(
                "ndr",
                f"{domain} is Authoritative and no mailbox has the address: NDR 5.1.1",
                status=UNKNOWN_RECIPIENT.status(),
            )
        choice = select_send_connector(
            domain, size, server.site, server.name, self.connectors, self.site_of_server, self.topology.path_cost
        )
        if choice is None:
            return NextHop("unreachable", f"no Send connector for {domain} ({kind}): Unreachable queue")
        connector = choice.connector
        max_size = connector.max_message_size if connector.max_message_size is not None else INFINITE
        reason = f"{domain} ({kind}): {choice.reason}"
        if server.name.casefold() in (name.casefold() for name in connector.source_servers):
            kind_out = "smart_host" if connector.delivery == "smart_host" else "dns"
            return NextHop(kind_out, reason, max_size, connector=connector, domain=domain)
        if server.role == "Edge":
            return NextHop("unreachable", reason + "; an Edge sends only through its own connectors", max_size)
        if choice.source_site != server.site:
            return NextHop("site", reason, max_size, site=choice.source_site, connector=connector)
        sources = tuple(
            self.servers[n.casefold()].name for n in connector.source_servers if n.casefold() in self.servers
        )
        to_edge = bool(sources) and self.servers[sources[0].casefold()].role == "Edge"
        return NextHop(
            "relay",
            reason,
            max_size,
            connector=connector,
            sources=sources,
            relay_type="SmtpRelayWithinAdSiteToEdge" if to_edge else "SmtpRelayWithinAdSite",
        )
