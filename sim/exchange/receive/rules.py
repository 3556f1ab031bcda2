"""Who gets in and what they may do: Receive connector selection, identities and rights (DOMAIN.md 3).

Pure and deterministic (no clock, no I/O), so the SMTP session model (`sim.smtp.session`), the live
endpoint and `exsim audit` all call the same functions: one decision code path. The schema is in
sim/scenario/receive.py and the connectors every server has by default in servers.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ...scenario.receive import (
    ACCEPT_ANY_RECIPIENT,
    ACCEPT_ANY_SENDER,
    ACCEPT_AUTHORITATIVE_SENDER,
    ANONYMOUS_LOGON,
    AUTHENTICATED_USERS,
    BYPASS_ANTI_SPAM,
    EDGE_SERVERS,
    EXTERNALLY_SECURED,
    HEADERS_FOREST,
    HEADERS_ORGANIZATION,
    HEADERS_ROUTING,
    HUB_SERVERS,
    LEGACY_SERVERS,
    PARTNER_SERVERS,
    SUBMIT,
    ReceiveConnector,
    ip_text,
    parse_binding,
    parse_ip,
    parse_range,
)

EXCHANGE_SERVER_RIGHTS = frozenset({SUBMIT, ACCEPT_ANY_SENDER, ACCEPT_ANY_RECIPIENT, ACCEPT_AUTHORITATIVE_SENDER,
                                    BYPASS_ANTI_SPAM, HEADERS_ROUTING, HEADERS_ORGANIZATION, HEADERS_FOREST})  # fmt: skip

GROUP_RIGHTS: dict[str, frozenset[str]] = {
    # bb629484 (German RTM edition): the exchangeninjas page omits Accept-Authoritative-Domain-Sender.
    # Not Accept-Any-Recipient: granting AnonymousUsers alone never allows relay.
    "AnonymousUsers": frozenset({SUBMIT, ACCEPT_ANY_SENDER, ACCEPT_AUTHORITATIVE_SENDER, HEADERS_ROUTING}),
    "ExchangeUsers": frozenset({SUBMIT, ACCEPT_ANY_RECIPIENT, BYPASS_ANTI_SPAM, HEADERS_ROUTING}),
    # "all except send permissions"; the full list was not available (DOMAIN.md 3): the listed rights
    # plus the two header rights, which ExchangeLegacyServers lacks.
    "ExchangeServers": EXCHANGE_SERVER_RIGHTS,
    "ExchangeLegacyServers": EXCHANGE_SERVER_RIGHTS - {HEADERS_ORGANIZATION, HEADERS_FOREST},
    # DOMAIN.md 3: "not detailed in the available sources". Submit and routing headers, the two rights
    # 1ask2.com/ex2007/PermissionGroups.html [E2007, 3rd-party] grants the Exchange partner SID: UNCONFIRMED.
    # A Domain Security partner may therefore send to the accepted domains but never relay.
    "Partners": frozenset({SUBMIT, HEADERS_ROUTING}),
}
"""Extended rights each permission group grants (DOMAIN.md 3, "Permission groups")."""

GROUP_PRINCIPALS: dict[str, tuple[str, ...]] = {
    "AnonymousUsers": (ANONYMOUS_LOGON,),
    "ExchangeUsers": (AUTHENTICATED_USERS,),
    "ExchangeServers": (HUB_SERVERS, EDGE_SERVERS, EXTERNALLY_SECURED),
    "ExchangeLegacyServers": (LEGACY_SERVERS,),
    "Partners": (PARTNER_SERVERS,),
}
"""The security principals a permission group grants its rights to (bb629484)."""


# ---- connector selection ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The connector chosen for a connection, or None with the reason none was."""

    connector: ReceiveConnector | None
    reason: str


def _binding_rank(connector: ReceiveConnector, local_ip: int, port: int) -> int | None:
    """0 when a binding names local_ip:port exactly, 1 when 0.0.0.0:port matches, None when none does."""
    best = None
    for binding in connector.effective_bindings:
        address, bound_port = parse_binding(binding)
        if bound_port != port:
            continue
        if address == local_ip:
            return 0
        if address == 0:
            best = 1
    return best


def _range_size(connector: ReceiveConnector, client_ip: int) -> int | None:
    """Addresses in the smallest remote range of the connector that holds client_ip; None: none does."""
    sizes = [
        last - first + 1 for first, last in map(parse_range, connector.remote_ip_ranges) if first <= client_ip <= last
    ]
    return min(sizes) if sizes else None


