"""The Receive connectors every server has: Exchange's defaults, each server's address, and what is assumed.

Where DOMAIN.md is silent or marks a value UNCONFIRMED, the choice made is written here:
- The two default Hub connectors use the E2010 values DOMAIN.md 3 quotes (UNCONFIRMED for 2007).
- Decision: the Edge's default connector "Default internal receive connector SERVER" binds 0.0.0.0:25
  for every remote IP, with permission groups AnonymousUsers, ExchangeServers, Partners and auth
  mechanisms Tls, ExchangeServer. DOMAIN.md says only that it "is also ready to receive mail from
  the Internet" (so AnonymousUsers) and the Edge Subscription authenticates Hubs (so ExchangeServers
  with ExchangeServer auth); Partners is the usual Edge value. UNCONFIRMED.
- Connection limits (DOMAIN.md 5.2, UNCONFIRMED for 2007): the Hub's "Default SERVER" serves unlimited
  connections in all ("the Default connector is 'unlimited'", E2010 [3rd-party]); every other connector
  takes the schema's defaults, 5000 in all (a new connector's E2010 value) and 20 per source (E2010+).
- The Edge's default connector has DomainSecureEnabled true: "The default value for DomainSecureEnabled
  is $true for default Receive connectors defined on an Edge server" (E2010+ New-ReceiveConnector
  reference, DOMAIN.md 3); the other defaults keep false. UNCONFIRMED for 2007.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ...scenario.connectors import MB
from ...scenario.receive import ReceiveConnector, ip_text

if TYPE_CHECKING:  # pragma: no cover
    from ...scenario.schema import Scenario

HUB_DEFAULT_GROUPS = ("ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers")
HUB_DEFAULT_AUTH = ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer")
CLIENT_DEFAULT_GROUPS = ("ExchangeUsers",)
CLIENT_DEFAULT_AUTH = ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS")
EDGE_DEFAULT_GROUPS = ("AnonymousUsers", "ExchangeServers", "Partners")
EDGE_DEFAULT_AUTH = ("Tls", "ExchangeServer")


def hub_default_connectors(server: str) -> list[ReceiveConnector]:
    """'Default SERVER' (25) and 'Client SERVER' (587): E2010 values (DOMAIN.md 3), UNCONFIRMED for 2007."""
    return [
        ReceiveConnector(
            name=f"Default {server}",
            usage="Internal",
            bindings=["0.0.0.0:25"],
            permission_groups=list(HUB_DEFAULT_GROUPS),
            auth_mechanisms=list(HUB_DEFAULT_AUTH),
            max_inbound_connection=None,
        ),
        ReceiveConnector(
            name=f"Client {server}",
            usage="Client",
            bindings=["0.0.0.0:587"],
            permission_groups=list(CLIENT_DEFAULT_GROUPS),
            auth_mechanisms=list(CLIENT_DEFAULT_AUTH),
        ),
    ]


def edge_default_connectors(
    server: str, max_message_size: float | None = 10 * MB, max_recipients_per_message: int = 200
) -> list[ReceiveConnector]:
    """'Default internal receive connector SERVER': see the module docstring (Decision, UNCONFIRMED)."""
    return [
        ReceiveConnector(
            name=f"Default internal receive connector {server}",
            usage="Internet",
            bindings=["0.0.0.0:25"],
            permission_groups=list(EDGE_DEFAULT_GROUPS),
            auth_mechanisms=list(EDGE_DEFAULT_AUTH),
            domain_secure_enabled=True,
            max_message_size=max_message_size,
            max_recipients_per_message=max_recipients_per_message,
        )
    ]


@dataclass(frozen=True)
class ServerInfo:
    """A server that receives SMTP: its role, address and Receive connectors (defaults filled in)."""

    name: str
    role: Literal["hub", "edge"]
    ip: str
    connectors: tuple[ReceiveConnector, ...]
    defaults: bool
    """True when the scenario gave no receive_connectors and the defaults are used."""
    recipient_filtering: bool
    """The server's default for connectors that leave recipient_filtering empty."""
    path: str
    """Key path of the server in the scenario file, e.g. sites[0].hubs[1]."""


