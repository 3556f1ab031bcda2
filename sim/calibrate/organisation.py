"""Which servers the logs show, in which roles and AD sites: from the events each one logs (DOMAIN.md 8).

Roles: a server that logs SUBMIT, or that Hubs name as the Mailbox server of a STOREDRIVER RECEIVE or a
DELIVER, is a Mailbox server; one that logs STOREDRIVER RECEIVE or DELIVER is a Hub Transport server (both:
a Mailbox server with the Hub role); one that relays by SMTP only and talks to hosts outside is an Edge
Transport server, any other SMTP-only server a Hub.

Sites: given by a site map (`--sites sites.csv`: server, site), or inferred. Inference rests on two Exchange
2007 rules (DOMAIN.md 1.1 and 1.2): a Mailbox server submits only to Hubs of its own site, and a Hub
delivers by the Store Driver only to Mailbox servers of its own site. So the Hubs and Mailbox servers
joined by STOREDRIVER rows form one site each; an Edge belongs to the site of the Hubs it relays with most.
Inferred sites are named after the prefix their servers share (SEA-HUB1, SEA-MBX1: SEA), else SITE1, ...

Site links: Hubs relay straight to a Hub of the target site whatever the path (direct relay, DOMAIN.md 2),
so the logs show which sites exchange mail but not the site links between them. Decision: the calibrated
scenario joins every pair of sites by a link of the same cost, and says how many relays were seen.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .names import canonical, pseudonyms
from .tally import DELIVER, OTHER, RECEIVE_STORE, SUBMIT, Tally


class CalibrationError(ValueError):
    """Input calibrate cannot use (a bad site map, logs that describe no organisation): one line, with the fix."""


@dataclass
class ServerInfo:
    """One server as the calibrated scenario and the report name it."""

    name: str  # the name written out (a pseudonym with --anonymise)
    roles: tuple[str, ...]  # ("mailbox",), ("hub",), ("mailbox", "hub") or ("edge",)
    site: str
    rows: int  # rows it logged
    evidence: str  # why these roles, in words with counts

    @property
    def kind(self) -> str:
        """mailbox (with or without the Hub role), hub or edge."""
        return "mailbox" if "mailbox" in self.roles else self.roles[0]


@dataclass
class Organisation:
    """The servers (by tally index), their sites and the links between the sites."""

    servers: dict[int, ServerInfo]
    sites: list[str]
    sites_inferred: bool
    links: list[tuple[str, str, int]]  # (site, site, SMTP relays seen between their Hubs)
    notes: list[str] = field(default_factory=list)

    def site_of(self, index: int) -> str | None:
        """The site of a server by tally index (None for a host outside or an origin code)."""
        server = self.servers.get(index)
        return server.site if server else None

    def of_kind(self, kind: str) -> list[tuple[int, ServerInfo]]:
        """The servers of one kind (mailbox, hub, edge), by name."""
        return sorted(((i, s) for i, s in self.servers.items() if s.kind == kind), key=lambda p: p[1].name)


def read_site_map(path: str | Path) -> dict[str, str]:
    """A site map: one `server,site` line each (a header line `server,site` and # comments allowed).
    Server names compare as the logs' do (first DNS label, any case). Raises CalibrationError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CalibrationError(f"--sites {path}: cannot read it ({error.__class__.__name__}); give a CSV file "
                               "of server,site lines") from None  # fmt: skip
    sites: dict[str, str] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["server", "site"]:
            continue
        if len(cells) != 2 or not all(cells):
            raise CalibrationError(f"--sites {path}, line {number}: expected 'server,site', e.g. SEA-HUB1,Seattle")
        sites[canonical(cells[0])] = cells[1]
    if not sites:
        raise CalibrationError(f"--sites {path}: no server,site lines in it")
    return sites


def _roles(tally: Tally) -> dict[int, tuple[tuple[str, ...], str]]:
    named_mailbox = {mailbox for (_hub, mailbox) in tally.storedriver}
    named_hub = {hub for (hub, _mailbox) in tally.submitted_to}
    talks_outside = set(tally.external["in"]) | set(tally.external["out"])
    out: dict[int, tuple[tuple[str, ...], str]] = {}
    for i, counts in enumerate(tally.events):
        mailbox = counts[SUBMIT] > 0 or i in named_mailbox
        hub = counts[RECEIVE_STORE] > 0 or counts[DELIVER] > 0 or i in named_hub
        other = sum(counts) - counts[SUBMIT] - counts[OTHER]  # events the model does not use tell no role
        evidence = []
        if counts[SUBMIT]:
            evidence.append(f"logged {counts[SUBMIT]:,} SUBMIT")
        elif i in named_mailbox:
            evidence.append("named as Mailbox server by Hubs' STOREDRIVER rows")
        if counts[RECEIVE_STORE] or counts[DELIVER]:
            evidence.append(f"logged {counts[RECEIVE_STORE]:,} STOREDRIVER RECEIVE, {counts[DELIVER]:,} DELIVER")
        elif hub:
            evidence.append("named as Hub by Mailbox servers' SUBMIT rows (its own log not given)")
        if mailbox or hub:
            roles = ("mailbox", "hub") if mailbox and hub else ("mailbox",) if mailbox else ("hub",)
        elif other and i in talks_outside:
            roles, evidence = ("edge",), [f"SMTP only ({other:,} rows), with hosts outside the organisation"]
        elif other:
            roles, evidence = ("hub",), [f"SMTP only ({other:,} rows), inside the organisation"]
        else:
            continue
        out[i] = (roles, "; ".join(evidence))
    return out


