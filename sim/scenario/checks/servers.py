"""Cross-checks on servers: names unique in the organisation, a Hub in every site with mail, what Edges,
SMTP clients and the Internet entry list name must exist.

A site's Hubs are read as Site makes them (`hubs: N`, `hub_count`), so a fault or client may name a Hub
that `hub_count` adds (sim.scenario.hub_count).
"""

from __future__ import annotations

from ..errors import Problem, nearest
from ..hub_count import default_hub_names, next_names
from . import read


def dedicated_hubs(site: dict) -> list[tuple[str, str | None]]:
    """(key path, name) of each dedicated Hub, as Site makes them: `hubs: N` stands for N Hubs named SITE-HUB1..,
    and `hub_count: N` resizes the list, naming new Hubs on from the last (sim/scenario/hub_count.py)."""
    hubs = site.get("hubs")
    if isinstance(hubs, int) and not isinstance(hubs, bool):
        name = site.get("name", "SITE")  # a name that is not text gets no Hub names (its own error says why)
        names = default_hub_names(name, max(hubs, 0)) if isinstance(name, str) else [None] * max(hubs, 0)
        listed = [("hubs", hub) for hub in names]
    else:
        listed = [(f"hubs[{j}]", read.name(h)) for j, h in enumerate(read.items(hubs))]
    wanted = site.get("hub_count")
    if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0 or wanted == len(listed):
        return listed
    if wanted < len(listed):
        return listed[:wanted]
    last = listed[-1][1] if listed else None
    if last is None:  # no Hub to copy (or one with no name, whose own error says why): SITE-HUB1..
        site_name = site.get("name") if isinstance(site.get("name"), str) else "SITE"
        return [("hub_count", name) for name in default_hub_names(site_name, wanted)]
    taken = {name for _, name in listed if name} | {read.name(m) for m in read.items(site.get("mailbox_servers"))}
    return listed + [("hub_count", name) for name in next_names(last, wanted - len(listed), taken - {None})]


def hub_names(site: dict) -> list[str]:
    """Dedicated Hubs and Mailbox servers with the Hub role (whether hubs is a list or a count)."""
    names = [name for _, name in dedicated_hubs(site)]
    names += [
        read.name(m) for m in read.items(site.get("mailbox_servers")) if "hub" in read.items(read.get(m, "roles"))
    ]
    return [n for n in names if n]


def _site_label(site: dict) -> str:
    name = read.name(site)
    return f"site {name!r}" if name else "this site"


def edge_names(raw: dict) -> list[str]:
    """The names of the Edge Transport servers."""
    return [n for n in map(read.name, read.items(raw.get("edges"))) if n]


def unique_names(sites: list[dict], raw: dict) -> list[Problem]:
    """Site names unique; server names (Hubs, Mailbox servers, Edges) unique in the organisation, ignoring case."""
    problems, seen_sites, seen_servers = [], {}, {}
    for i, site in enumerate(sites):
        name = read.name(site)
        if name is not None and name in seen_sites:
            problems.append(
                Problem(f"sites[{i}].name", f"duplicate site name {name!r} (also sites[{seen_sites[name]}])")
            )
        if name is not None:
            seen_sites.setdefault(name, i)
        servers = [
            (f"sites[{i}].{place}" + (".name" if place.endswith("]") else ""), server)
            for place, server in dedicated_hubs(site)
            if place != "hubs" or name is not None
        ]
        servers += [
            (f"sites[{i}].mailbox_servers[{j}].name", read.name(m))
            for j, m in enumerate(read.items(site.get("mailbox_servers")))
        ]
        for path, server in servers:
            if server is None:
                continue
            key = server.upper()  # Windows computer names are case-insensitive
            if key in seen_servers:
                problems.append(
                    Problem(
                        path,
                        f"duplicate server name {server!r} (also {seen_servers[key]}); "
                        "server names must be unique in the organisation",
                    )
                )
            seen_servers.setdefault(key, path)
    for j, edge in enumerate(read.items(raw.get("edges"))):
        server = read.name(edge)
        if server is None:
            continue
        if server.upper() in seen_servers:
            problems.append(
                Problem(
                    f"edges[{j}].name",
                    f"duplicate server name {server!r} (also "
                    f"{seen_servers[server.upper()]}); server names must be unique in the organisation",
                )
            )
        seen_servers.setdefault(server.upper(), f"edges[{j}].name")
    return problems