def select_connector(connectors: Sequence[ReceiveConnector], local_ip: str, port: int, client_ip: str) -> Selection:
    """The Receive connector Exchange gives a connection from client_ip to local_ip:port.

    1. keep connectors with a binding on local_ip:port or 0.0.0.0:port and a remote range holding the client;
    2. a binding on the exact local IP beats 0.0.0.0;
    3. then the most specific remote range: the fewest addresses wins (DOMAIN.md 3: "most specific
       match"; E2007's "most restrictive connector");
    4. Decision (DOMAIN.md silent; sim.checks rejects identical bindings and ranges): then the name.
    No connector: the connection is refused (no banner).
    """
    local, client = parse_ip(local_ip), parse_ip(client_ip)
    ranked = []
    for connector in connectors:
        rank = _binding_rank(connector, local, port)
        size = _range_size(connector, client) if rank is not None else None
        if size is not None:
            ranked.append(((rank, size, connector.name.lower()), connector))
    if not ranked:
        listening = any(_binding_rank(c, local, port) is not None for c in connectors)
        why = (
            f"no Receive connector on {local_ip}:{port} accepts remote IP {client_ip}"
            if listening
            else f"no Receive connector listens on {local_ip}:{port}"
        )
        return Selection(None, why)
    ranked.sort(key=lambda item: item[0])
    chosen = ranked[0][1]
    return Selection(chosen, f"{chosen.name!r}: binding and most specific remote range for {client_ip}")


# ---- identities and rights ----------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the client is on this session: anonymous, a user, an Exchange server, externally secured, or a
    partner domain proved by Domain Security (mutual TLS; `name` is the domain)."""

    kind: Literal["anonymous", "user", "exchange_server", "externally_secured", "partner"]
    name: str = ""

    @property
    def principals(self) -> tuple[str, ...]:
        """The security principals this identity holds, for matching groups and explicit grants."""
        if self.kind == "anonymous":
            return (ANONYMOUS_LOGON,)
        if self.kind == "user":
            short = self.name.split("\\")[-1]
            return (AUTHENTICATED_USERS, self.name, short)
        if self.kind == "exchange_server":
            return (AUTHENTICATED_USERS, HUB_SERVERS, EDGE_SERVERS, self.name)
        if self.kind == "partner":
            return (PARTNER_SERVERS,)
        return (EXTERNALLY_SECURED,)

    def __str__(self) -> str:
        return {
            "anonymous": "anonymous",
            "user": f"user {self.name}",
            "exchange_server": f"Exchange server {self.name}",
            "externally_secured": "externally secured peer",
            "partner": f"partner {self.name} (Domain Security)",
        }[self.kind]


ANONYMOUS = Identity("anonymous")


def resolve_rights(connector: ReceiveConnector, identity: Identity) -> frozenset[str]:
    """The extended rights `identity` holds on `connector`: its permission groups' rights plus explicit
    grants to any of its principals, minus explicit denies (a deny wins, as in an AD ACL).

    A group only grants its rights to the principals it stands for (GROUP_PRINCIPALS): AnonymousUsers
    to ANONYMOUS LOGON, ExchangeUsers to authenticated users, ExchangeServers to Exchange servers and
    externally secured peers. Decision: an authenticated Exchange server also counts as an
    authenticated user (it logs on with a computer account).
    """
    held = {p.lower() for p in identity.principals}
    rights: set[str] = set()
    for group in connector.effective_groups:
        if any(p.lower() in held for p in GROUP_PRINCIPALS[group]):
            rights |= GROUP_RIGHTS[group]
    denied = set()
    for grant in connector.extended_rights:
        if grant.principal.strip().lower() in held:
            (denied if grant.deny else rights).add(grant.right)
    return frozenset(rights - denied)


def covering_intervals(
    connector: ReceiveConnector, rivals: Iterable[ReceiveConnector], local_ip: str, port: int
) -> list[tuple[int, int]]:
    """The client addresses (as int intervals) for which `connector` is the one selected on local_ip:port."""
    intervals = [parse_range(r) for r in connector.remote_ip_ranges]
    result = []
    for first, last in sorted(intervals):
        # cut points: the interval's ends and every rival range end inside it; between two cuts the
        # set of ranges holding an address is constant, so one address decides the whole piece: the interval ends plus every rival range end inside it
        cuts = {first, last + 1}
        for rival in rivals:
            for a, b in map(parse_range, rival.remote_ip_ranges):
                for point in (a, b + 1):
                    if first < point <= last:
                        cuts.add(point)
        points = sorted(cuts)
        pieces = [(points[i], points[i + 1] - 1) for i in range(len(points) - 1)]
        everyone = [connector, *rivals]
        for a, b in pieces:
            chosen = select_connector(everyone, local_ip, port, ip_text(a)).connector
            if chosen is connector:
                if result and result[-1][1] + 1 == a:
                    result[-1] = (result[-1][0], b)
                else:
                    result.append((a, b))
    return result


def principal_matches(principal: str, users: Iterable[str], servers: Iterable[str]) -> bool:
    """True when some session can hold `principal`: a permission group's principal (GROUP_PRINCIPALS),
    an smtp_users account (with or without its DOMAIN\\ prefix) or an Exchange server's name. Anything
    else (for example 'ANONYMOUS' for 'NT AUTHORITY\\ANONYMOUS LOGON') grants its rights to nobody."""
    wanted = principal.strip().lower()
    shorts = {user.split("\\")[-1].lower() for user in users}
    known = {p.lower() for group in GROUP_PRINCIPALS.values() for p in group}
    known |= {user.lower() for user in users} | shorts | {server.lower() for server in servers}
    return wanted in known or wanted.split("\\")[-1] in shorts


def well_known_principals() -> list[str]:
    """The security principals of the permission groups, for suggestions next to an unknown principal."""
    return [p for group in GROUP_PRINCIPALS.values() for p in group]
