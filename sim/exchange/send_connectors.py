"""Choosing a Send connector (DOMAIN.md 2), and the organisation limits' verdicts.

The five rules in Exchange's order: size and scope filter, most specific address space, lowest
aggregate cost, proximity, then name. The schema (SendConnector, AddressSpace) is in sim/scenario/connectors.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..scenario.connectors import MB, AddressSpace, OrganizationLimits, SendConnector, normalise_domain
from ..scenario.names import lookup
from .domains import match_lowercase
from .status import MESSAGE_TOO_LARGE, TOO_MANY_RECIPIENTS, Ndr

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

RULES = {
    1: "the only connector left after filtering",
    2: "most specific address space",
    3: "lowest aggregate cost",
    4: "proximity",
    5: "lowest connector name",
}
_PROXIMITY = {
    0: "this server is a source server",
    1: "source servers in this AD site",
    2: "source servers in another AD site",
}


@dataclass(frozen=True)
class ConnectorChoice:
    """The Send connector chosen for one recipient domain, and why."""

    connector: SendConnector
    address_space: AddressSpace  # the connector's address space that matched best
    aggregate_cost: int  # site path cost to source_site + address_space.cost
    source_site: str  # AD site of the connector's source servers
    reason: str  # one line: which rule decided, and against which rivals
    decided_by: int = 1  # the rule (1-5, see RULES) that left this connector alone


@dataclass(frozen=True)
class _Candidate:
    connector: SendConnector
    space: AddressSpace
    specificity: int
    aggregate: int
    proximity: int  # 0 this server, 1 this site, 2 another site
    site: str

    @property
    def key(self) -> tuple:
        name = self.connector.name
        return (-self.specificity, self.aggregate, self.proximity, name.casefold(), name)


def _best_space(connector: SendConnector, domain: str) -> tuple[AddressSpace, int] | None:
    """The connector's most specific matching address space (the cheapest of equals), with its score."""
    best = None
    for space in connector.address_spaces:
        score = match_lowercase(space.domain, domain)
        if score is not None and (best is None or (score, -space.cost) > (best[1], -best[0].cost)):
            best = (space, score)
    return best


def connector_source_site(connector: SendConnector, site_of_server: Mapping[str, str]) -> str | None:
    """The AD site of a connector's source servers (DOMAIN.md 2: all in one site).

    `site_of_server` maps Hub names, and Edge names to the site the Edge is subscribed to. Unknown
    names are skipped. None when no source server is known, or when they are in different sites: such
    a connector is invalid (source_site_problems reports it) and is never chosen.
    """
    sites = {site for site in (lookup(site_of_server, s) for s in connector.source_servers) if site is not None}
    return next(iter(sites)) if len(sites) == 1 else None


def _size_text(size: float) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", MB), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size:.0f} B"


def select_send_connector(
    recipient_domain: str,
    size_bytes: float,
    source_site: str,
    source_server: str,
    connectors: Sequence[SendConnector],
    site_of_server: Mapping[str, str],
    path_cost: Callable[[str, str], int | None],
) -> ConnectorChoice | None:
    """The Send connector a Hub (or Edge) uses for one recipient domain, by DOMAIN.md 2's order; None: no route.

    1. Drop connectors that are disabled, out of scope (scope 'site' and the sender is in another AD
       site), too small (max_message_size < size_bytes), whose address spaces do not match, or whose
       source site is unknown or unreachable (path_cost returns None).
    2. Keep the most specific address space (`match_length`). A more specific connector wins even at
       a higher cost: that is how a partner domain gets its own connector.
    3. Keep the lowest aggregate cost: path_cost(source_site, connector's source site) + the cost of
       the address space that matched. The site path is counted, so a cheap connector far away can
       lose to a dearer one nearby.
    4. Keep the nearest: a connector whose source servers include `source_server`, then one whose
       source servers are in `source_site`, then one elsewhere.
    5. Keep the alphanumerically lowest name. Decision: compared case-insensitively (AD names are
       case-insensitive), then as written, so the choice is always deterministic.

    `path_cost(a, b)` is the least-cost path cost between AD sites, e.g.
    `lambda a, b: topology.route(a, b).cost`; it is not called for the sender's own site (cost 0).
    Availability is not considered: a chosen connector whose servers are down holds the mail in its
    queue (DOMAIN.md 2 says no less specific connector is tried; UNCONFIRMED for 2007).
    When None is returned the caller sends the message to the Unreachable queue and NDRs it with
    NO_ROUTE. Deterministic and linear in the number of connectors; a caller may cache by
    (domain, server, whether each connector's size limit is met).
    """
    domain = normalise_domain(recipient_domain)
    server_key = source_server.casefold()
    candidates: list[_Candidate] = []
    not_eligible: list[str] = []
    costs: dict[str, int | None] = {source_site: 0}
    for connector in connectors:
        matched = _best_space(connector, domain)
        if matched is None:
            continue
        space, score = matched
        site = connector_source_site(connector, site_of_server)
        if not connector.enabled:
            not_eligible.append(f"{connector.name!r} (disabled)")
        elif site is None:
            not_eligible.append(f"{connector.name!r} (its source servers are not in one known AD site)")
        elif connector.scope == "site" and site != source_site:
            not_eligible.append(f"{connector.name!r} (scoped to AD site {site!r})")
        elif connector.max_message_size is not None and size_bytes > connector.max_message_size:
            not_eligible.append(
                f"{connector.name!r} (max message size {_size_text(connector.max_message_size)} "
                f"< {_size_text(size_bytes)})"
            )
        else:
            if site not in costs:
                costs[site] = path_cost(source_site, site)
            if costs[site] is None:
                not_eligible.append(f"{connector.name!r} (no site path to {site!r})")
                continue
            if any(s.casefold() == server_key for s in connector.source_servers):
                proximity = 0
            else:
                proximity = 1 if site == source_site else 2
            candidates.append(_Candidate(connector, space, score, costs[site] + space.cost, proximity, site))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c.key)
    winner = candidates[0]
    rule, lost = 1, []
    for rival in candidates[1:]:
        rival_rule = next((r for r, (a, b) in enumerate(zip(winner.key, rival.key), start=2) if a != b), 5)
        rival_rule = min(rival_rule, 5)  # the name and its case-insensitive form are both rule 5
        rule = max(rule, rival_rule)
        lost.append(_lost(rival, rival_rule, winner))
    reason = (
        f"{winner.connector.name!r} chosen by rule {rule} ({RULES[rule]}): address space {winner.space}, "
        f"aggregate cost {winner.aggregate} from site {winner.site!r}"
    )
    if lost:
        reason += "; " + "; ".join(lost)
    if not_eligible:
        reason += "; not eligible: " + ", ".join(not_eligible)
    return ConnectorChoice(winner.connector, winner.space, winner.aggregate, winner.site, reason, rule)