def hub_per_site(sites: list[dict]) -> list[Problem]:
    """Exchange 2007 needs a Hub in every site with a Mailbox server."""
    problems = []
    for i, site in enumerate(sites):
        hubs = site.get("hubs")
        if hubs is not None and (isinstance(hubs, bool) or not isinstance(hubs, (int, list))):
            continue  # `hubs: lots`: its own error says a count or a list is allowed
        if read.items(site.get("mailbox_servers")) and not (dedicated_hubs(site) or hub_names(site)):
            problems.append(
                Problem(
                    f"sites[{i}]",
                    f"{_site_label(site)} has Mailbox servers but no Hub Transport server; Exchange 2007 needs a Hub "
                    "in every site with a Mailbox server: add one under hubs or give a Mailbox server roles [mailbox, hub]",
                )
            )
    return problems


def edge_sites(raw: dict, sites: list[dict]) -> list[Problem]:
    """An Edge subscribes to a known site with a Hub; inbound Internet mail needs an Edge."""
    with_hubs = [read.name(s) for s in sites if read.name(s) and (dedicated_hubs(s) or hub_names(s))]
    names = [n for n in map(read.name, sites) if n]
    problems = []
    for j, edge in enumerate(read.items(raw.get("edges"))):
        site = read.get(edge, "subscribed_site")
        if isinstance(site, str) and site not in names:
            problems.append(Problem(f"edges[{j}].subscribed_site", f"unknown site {site!r}{nearest(site, names)}"))
        elif isinstance(site, str) and site not in with_hubs:
            problems.append(
                Problem(
                    f"edges[{j}].subscribed_site",
                    f"site {site!r} has no Hub Transport server to sync the Edge Subscription",
                )
            )
    rate = read.get(raw.get("internet"), "inbound_rate")
    if rate not in (None, 0, "0", "0/s") and not read.items(raw.get("edges")):
        problems.append(
            Problem(
                "internet.inbound_rate",
                "inbound Internet mail needs an Edge Transport server "
                "to receive it: add one under edges, or set inbound_rate to 0",
            )
        )
    return problems


def client_servers(raw: dict, sites: list[dict]) -> list[Problem]:
    """An SMTP client names a Hub or Edge and an account under smtp_users."""
    servers = [h for site in sites for h in hub_names(site)] + edge_names(raw)
    users = [_name_of_user(u) for u in read.items(raw.get("smtp_users"))]
    problems = []
    for i, client in enumerate(read.items(raw.get("smtp_clients"))):
        server, user = read.get(client, "server"), read.get(client, "user")
        if isinstance(server, str) and server not in servers:
            problems.append(
                Problem(
                    f"smtp_clients[{i}].server",
                    f"unknown Hub or Edge Transport server {server!r}{nearest(server, servers)}",
                )
            )
        if isinstance(user, str) and user.lower() not in [u.lower() for u in users if u]:
            problems.append(
                Problem(
                    f"smtp_clients[{i}].user",
                    f"no account {user!r} under smtp_users{nearest(user, [u for u in users if u])}",
                )
            )
    return problems


def _name_of_user(user) -> str | None:
    name = read.get(user, "name")
    return name if isinstance(name, str) else None


def internet_hubs(raw: dict, sites: list[dict]) -> list[Problem]:
    """workload.internet_hubs names Hubs of the organisation."""
    hubs = [h for site in sites for h in hub_names(site)]
    listed = read.get(raw.get("workload"), "internet_hubs")
    return [Problem("workload.internet_hubs", f"no Hub named {name!r}{nearest(name, hubs)}")
            for name in read.items(listed) if isinstance(name, str) and name not in hubs]  # fmt: skip