def receiving_servers(scenario: Scenario) -> dict[str, ServerInfo]:
    """Every Hub (dedicated or co-located) and Edge, by name, with its IP address and Receive connectors.

    Decision: a server without `ip` gets one derived from its place in the file: Hubs 10.0.0.1, 10.0.0.2 ...
    in file order (dedicated Hubs of a site, then co-located ones, site by site), Edges 172.16.0.1 ...
    (a perimeter network). Addresses given explicitly are skipped when deriving.
    """
    hubs: list[tuple[str, Any, str]] = []
    for i, site in enumerate(scenario.sites):
        hubs += [(f"sites[{i}].hubs[{j}]", hub, hub.name) for j, hub in enumerate(site.hubs)]
        hubs += [
            (f"sites[{i}].mailbox_servers[{j}].hub", mbx.hub, mbx.name)
            for j, mbx in enumerate(site.mailbox_servers)
            if mbx.is_hub
        ]
    edges = [(f"edges[{j}]", edge, edge.name) for j, edge in enumerate(scenario.edges)]
    taken = {spec.ip for _, spec, _ in hubs + edges if spec.ip}
    filtering = any(a.name == "recipient_filtering" and a.enabled for a in scenario.internet.antispam)

    def derive(base: int, counter: list[int]) -> str:
        while True:
            counter[0] += 1
            candidate = ip_text(base + counter[0])
            if candidate not in taken:
                return candidate

    servers: dict[str, ServerInfo] = {}
    hub_counter, edge_counter = [0], [0]
    for path, spec, name in hubs:
        ip = spec.ip or derive(int(ipaddress.IPv4Address("10.0.0.0")), hub_counter)
        given = spec.receive_connectors
        connectors = tuple(given) if given is not None else tuple(hub_default_connectors(name))
        servers[name] = ServerInfo(name, "hub", ip, connectors, given is None, False, path)
    for path, spec, name in edges:
        ip = spec.ip or derive(int(ipaddress.IPv4Address("172.16.0.0")), edge_counter)
        given = spec.receive_connectors
        connectors = (
            tuple(given)
            if given is not None
            else tuple(edge_default_connectors(name, spec.max_message_size, spec.max_recipients_per_message))
        )
        servers[name] = ServerInfo(name, "edge", ip, connectors, given is None, filtering, path)
    return servers


def _describe(connector: ReceiveConnector) -> str:
    size = "unlimited" if connector.max_message_size is None else f"{connector.max_message_size / MB:g} MB"
    return (
        f"{', '.join(connector.effective_bindings)} from {', '.join(connector.remote_ip_ranges)}; "
        f"groups {', '.join(connector.effective_groups) or '(none)'}; auth {', '.join(connector.effective_auth)}; "
        f"max {size}, {connector.max_recipients_per_message} recipients; {_connections(connector)}"
    )


def _connections(connector: ReceiveConnector) -> str:
    """'5000 connections, 20 per source': MaxInboundConnection and MaxInboundConnectionPerSource."""

    def text(limit: int | None) -> str:
        return "unlimited" if limit is None else str(limit)

    return (f"{text(connector.max_inbound_connection)} connections, "
            f"{text(connector.max_inbound_connection_per_source)} per source")  # fmt: skip


LIMITS = ("max_inbound_connection", "max_inbound_connection_per_source")
"""The connection limits a connector written out may leave at their UNCONFIRMED defaults."""


def assumed_receive_defaults(scenario: Scenario) -> list[str]:
    """Lines for `exsim validate`: default connectors assumed, and usage-type and connection-limit defaults
    relied on."""
    servers = receiving_servers(scenario)
    lines = []
    by_role: dict[str, list[ServerInfo]] = {}
    for info in servers.values():
        if info.defaults:
            by_role.setdefault(info.role, []).append(info)
    for role, infos in by_role.items():
        names = ", ".join(info.name for info in infos)
        lines.append(f"{'Hubs' if role == 'hub' else 'Edges'} without receive_connectors ({names}):")
        for connector in infos[0].connectors:
            label = connector.name.replace(infos[0].name, "<SERVER>")
            lines.append(f"  {label}: {_describe(connector)}")
    for info in servers.values():
        if info.defaults:
            continue
        for connector in info.connectors:
            missing = [
                what
                for what, value in (
                    ("permission_groups", connector.permission_groups),
                    ("auth_mechanisms", connector.auth_mechanisms),
                )
                if value is None
            ]
            defaulted = [name for name in LIMITS if name not in connector.model_fields_set]
            assumed = [f"{' and '.join(missing)} from usage {connector.usage}"] if missing else []
            assumed += [f"{' and '.join(defaulted)} by default"] if defaulted else []
            if assumed:
                lines.append(f"{info.name} / {connector.name}: {'; '.join(assumed)}: {_describe(connector)}")
    return lines
