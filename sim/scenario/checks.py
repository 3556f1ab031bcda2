"""Checks across a scenario that its shape alone cannot express: names that must exist or be unique.

They read the raw mapping defensively, so they run even when the shape is wrong and a file's
mistakes are all reported at once; each returns problems rather than raising. A few repeat a
model validator of sim.scenario (warmup < duration, up_at > down_at) because pydantic skips those
when a field has an error; load_scenario keeps one line per key path.
"""

from __future__ import annotations

from . import loose
from .checks_connectors import accepted_domain_problems, source_site_problems
from .checks_faults import fault_problems, link_pairs
from .checks_receive import receive_problems
from .errors import Problem, nearest
from .hub_count import next_names
from .schema import Scenario, default_hub_names
from .units import format_duration, parse_duration

DEFAULT_DURATION: float = Scenario.model_fields["duration"].default
DEFAULT_DRAIN: float = Scenario.model_fields["drain"].default


def check_scenario(raw: dict) -> list[Problem]:
    """Every cross-reference problem in a scenario mapping (raw YAML or a validated model's dump)."""
    sites = [s for s in loose.items(raw.get("sites")) if isinstance(s, dict)]
    return [
        *_warmup(raw),
        *_unique_names(sites, raw),
        *_hub_per_site(sites),
        *_site_links(raw, sites),
        *_faults(raw, sites),
        *_edges(raw, sites),
        *_connectors(raw, sites),
        *_clients(raw, sites),
        *_receive(raw),
    ]


def _dedicated_hubs(site: dict) -> list[tuple[str, str | None]]:
    """(key path, name) of each dedicated Hub, as Site makes them: `hubs: N` stands for N Hubs named SITE-HUB1..,
    and `hub_count: N` resizes the list, naming new Hubs on from the last (sim/scenario/hub_count.py)."""
    hubs = site.get("hubs")
    if isinstance(hubs, int) and not isinstance(hubs, bool):
        name = site.get("name", "SITE")  # a name that is not text gets no Hub names (its own error says why)
        names = default_hub_names(name, max(hubs, 0)) if isinstance(name, str) else [None] * max(hubs, 0)
        listed = [("hubs", hub) for hub in names]
    else:
        listed = [(f"hubs[{j}]", loose.name(h)) for j, h in enumerate(loose.items(hubs))]
    wanted = site.get("hub_count")
    if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0 or wanted == len(listed):
        return listed
    if wanted < len(listed):
        return listed[:wanted]
    last = listed[-1][1] if listed else None
    if last is None:  # no Hub to copy (or one with no name, whose own error says why): SITE-HUB1..
        site_name = site.get("name") if isinstance(site.get("name"), str) else "SITE"
        return [("hub_count", name) for name in default_hub_names(site_name, wanted)]
    taken = {name for _, name in listed if name} | {loose.name(m) for m in loose.items(site.get("mailbox_servers"))}
    return listed + [("hub_count", name) for name in next_names(last, wanted - len(listed), taken - {None})]


def _hub_names(site: dict) -> list[str]:
    """Dedicated Hubs and Mailbox servers with the Hub role (whether hubs is a list or a count)."""
    names = [name for _, name in _dedicated_hubs(site)]
    names += [
        loose.name(m) for m in loose.items(site.get("mailbox_servers")) if "hub" in loose.items(loose.get(m, "roles"))
    ]
    return [n for n in names if n]


def _site_label(site: dict) -> str:
    name = loose.name(site)
    return f"site {name!r}" if name else "this site"


def _edge_names(raw: dict) -> list[str]:
    return [n for n in map(loose.name, loose.items(raw.get("edges"))) if n]


