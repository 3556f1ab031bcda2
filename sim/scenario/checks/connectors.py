"""Cross-checks on Send connectors and accepted domains: duplicates, unknown source servers, mixed sites.

They read raw mappings (or validated models), so `load_scenario` can report them beside shape errors
in one go, each as (key path, message).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..connectors import AcceptedDomain, SendConnector, normalise_domain
from ..errors import nearest
from ..names import lookup
from . import read


def accepted_domain_problems(
    accepted: Sequence[AcceptedDomain | Mapping], prefix: str = "accepted_domains"
) -> list[tuple[str, str]]:
    """(key path, message) for a domain listed twice and for more than one default accepted domain.

    Reads models or raw mappings, so sim.scenario.checks can run it before the shape is known to be right.
    """
    problems, seen, default = [], {}, None
    for i, entry in enumerate(accepted):
        name = read.get(entry, "domain")
        if isinstance(name, str):
            key = normalise_domain(name)
            if key in seen:
                problems.append(
                    (f"{prefix}[{i}].domain", f"duplicate accepted domain {name!r} (also {prefix}[{seen[key]}])")
                )
            seen.setdefault(key, i)
        if read.get(entry, "default") is True:
            if default is not None:
                problems.append(
                    (
                        f"{prefix}[{i}].default",
                        f"only one accepted domain can be the default (also {prefix}[{default}])",
                    )
                )
            else:
                default = i
    return problems


def source_site_problems(
    connectors: Sequence[SendConnector | Mapping], site_of_server: Mapping[str, str], prefix: str = "send_connectors"
) -> list[tuple[str, str]]:
    """(key path, message) for each unknown source server, each connector spanning AD sites, and each
    duplicate connector name.

    `site_of_server` should hold only the servers that may be source servers (Hubs, and Edge servers
    mapped to their subscribed site). Reads models or raw mappings, so sim.scenario.checks can run it on a
    file whose shape is wrong elsewhere.
    """
    problems: list[tuple[str, str]] = []
    known = list(site_of_server)
    seen_names: dict[str, int] = {}
    for i, connector in enumerate(connectors):
        name = read.get(connector, "name")
        if isinstance(name, str):
            key = name.casefold()
            if key in seen_names:
                problems.append(
                    (
                        f"{prefix}[{i}].name",
                        f"duplicate Send connector name {name!r} "
                        f"(also {prefix}[{seen_names[key]}]); connector names must be unique",
                    )
                )
            seen_names.setdefault(key, i)
        servers = read.get(connector, "source_servers")
        if not isinstance(servers, list):
            continue
        first: tuple[str, str] | None = None  # (server, site) of the first known source server
        listed: set[str] = set()
        for j, server in enumerate(servers):
            if not isinstance(server, str):
                continue
            path = f"{prefix}[{i}].source_servers[{j}]"
            if server.casefold() in listed:
                problems.append((path, f"source server {server!r} is listed twice"))
                continue
            listed.add(server.casefold())
            site = lookup(site_of_server, server)
            if site is None:
                problems.append(
                    (
                        path,
                        f"unknown source server {server!r}{nearest(server, known)}; a source "
                        "server is a Hub Transport server (or a subscribed Edge server)",
                    )
                )
            elif first is None:
                first = (server, site)
            elif site != first[1]:
                problems.append(
                    (
                        path,
                        f"{server!r} is in AD site {site!r} but {first[0]!r} is in {first[1]!r}; "
                        "all source servers of a Send connector must be in the same AD site (DOMAIN.md 2)",
                    )
                )
    return problems
