"""Where a trip is drawn and how it is told in steps: one layout and one list of numbered steps for the figure
(sim.results.trip.figure) and the animated page (sim.results.trip.html), so both show the same picture.

Sites sit where the topology figure puts them (sim.results.plots.topology.site_layout), spread wide enough for two
columns of server boxes under each (Hubs and Edges, then Mailbox servers); names outside the organisation that the trip reaches (the Internet, a smart
host, an SMTP client) stand in a column of their own on the right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..palette import server_order
from ..plots.topology import site_layout
from .journey import LINGER, Trip

if TYPE_CHECKING:
    from ...scenario.schema import Scenario

SPREAD = 3.2
"""Data units between neighbouring sites: room for two columns of server boxes (about 1 unit wide each) and a gap."""
COLUMN = 0.62
"""A site's Hubs and Edges stand this far left of it, its Mailbox servers this far right: a hand-over and a
delivery are two different arrows."""
ROW = 0.42
"""Data units between server boxes stacked under a site."""


@dataclass(frozen=True)
class Step:
    """One numbered step of the story: a move from `source` to `target` at a clock time, what decided it, and how
    long the message then waited at the target before its next move (with the queue's status when it waited long)."""

    number: int
    source: str
    target: str
    clock: str
    text: str
    wait_s: float
    wait_text: str


def positions(scenario: Scenario, outside: list[str]) -> dict[str, tuple[float, float]]:
    """(x, y) of every site, every server (under its site) and each name `outside` the organisation."""
    sites = {name: (x * SPREAD, y * SPREAD) for name, (x, y) in site_layout(scenario).items()}
    found = dict(sites)
    order = {name: i for i, name in enumerate(server_order(scenario))}
    for site in scenario.sites:
        transport = [hub.name for hub in site.hubs] + [m.name for m in site.mailbox_servers if m.is_hub]
        transport += [edge.name for edge in scenario.edges if edge.subscribed_site == site.name]
        mailbox = [m.name for m in site.mailbox_servers if not m.is_hub]
        x, y = sites[site.name]
        for column, names in ((-COLUMN, transport), (COLUMN, mailbox)):  # Hubs left, Mailbox servers right
            for i, name in enumerate(sorted(names, key=lambda n: order.get(n, len(order)))):
                found[name] = (x + (column if mailbox and transport else 0.0), y - 0.55 - ROW * i)
    right = max(x for x, _ in sites.values()) + SPREAD
    top = max(y for _, y in sites.values())
    for i, name in enumerate(n for n in outside if n not in found):
        found[name] = (right, top - 0.55 - ROW * 1.5 * i)
    return found


def outside_names(scenario: Scenario, found: Trip) -> list[str]:
    """Names the trip reaches that are not servers of the scenario (the Internet, smart hosts, SMTP clients)."""
    known = set(server_order(scenario)) | {edge.name for edge in scenario.edges}
    return [name for name in found.servers if name not in known]


def steps(found: Trip, start: datetime) -> list[Step]:
    """The numbered steps: each move, then what waited at its target until the next move from there."""
    out = []
    for number, move in enumerate(found.moves, start=1):
        stay = [hop for hop in found.hops if hop.server == move.target and hop.queued_at >= move.at - 1e-9]
        later = [m.at for m in found.moves if m.source == move.target and m.at >= move.at]
        stay = [hop for hop in stay if not later or hop.queued_at < min(later)]
        waited = sum(hop.wait_s for hop in stay)
        longest = max(stay, key=lambda hop: hop.wait_s, default=None)
        text = ""
        if longest is not None and longest.wait_s >= LINGER:
            text = f"waited {duration(longest.wait_s)} in {longest.label}" + (
                f"; {longest.status}" if longest.status else "")  # fmt: skip
        clock = f"{start + timedelta(seconds=move.at):%H:%M:%S}"
        out.append(Step(number, move.source, move.target, clock, move.text, waited, text))
    return out


def duration(seconds: float) -> str:
    """A wait in words: '0.04 s', '12 s', '3 min', '1 h 2 min'."""
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