def _unique_names(sites: list[dict], raw: dict) -> list[Problem]:
    problems, seen_sites, seen_servers = [], {}, {}
    for i, site in enumerate(sites):
        name = loose.name(site)
        if name is not None and name in seen_sites:
            problems.append(
                Problem(f"sites[{i}].name", f"duplicate site name {name!r} (also sites[{seen_sites[name]}])")
            )
        if name is not None:
            seen_sites.setdefault(name, i)
        servers = [
            (f"sites[{i}].{place}" + (".name" if place.endswith("]") else ""), server)
            for place, server in _dedicated_hubs(site)
            if place != "hubs" or name is not None
        ]
        servers += [
            (f"sites[{i}].mailbox_servers[{j}].name", loose.name(m))
            for j, m in enumerate(loose.items(site.get("mailbox_servers")))
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
    for j, edge in enumerate(loose.items(raw.get("edges"))):
        server = loose.name(edge)
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


def _hub_per_site(sites: list[dict]) -> list[Problem]:
    problems = []
    for i, site in enumerate(sites):
        hubs = site.get("hubs")
        if hubs is not None and (isinstance(hubs, bool) or not isinstance(hubs, (int, list))):
            continue  # `hubs: lots`: its own error says a count or a list is allowed
        if loose.items(site.get("mailbox_servers")) and not (_dedicated_hubs(site) or _hub_names(site)):
            problems.append(
                Problem(
                    f"sites[{i}]",
                    f"{_site_label(site)} has Mailbox servers but no Hub Transport server; Exchange 2007 needs a Hub "
                    "in every site with a Mailbox server: add one under hubs or give a Mailbox server roles [mailbox, hub]",
                )
            )
    return problems


def _reachable(neighbours: dict[str, set[str]], start: str) -> set[str]:
    """Every site joined to `start` by site links (a walk of the graph: no networkx, so loading stays quick)."""
    seen, todo = {start}, [start]
    while todo:
        for other in neighbours.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def _site_links(raw: dict, sites: list[dict]) -> list[Problem]:
    names = [n for n in map(loose.name, sites) if n]
    problems: list[Problem] = []
    neighbours: dict[str, set[str]] = {name: set() for name in names}
    for i, link in enumerate(loose.items(raw.get("site_links"))):
        ends = loose.get(link, "sites")
        if not isinstance(ends, (list, tuple)) or len(ends) != 2:
            continue  # the shape check reports it
        for j, site in enumerate(ends):
            if site not in names:
                problems.append(
                    Problem(f"site_links[{i}].sites[{j}]", f"unknown site {site!r}{nearest(str(site), names)}")
                )
        if ends[0] == ends[1]:
            problems.append(Problem(f"site_links[{i}].sites", "a site link joins two different sites"))
        if not problems:
            neighbours[ends[0]].add(ends[1])
            neighbours[ends[1]].add(ends[0])
    if problems:
        return problems
    with_mail = [loose.name(s) for s in sites if loose.items(s.get("mailbox_servers")) and loose.name(s)]
    reached = _reachable(neighbours, with_mail[0]) if with_mail else set()
    for site in with_mail[1:]:
        if site not in reached:
            problems.append(
                Problem(
                    "site_links",
                    f"no site link path between {with_mail[0]!r} and {site!r}; add a site link joining them",
                )
            )
    return problems


def _faults(raw: dict, sites: list[dict]) -> list[Problem]:
    edges = _edge_names(raw)
    subscribed = {loose.get(e, "subscribed_site") for e in loose.items(raw.get("edges"))}
    connectors = [loose.name(c) for c in loose.items(raw.get("send_connectors")) if loose.name(c)]
    connectors += [f"EdgeSync - {site} to Internet" for site in subscribed if isinstance(site, str)]
    names = {
        "hubs": [h for site in sites for h in _hub_names(site)],
        "edges": edges,
        "mailbox": [loose.name(m) for site in sites for m in loose.items(site.get("mailbox_servers")) if loose.name(m)],
        "sites": [n for n in map(loose.name, sites) if n],
        "links": link_pairs(raw),
        "connectors": connectors,
    }
    end = _seconds(raw.get("duration", DEFAULT_DURATION)) + _seconds(raw.get("drain", DEFAULT_DRAIN))
    return fault_problems(raw, names, end)


def _edges(raw: dict, sites: list[dict]) -> list[Problem]:
    with_hubs = [loose.name(s) for s in sites if loose.name(s) and (_dedicated_hubs(s) or _hub_names(s))]
    names = [n for n in map(loose.name, sites) if n]
    problems = []
    for j, edge in enumerate(loose.items(raw.get("edges"))):
        site = loose.get(edge, "subscribed_site")
        if isinstance(site, str) and site not in names:
            problems.append(Problem(f"edges[{j}].subscribed_site", f"unknown site {site!r}{nearest(site, names)}"))
        elif isinstance(site, str) and site not in with_hubs:
            problems.append(
                Problem(
                    f"edges[{j}].subscribed_site",
                    f"site {site!r} has no Hub Transport server to sync the Edge Subscription",
                )
            )
    rate = loose.get(raw.get("internet"), "inbound_rate")
    if rate not in (None, 0, "0", "0/s") and not loose.items(raw.get("edges")):
        problems.append(
            Problem(
                "internet.inbound_rate",
                "inbound Internet mail needs an Edge Transport server "
                "to receive it: add one under edges, or set inbound_rate to 0",
            )
        )
    return problems


def _connectors(raw: dict, sites: list[dict]) -> list[Problem]:
    site_of = {hub: loose.name(site) for site in sites for hub in _hub_names(site) if loose.name(site)}
    site_of.update(
        {hub: loose.name(site) for site in sites for _, hub in _dedicated_hubs(site) if hub and loose.name(site)}
    )
    for edge in loose.items(raw.get("edges")):
        if loose.name(edge) and isinstance(loose.get(edge, "subscribed_site"), str):
            site_of[loose.name(edge)] = loose.get(edge, "subscribed_site")
    connectors = [c for c in loose.items(raw.get("send_connectors")) if isinstance(c, dict)]
    problems = [Problem(path, message) for path, message in source_site_problems(connectors, site_of)]
    domains = loose.items(raw.get("accepted_domains"))
    problems += [Problem(path, message) for path, message in accepted_domain_problems(domains)]
    return problems


def _receive(raw: dict) -> list[Problem]:
    return [Problem(path, message) for path, message in receive_problems(raw)]


def _clients(raw: dict, sites: list[dict]) -> list[Problem]:
    servers = [h for site in sites for h in _hub_names(site)] + _edge_names(raw)
    users = [_name_of_user(u) for u in loose.items(raw.get("smtp_users"))]
    problems = []
    for i, client in enumerate(loose.items(raw.get("smtp_clients"))):
        server, user = loose.get(client, "server"), loose.get(client, "user")
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
    name = loose.get(user, "name")
    return name if isinstance(name, str) else None


def _warmup(raw: dict) -> list[Problem]:
    """warmup < duration. Scenario checks it too, but pydantic skips a model's own validator when any
    field has an error, so without this a file with other mistakes would hide this one."""
    if "warmup" not in raw:
        return []
    duration = raw.get("duration")
    if _seconds(raw["warmup"]) >= _seconds(duration if duration is not None else DEFAULT_DURATION):
        shown = repr(duration) if duration is not None else f"{format_duration(DEFAULT_DURATION)} (the default)"
        return [Problem("warmup", f"must be shorter than duration, got {raw['warmup']!r} while duration is {shown}")]
    return []


def _seconds(value) -> float:
    try:
        return parse_duration(value)
    except (ValueError, TypeError):
        return float("nan")
