"""Cross-checks: what a scenario's shape alone cannot say (names that must exist or be unique, a Hub in every
site with mail, a warm-up shorter than the run), grouped by what they check.

Scenario runs them in a model validator (sim.scenario.schema), so every way of building a Scenario checks
them, and load_scenario reports them beside pydantic's shape errors. They read the mapping as given,
defensively (sim.scenario.checks.read), so they run even when its shape is wrong elsewhere and a file's
mistakes are all reported at once; each returns problems rather than raising.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import Problem
from . import read, servers, timing
from .connectors import accepted_domain_problems, source_site_problems
from .faults import fault_problems, link_pairs
from .links import site_links
from .receive import receive_problems


def cross_checks(raw: Mapping) -> list[Problem]:
    """Every cross-reference problem in a scenario mapping (raw YAML or a validated model's dump)."""
    sites = [s for s in read.items(raw.get("sites")) if isinstance(s, dict)]
    return [
        *timing.warmup(raw),
        *servers.unique_names(sites, raw),
        *servers.hub_per_site(sites),
        *site_links(raw, sites),
        *_faults(raw, sites),
        *servers.edge_sites(raw, sites),
        *_connectors(raw, sites),
        *servers.client_servers(raw, sites),
        *servers.internet_hubs(raw, sites),
        *[Problem(path, message) for path, message in receive_problems(raw)],
    ]


def _faults(raw: dict, sites: list[dict]) -> list[Problem]:
    edges = servers.edge_names(raw)
    subscribed = {read.get(e, "subscribed_site") for e in read.items(raw.get("edges"))}
    connectors = [read.name(c) for c in read.items(raw.get("send_connectors")) if read.name(c)]
    connectors += [f"EdgeSync - {site} to Internet" for site in subscribed if isinstance(site, str)]
    names = {
        "hubs": [h for site in sites for h in servers.hub_names(site)],
        "edges": edges,
        "mailbox": [read.name(m) for site in sites for m in read.items(site.get("mailbox_servers")) if read.name(m)],
        "sites": [n for n in map(read.name, sites) if n],
        "links": link_pairs(raw),
        "connectors": connectors,
    }
    end = timing.seconds(raw.get("duration", timing.DURATION)) + timing.seconds(raw.get("drain", timing.DRAIN))
    return fault_problems(raw, names, end)


def _connectors(raw: dict, sites: list[dict]) -> list[Problem]:
    site_of = {hub: read.name(site) for site in sites for hub in servers.hub_names(site) if read.name(site)}
    site_of.update(
        {hub: read.name(site) for site in sites for _, hub in servers.dedicated_hubs(site) if hub and read.name(site)}
    )
    for edge in read.items(raw.get("edges")):
        if read.name(edge) and isinstance(read.get(edge, "subscribed_site"), str):
            site_of[read.name(edge)] = read.get(edge, "subscribed_site")
    connectors = [c for c in read.items(raw.get("send_connectors")) if isinstance(c, dict)]
    problems = [Problem(path, message) for path, message in source_site_problems(connectors, site_of)]
    domains = read.items(raw.get("accepted_domains"))
    problems += [Problem(path, message) for path, message in accepted_domain_problems(domains)]
    return problems
