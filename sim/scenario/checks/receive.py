"""Cross-checks on Receive connectors and SMTP accounts that their shape alone cannot express.

Two connectors of one server with the same name, or on the same IP:port with identical remote IP
ranges (Exchange refuses both, DOMAIN.md 3), two servers with one IP address, an account listed twice.
They read the raw mapping, so `load_scenario` reports them beside shape errors in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..receive import ALL_ADDRESSES, default_bindings, ip_text, parse_binding, parse_ip, parse_range
from . import read


def _raw_servers(raw: Mapping) -> list[tuple[str, str | None, Any]]:
    """(key path, name, settings mapping) of each Hub, co-located Hub role and Edge in a raw scenario."""
    found = []
    for i, site in enumerate(read.items(raw.get("sites"))):
        for j, hub in enumerate(read.items(read.get(site, "hubs"))):
            found.append((f"sites[{i}].hubs[{j}]", read.get(hub, "name"), hub))
        for j, mbx in enumerate(read.items(read.get(site, "mailbox_servers"))):
            if "hub" in read.items(read.get(mbx, "roles")):
                found.append(
                    (f"sites[{i}].mailbox_servers[{j}].hub", read.get(mbx, "name"), read.get(mbx, "hub") or {})
                )
    for j, edge in enumerate(read.items(raw.get("edges"))):
        found.append((f"edges[{j}]", read.get(edge, "name"), edge))
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
        ip = _try(parse_ip, read.get(spec, "ip")) if read.get(spec, "ip") is not None else None
        if ip is not None:
            if ip in seen_ip:
                problems.append((f"{path}.ip", f"IP address {ip_text(ip)} is also used by {seen_ip[ip]}"))
            seen_ip.setdefault(ip, path)
        problems += _connector_problems(path, name, read.items(read.get(spec, "receive_connectors")))
    users: dict[str, int] = {}
    for k, user in enumerate(read.items(raw.get("smtp_users"))):
        uname = read.get(user, "name")
        if isinstance(uname, str):
            if uname.lower() in users:
                problems.append(
                    (f"smtp_users[{k}].name", f"duplicate user {uname!r} (also smtp_users[{users[uname.lower()]}])")
                )
            users.setdefault(uname.lower(), k)
    return problems


def _connector_problems(path: str, server: str | None, connectors: list) -> list[tuple[str, str]]:
    """One server's Receive connectors: names unique, and no two on one IP:port with the same remote ranges."""
    problems: list[tuple[str, str]] = []
    names: dict[str, int] = {}
    listening: dict[tuple, int] = {}
    for k, connector in enumerate(connectors):
        where = f"{path}.receive_connectors[{k}]"
        cname = read.get(connector, "name")
        if isinstance(cname, str):
            if cname.lower() in names:
                problems.append((f"{where}.name", f"duplicate Receive connector name {cname!r} on "
                                 f"{server or 'this server'} (also receive_connectors[{names[cname.lower()]}])"))  # fmt: skip
            names.setdefault(cname.lower(), k)
        clash = _binding_clash(connector, k, listening)
        if clash is not None:
            bound, other = clash
            problems.append((f"{where}.remote_ip_ranges", f"{ip_text(bound[0])}:{bound[1]} with these remote IP "
                             f"ranges is already used by receive_connectors[{other}] of {server or 'this server'}; "
                             "Exchange needs different remote IP ranges or a different binding"))  # fmt: skip
    return problems


def _binding_clash(connector, k: int, listening: dict[tuple, int]) -> tuple[tuple, int] | None:
    """(binding, the other connector's index) where connector k listens like an earlier one; records its own."""
    bindings = read.get(connector, "bindings")
    if bindings is None:
        bindings = list(default_bindings(read.get(connector, "usage")))
    ranges = read.get(connector, "remote_ip_ranges")
    parsed = [_try(parse_range, r) for r in read.items([ALL_ADDRESSES] if ranges is None else ranges)]
    if not parsed or None in parsed:
        return None
    key_ranges = frozenset(parsed)
    for binding in read.items(bindings):
        bound = _try(parse_binding, binding)
        if bound is None:
            continue
        key = (bound, key_ranges)
        if key in listening and listening[key] != k:
            return bound, listening[key]
        listening.setdefault(key, k)
    return None
