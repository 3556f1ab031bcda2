"""Server names as the logs write them, made comparable, and the pseudonyms `--anonymise` gives them.

Logs name one server several ways: the folder its files were collected in (`HUB1`), host names in rows
(`hub1.contoso.com`, `HUB1`). `canonical` makes them one key. Decision: a name is its first DNS label in
upper case (an IP address stays whole), as Exchange's own server names are NetBIOS names; a host outside
the organisation whose first label equals an organisation server's name would be taken for that server.
"""

from __future__ import annotations

import ipaddress


def canonical(name: str) -> str:
    """`hub1.contoso.com` and `HUB1` -> `HUB1`; an IPv4 or IPv6 address unchanged."""
    text = name.strip().strip("[]")
    if text[:1].isdigit() or ":" in text:
        try:
            ipaddress.ip_address(text)
            return text
        except ValueError:
            pass
    return text.split(".", 1)[0].upper()


def pseudonyms(servers: dict[str, tuple[str, str]], sites: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Stable pseudonyms for sharing: sites become SITE1, SITE2, ... in the order of their sorted names; a
    server becomes SITEk-HUBn, SITEk-MBXn (a Mailbox server, with or without the Hub role) or EDGEn, numbered
    in the sorted order of the real names of its site and kind. `servers` maps a name to (kind, site),
    kind one of "hub", "mailbox", "edge". The same logs always give the same pseudonyms; nothing of a real
    name survives in them.
    """
    site_names = {site: f"SITE{i + 1}" for i, site in enumerate(sorted(sites))}
    server_names: dict[str, str] = {}
    counters: dict[tuple[str, str], int] = {}
    for name in sorted(servers):
        kind, site = servers[name]
        group = ("", "edge") if kind == "edge" else (site, kind)
        counters[group] = counters.get(group, 0) + 1
        label = {"hub": "HUB", "mailbox": "MBX", "edge": "EDGE"}[kind]
        prefix = "" if kind == "edge" else f"{site_names[site]}-"
        server_names[name] = f"{prefix}{label}{counters[group]}"
    return server_names, site_names
