"""Who gets in and what they may do: Receive connector selection, identities and rights.

Also what `exsim validate` shows of the assumed connectors, and the cross-reference checks on them.
The schema and the defaults are in sim/receive.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .connectors import MB
from .receive import (
    ACCEPT_ANY_RECIPIENT,
    ALL_ADDRESSES,
    ANONYMOUS_LOGON,
    AUTHENTICATED_USERS,
    EDGE_SERVERS,
    EXTERNALLY_SECURED,
    GROUP_PRINCIPALS,
    GROUP_RIGHTS,
    HUB_SERVERS,
    ReceiveConnector,
    ServerInfo,
    ip_text,
    parse_binding,
    parse_ip,
    parse_range,
    receiving_servers,
)

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario


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
    sizes = [last - first + 1 for first, last in map(parse_range, connector.remote_ip_ranges)
             if first <= client_ip <= last]
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
        why = (f"no Receive connector on {local_ip}:{port} accepts remote IP {client_ip}" if listening
               else f"no Receive connector listens on {local_ip}:{port}")
        return Selection(None, why)
    ranked.sort(key=lambda item: item[0])
    chosen = ranked[0][1]
    return Selection(chosen, f"{chosen.name!r}: binding and most specific remote range for {client_ip}")


# ---- identities and rights ----------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    """Who the client is on this session: anonymous, a user, an Exchange server, or externally secured."""

    kind: Literal["anonymous", "user", "exchange_server", "externally_secured"]
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
        return (EXTERNALLY_SECURED,)

    def __str__(self) -> str:
        return {"anonymous": "anonymous", "user": f"user {self.name}",
                "exchange_server": f"Exchange server {self.name}",
                "externally_secured": "externally secured peer"}[self.kind]


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


def anonymous_relay_granted(connector: ReceiveConnector) -> bool:
    """True when the connector grants Accept-Any-Recipient to unauthenticated clients: explicitly to
    ANONYMOUS LOGON, or through ExternalAuthoritative (every connecting host counts as an Exchange server)."""
    if "ExternalAuthoritative" in connector.effective_auth:
        return ACCEPT_ANY_RECIPIENT in resolve_rights(connector, Identity("externally_secured"))
    return ACCEPT_ANY_RECIPIENT in resolve_rights(connector, ANONYMOUS)


# ---- what `exsim validate` shows ---------------------------------------------------------------

def _describe(connector: ReceiveConnector) -> str:
    size = "unlimited" if connector.max_message_size is None else f"{connector.max_message_size / MB:g} MB"
    return (f"{', '.join(connector.effective_bindings)} from {', '.join(connector.remote_ip_ranges)}; "
            f"groups {', '.join(connector.effective_groups) or '(none)'}; auth {', '.join(connector.effective_auth)}; "
            f"max {size}, {connector.max_recipients_per_message} recipients")


def assumed_receive_defaults(scenario: Scenario) -> list[str]:
    """Lines for `exsim validate`: default connectors assumed, and usage-type defaults relied on."""
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
            missing = [what for what, value in (("permission_groups", connector.permission_groups),
                                                 ("auth_mechanisms", connector.auth_mechanisms)) if value is None]
            if missing:
                lines.append(f"{info.name} / {connector.name}: {' and '.join(missing)} from usage "
                             f"{connector.usage}: {_describe(connector)}")
    return lines


# ---- cross-reference checks on the raw mapping ---------------------------------------------------

def _items(value) -> list:
    return value if isinstance(value, list) else []


def _get(item, key):
    return item.get(key) if isinstance(item, dict) else None


def _raw_servers(raw: Mapping) -> list[tuple[str, str | None, Any]]:
    """(key path, name, settings mapping) of each Hub, co-located Hub role and Edge in a raw scenario."""
    found = []
    for i, site in enumerate(_items(raw.get("sites"))):
        for j, hub in enumerate(_items(_get(site, "hubs"))):
            found.append((f"sites[{i}].hubs[{j}]", _get(hub, "name"), hub))
        for j, mbx in enumerate(_items(_get(site, "mailbox_servers"))):
            if "hub" in _items(_get(mbx, "roles")):
                found.append((f"sites[{i}].mailbox_servers[{j}].hub", _get(mbx, "name"), _get(mbx, "hub") or {}))
    for j, edge in enumerate(_items(raw.get("edges"))):
        found.append((f"edges[{j}]", _get(edge, "name"), edge))
    return found


def _try(parse, value):
    try:
        return parse(value)
    except (ValueError, TypeError):
        return None


def receive_problems(raw: Mapping) -> list[tuple[str, str]]:
    """(key path, message) for: two connectors of one server with the same name; two connectors on the
    same IP:port with identical remote IP ranges (Exchange refuses that, DOMAIN.md 3); two servers with
    the same IP address; and an smtp_users name listed twice."""
    problems = []
    seen_ip: dict[str, str] = {}
    for path, name, spec in _raw_servers(raw):
        ip = _try(parse_ip, _get(spec, "ip")) if _get(spec, "ip") is not None else None
        if ip is not None:
            if ip in seen_ip:
                problems.append((f"{path}.ip", f"IP address {ip_text(ip)} is also used by {seen_ip[ip]}"))
            seen_ip.setdefault(ip, path)
        names: dict[str, int] = {}
        listening: dict[tuple, int] = {}
        for k, connector in enumerate(_items(_get(spec, "receive_connectors"))):
            where = f"{path}.receive_connectors[{k}]"
            cname = _get(connector, "name")
            if isinstance(cname, str):
                if cname.lower() in names:
                    problems.append((f"{where}.name", f"duplicate Receive connector name {cname!r} on "
                                     f"{name or 'this server'} (also receive_connectors[{names[cname.lower()]}])"))
                names.setdefault(cname.lower(), k)
            bindings = _get(connector, "bindings")
            if bindings is None:
                bindings = ["0.0.0.0:587"] if _get(connector, "usage") == "Client" else ["0.0.0.0:25"]
            ranges = _get(connector, "remote_ip_ranges")
            ranges = [ALL_ADDRESSES] if ranges is None else ranges
            parsed = [_try(parse_range, r) for r in _items(ranges)]
            if not parsed or None in parsed:
                continue
            key_ranges = frozenset(parsed)
            for binding in _items(bindings):
                bound = _try(parse_binding, binding)
                if bound is None:
                    continue
                key = (bound, key_ranges)
                if key in listening and listening[key] != k:
                    problems.append((f"{where}.remote_ip_ranges",
                                     f"{ip_text(bound[0])}:{bound[1]} with these remote IP ranges is already "
                                     f"used by receive_connectors[{listening[key]}] of {name or 'this server'}; "
                                     "Exchange needs different remote IP ranges or a different binding"))
                    break
                listening.setdefault(key, k)
    users: dict[str, int] = {}
    for k, user in enumerate(_items(raw.get("smtp_users"))):
        uname = _get(user, "name")
        if isinstance(uname, str):
            if uname.lower() in users:
                problems.append((f"smtp_users[{k}].name", f"duplicate user {uname!r} (also smtp_users[{users[uname.lower()]}])"))
            users.setdefault(uname.lower(), k)
    return problems


def covering_intervals(connector: ReceiveConnector, rivals: Iterable[ReceiveConnector], local_ip: str,
                       port: int) -> list[tuple[int, int]]:
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