def _lost(rival: _Candidate, rule: int, winner: _Candidate) -> str:
    name = repr(rival.connector.name)
    if rule == 2:
        return f"{name} lost on address space {rival.space.domain} (less specific than {winner.space.domain})"
    if rule == 3:
        return f"{name} lost on aggregate cost {rival.aggregate}"
    if rule == 4:
        return f"{name} lost on proximity ({_PROXIMITY[rival.proximity]})"
    return f"{name} lost on name"


def effective_send_connectors(scenario: Scenario) -> list[SendConnector]:
    """The scenario's Send connectors plus, per subscribed site, the Edge Subscription's Internet connector.

    DOMAIN.md 1.3: subscribing an Edge creates the Send connector "EdgeSync - SITE to Internet" (address
    space *, source servers the site's Edges) unless the scenario already gives those Edges one.
    """
    connectors = list(scenario.send_connectors)
    sourced = {server for connector in connectors for server in connector.source_servers}
    sites: dict[str, list[str]] = {}
    for edge in scenario.edges:
        sites.setdefault(edge.subscribed_site, []).append(edge.name)
    for site, edges in sites.items():
        if not sourced.intersection(edges):
            connectors.append(
                SendConnector(name=f"EdgeSync - {site} to Internet", address_spaces=["*"], source_servers=edges)
            )
    return connectors


# ---- organisation limits ----------------------------------------------------------------------


def size_and_recipient_verdict(
    size_bytes: float, recipient_count: int, limits: OrganizationLimits, receive_max_size: float | None = None
) -> Ndr | None:
    """None when a message is within the organisation's limits, else the NDR (code, text) it gets.

    Checked in this order (Decision: DOMAIN.md gives no order; size comes first because it needs no
    recipient expansion): size over max_send_size, over max_receive_size, or over `receive_max_size`
    (a further receiving limit, such as a Receive connector's MaxMessageSize, 10 MB per DOMAIN.md
    5.2) gives MESSAGE_TOO_LARGE (5.3.4); more recipients than max_recipient_envelope_limit (counting
    expanded distribution-list members, DOMAIN.md 5.4) gives TOO_MANY_RECIPIENTS (5.5.3). A message
    exactly at a limit passes. None as a limit means unlimited.
    """
    largest, most = limit_thresholds(limits, receive_max_size)
    if size_bytes > largest:
        return MESSAGE_TOO_LARGE
    if recipient_count > most:
        return TOO_MANY_RECIPIENTS
    return None


def limit_thresholds(limits: OrganizationLimits, receive_max_size: float | None = None) -> tuple[float, float]:
    """(largest size, most recipients) a message may have and pass `size_and_recipient_verdict` (inf: no limit).

    For the per-message path: a message within both needs no verdict at all.
    """
    sizes = [s for s in (limits.max_send_size, limits.max_receive_size, receive_max_size) if s is not None]
    most = limits.max_recipient_envelope_limit
    return min(sizes, default=float("inf")), float("inf") if most is None else most
