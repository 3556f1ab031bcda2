"""One look per thing drawn, the same in every figure: a server keeps its colour and marker from figure to figure,
an AD site is a black or grey dashed line (never a server's colour), and red is kept for what went wrong.

Why: a reader learns "orange squares are SEA-HUB2" once, from any figure, and reads it in the next; a site line is
told from a server line by its dashes, not by a second meaning of the same colour. Servers are numbered in the
scenario's order (each site's Hubs, co-located Hubs, Edges, then Mailbox servers), so a Scenario alone (the
topology, a trace) colours them as a run does.

Overlapping lines stay visible: `Look.line` draws earlier servers wider and later ones narrower on top, with a
different marker each, placed at different points, so two Hubs with the same load show as one line with a
coloured edge and both servers' markers, never as one server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..scenario.schema import Scenario

SERVER_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
                 "#393b79", "#637939", "#8c6d31", "#7b4173")  # fmt: skip
"""Matplotlib's tab10 without its red (kept for faults) and grey (kept for sites and totals), then darker hues."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
SITE_DASHES = ("--", "-.", (0, (5, 1.5, 1.5, 1.5, 1.5, 1.5)), (0, (9, 3)), ":", (0, (1, 1)))
SITE_GREYS = ("black", "#3c3c3c", "#5a5a5a")
FAULT_COLOR = "#d62728"
"""Red: a fault window, the planning threshold, a queue in Retry, back pressure."""
PERCENTILE_STYLES = {50: ("#888888", ":"), 95: ("#444444", "--"), 99: ("black", "-")}
"""Latency percentiles are not servers: shades of grey and dashes."""


@dataclass(frozen=True)
class Look:
    """How one server or site is drawn: colour, marker (servers) and line style."""

    color: str
    marker: str | None
    linestyle: Any
    rank: int

    def line(self, points: int = 0, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for Axes.plot of a series of `points` points: a server's colour and marker, wider the
        earlier it comes (a later server drawn over an earlier one leaves its edge showing) and, on a long series,
        a marker every third point starting at its own offset (two equal lines show both servers' markers in
        turn); a site's grey and dashes."""
        if not self.marker:
            return {"color": self.color, "linestyle": self.linestyle, "linewidth": 2.2, **extra}
        every = (self.rank % 3, 3) if points > 12 else 1
        return {"color": self.color, "linestyle": self.linestyle, "linewidth": (3.4, 2.2, 1.2)[self.rank % 3],
                "marker": self.marker, "markersize": (7.5, 6.0, 5.0)[self.rank % 3], "markevery": every,
                "markerfacecolor": "white", "markeredgewidth": 1.4, "zorder": 2 + 0.1 * self.rank, **extra}  # fmt: skip


def server_order(scenario: Scenario) -> list[str]:
    """Servers in colouring order: each site's Hubs and co-located Hubs, the Edges, then the Mailbox servers."""
    transport = [hub.name for site in scenario.sites for hub in site.hubs]
    transport += [m.name for site in scenario.sites for m in site.mailbox_servers if m.is_hub]
    transport += [edge.name for edge in scenario.edges]
    mailbox = [m.name for site in scenario.sites for m in site.mailbox_servers if not m.is_hub]
    return transport + mailbox


def server_looks(scenario: Scenario) -> dict[str, Look]:
    """Each server's Look: colour i, marker chosen so no two servers share both (up to 120 servers)."""
    looks = {}
    for i, name in enumerate(server_order(scenario)):
        color = SERVER_COLORS[i % len(SERVER_COLORS)]
        marker = MARKERS[(i + i // len(SERVER_COLORS)) % len(MARKERS)]
        looks[name] = Look(color, marker, "-", i)
    return looks


def site_looks(scenario: Scenario) -> dict[str, Look]:
    """Each AD site's Look: black, then greys, each with its own dashes; never a server's colour."""
    return {site.name: Look(SITE_GREYS[i % len(SITE_GREYS)], None, SITE_DASHES[i % len(SITE_DASHES)], i)
            for i, site in enumerate(scenario.sites)}  # fmt: skip


def server_look(scenario: Scenario, name: str) -> Look:
    """The Look of server `name`, or a grey one for a name the scenario does not hold (Internet, a client)."""
    return server_looks(scenario).get(name, Look("#7f7f7f", "x", "-.", 0))


def tint(color: str, amount: float) -> tuple[float, float, float]:
    """`color` mixed with white (amount 1 is white): an opaque fill in a server's own hue, its text stays legible."""
    from matplotlib.colors import to_rgb

    return tuple(c + (1 - c) * amount for c in to_rgb(color))