def _components(indices: list[int], pairs: dict[tuple[int, int], int]) -> list[list[int]]:
    parent = {i: i for i in indices}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in indices:
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _site_names(groups: list[list[str]]) -> list[str]:
    """A name per group of server names: their shared prefix before '-', else SITE1, SITE2, ..."""
    names: list[str] = []
    for k, members in enumerate(groups):
        prefixes = {m.split("-", 1)[0] for m in members if "-" in m}
        shared = prefixes.pop() if len(prefixes) == 1 and all("-" in m for m in members) else ""
        name = shared if shared and shared not in names else f"SITE{k + 1}"
        names.append(name)
    return names


def infer_organisation(tally: Tally, site_map: dict[str, str] | None = None, anonymise: bool = False) -> Organisation:
    """Roles, sites and site links from the tally; a site map, when given, names every Hub's and Mailbox
    server's site. Raises CalibrationError when the logs show no Mailbox server or the map misses a server."""
    roles = _roles(tally)
    names = tally.names
    internal = sorted((i for i, (r, _) in roles.items() if "edge" not in r), key=lambda i: names[i])
    if not any("mailbox" in roles[i][0] for i in internal):
        logging = [i for i, counts in enumerate(tally.events) if sum(counts)]
        given = ", ".join(f"{names[i]} ({'/'.join(roles[i][0]) if i in roles else 'no transport event'})"
                          for i in sorted(logging, key=names.__getitem__))  # fmt: skip
        raise CalibrationError(
            f"the logs show no Mailbox server (no SUBMIT, STOREDRIVER RECEIVE or DELIVER row; found: {given}): "
            "give the MessageTracking folders of the Hub Transport and Mailbox servers too"
        )
    notes: list[str] = []
    site = _mapped_sites(tally, internal, site_map, notes) if site_map else _inferred_sites(tally, internal)
    _place_edges(tally, roles, site, site_map, internal, notes)
    site_list = sorted({site[i] for i in internal})
    kinds = {names[i]: ("mailbox" if "mailbox" in r else r[0], site[i]) for i, (r, _) in roles.items()}
    server_names, site_names = pseudonyms(kinds, site_list) if anonymise else ({n: n for n in kinds}, {})
    rename = site_names.get if anonymise else (lambda s: s)
    servers = {
        i: ServerInfo(server_names[names[i]], r, rename(site[i]), sum(tally.events[i]), why)
        for i, (r, why) in roles.items()
    }
    out_sites = sorted(rename(s) for s in site_list)
    relays = _relays_between_sites(tally, servers)
    links = [(a, b, relays.get((a, b), 0)) for k, a in enumerate(out_sites) for b in out_sites[k + 1 :]]
    return Organisation(servers, out_sites, not site_map, links, notes)


def _mapped_sites(tally: Tally, internal: list[int], site_map: dict[str, str], notes: list[str]) -> dict[int, str]:
    """Each Hub's and Mailbox server's site from the site map (every one must be in it)."""
    names = tally.names
    missing = [names[i] for i in internal if names[i] not in site_map]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise CalibrationError(f"--sites: no site for {shown} (seen in the logs); add a line "
                               f"'{missing[0]},SITE' for each")  # fmt: skip
    site = {i: site_map[names[i]] for i in internal}
    crossing = sum(n for (h, m), n in tally.storedriver.items() if h in site and m in site and site[h] != site[m])
    if crossing:
        notes.append(f"{crossing:,} STOREDRIVER rows join a Hub and a Mailbox server the site map puts in "
                     "different sites, which Exchange 2007 never does: check the site map")  # fmt: skip
    return site


def _inferred_sites(tally: Tally, internal: list[int]) -> dict[int, str]:
    """Sites as the servers STOREDRIVER rows join (Exchange 2007 submits and delivers only within a site)."""
    names = tally.names
    joined = {**tally.storedriver, **tally.submitted_to}  # both join a Hub and a Mailbox server of one site
    groups = sorted((sorted(g, key=lambda i: names[i]) for g in _components(internal, joined)),
                    key=lambda g: names[g[0]])  # fmt: skip
    site: dict[int, str] = {}
    for group, name in zip(groups, _site_names([[names[i] for i in g] for g in groups])):
        site.update({i: name for i in group})
    return site


def _place_edges(tally: Tally, roles: dict, site: dict[int, str], site_map: dict[str, str] | None,
                 internal: list[int], notes: list[str]) -> None:  # fmt: skip
    """Each Edge in the site the map gives, else the site of the Hubs it relayed with most."""
    names, internal_sites = tally.names, set(site.values())
    for i, (r, _) in roles.items():
        if "edge" not in r:
            continue
        if site_map and site_map.get(names[i]) in internal_sites:
            site[i] = site_map[names[i]]
            continue
        partners: dict[str, int] = {}
        for (a, b), n in tally.smtp.items():
            other = b if a == i else a if b == i else None
            if other is not None and other in site:
                partners[site[other]] = partners.get(site[other], 0) + n
        if not partners:
            notes.append(f"Edge {names[i]} relayed with no Hub in the logs: put in the first site")
        site[i] = max(sorted(partners), key=partners.get) if partners else site[internal[0]]


def _relays_between_sites(tally: Tally, servers: dict[int, ServerInfo]) -> dict[tuple[str, str], int]:
    """SMTP rows between servers of two different sites, per pair of sites (names in order)."""
    relays: dict[tuple[str, str], int] = {}
    for (a, b), n in tally.smtp.items():
        if a in servers and b in servers and servers[a].site != servers[b].site:
            pair = tuple(sorted((servers[a].site, servers[b].site)))
            relays[pair] = relays.get(pair, 0) + n
    return relays
