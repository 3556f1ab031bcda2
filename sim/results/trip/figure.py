"""`result.trace_figure(id)`: one message's trip drawn on the topology.

Left, the organisation: sites, site links (one that was down during the trip dashed red), every server as a faint
box and the servers the trip touched in their own colours (sim.results.palette); each move an arrow numbered in
order, a long wait a red note at its server. Right, the numbered steps in words: when, from where to where, what
decided it, and what the message waited for. Built from sim.results.trip.journey, as `exsim trace` and its page are.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from matplotlib.patches import FancyArrowPatch

from ..figure import new_figure
from ..palette import FAULT_COLOR, server_look, tint
from .journey import LINGER
from .layout import duration, outside_names, positions, steps
from .reasons import trip

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..view import ResultView
    from .journey import Trip

BOX = {"boxstyle": "round,pad=0.3", "linewidth": 1.2}
RAD = 0.25
"""How much each move's arrow bends (matplotlib's arc3), so a move back along the same pair shows apart."""


def cut_links(result: ResultView, found: Trip) -> set[frozenset]:
    """Site links down at some moment of the trip (from its submission to its last move)."""
    end = max([m.at for m in found.moves] + [found.submitted_at])
    windows = result.fault_windows
    cut = set()
    for w in windows.itertuples():
        stop = result.end_time if w.end != w.end else w.end  # NaN: down to the end
        if w.kind == "site_link" and w.start <= end and stop >= found.submitted_at:
            cut.add(frozenset(str(w.target).split("-", 1)))
    return cut


def draw_map(ax: Axes, result: ResultView, found: Trip) -> dict[str, tuple[float, float]]:
    """The organisation with the trip on it; returns the positions used."""
    scenario = result.scenario
    where = positions(scenario, outside_names(scenario, found))
    _draw_organisation(ax, scenario, where, cut_links(result, found), set(found.servers))
    _draw_moves(ax, where, found)
    _draw_waits(ax, result, where, found)
    xs = [x for x, _ in where.values()]
    ys = [y for _, y in where.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 1.6)  # room on the right for a wait's note
    ax.set_ylim(min(ys) - 1.1, max(ys) + 0.5)  # room under the lowest boxes for a wait's note
    ax.set_aspect("equal", adjustable="box")  # arcs bend the same in x and y: the numbers sit on them
    ax.set_axis_off()
    return where


def _draw_organisation(ax: Axes, scenario, where: dict, cut: set, on_trip: set[str]) -> None:
    """Site links (a cut one red and dashed), sites, and servers: those on the trip in their colour, the rest grey."""
    for link in scenario.site_links:
        (x1, y1), (x2, y2) = where[link.sites[0]], where[link.sites[1]]
        down = frozenset(link.sites) in cut
        ax.plot([x1, x2], [y1, y2], color=FAULT_COLOR if down else "#bbbbbb", linewidth=2 if down else 1.5,
                linestyle="--" if down else "-", zorder=1)  # fmt: skip
        if down:
            ax.text((x1 + x2) / 2, (y1 + y2) / 2 + 0.12, "link down", color=FAULT_COLOR, ha="center",
                    fontsize="small", fontweight="bold")  # fmt: skip
    for site in scenario.sites:
        x, y = where[site.name]
        ax.plot([x], [y], marker="o", markersize=14, color="#dddddd", markeredgecolor="black", zorder=2)
        ax.text(x, y + 0.22, site.name + (" (hub site)" if site.hub_site else ""), ha="center", fontweight="bold")
    sites = {site.name for site in scenario.sites}
    for name, (x, y) in where.items():
        if name in sites:
            continue
        color, lit = server_look(scenario, name).color, name in on_trip
        box = {**BOX, "facecolor": tint(color, 0.75) if lit else "white", "edgecolor": color if lit else "#cccccc"}
        ax.text(x, y, name, ha="center", va="center", fontsize="small", bbox=box, zorder=3,
                color="black" if lit else "#999999", fontweight="bold" if lit else "normal")  # fmt: skip


def _draw_moves(ax: Axes, where: dict, found: Trip) -> None:
    """Each move as a numbered arc from one server to the next."""
    for number, move in enumerate(found.moves, start=1):
        (x1, y1), (x2, y2) = where[move.source], where[move.target]
        arrow = FancyArrowPatch((x1, y1), (x2, y2), connectionstyle=f"arc3,rad={RAD}", arrowstyle="-|>",
                                mutation_scale=16, linewidth=2, color="black", shrinkA=14, shrinkB=14, zorder=4)  # fmt: skip
        ax.add_patch(arrow)
        mx, my = (x1 + x2) / 2 + RAD * (y2 - y1) / 2, (y1 + y2) / 2 - RAD * (x2 - x1) / 2  # the arc's middle
        if abs(x2 - x1) + abs(y2 - y1) < 0.6:  # a short step: its number beside it, not on it
            mx -= 0.35
        ax.text(mx, my, str(number), ha="center", va="center", fontsize="small", fontweight="bold", color="white",
                bbox={"boxstyle": "circle,pad=0.25", "facecolor": "black"}, zorder=5)  # fmt: skip


def _draw_waits(ax: Axes, result: ResultView, where: dict, found: Trip) -> None:
    """A note under the site of each long wait: how long, in which queue, and whether it was in Retry."""
    lowest: dict[str, float] = {}  # under each site's lowest box: where a wait's note has room
    site_of = dict(zip(result.record.servers, result.record.server_sites))
    for name, (_, y) in where.items():
        lowest[site_of.get(name, name)] = min(y, lowest.get(site_of.get(name, name), y))
    for hop in found.hops:
        if hop.wait_s >= LINGER:
            x, y = where[hop.server]
            below = lowest.get(site_of.get(hop.server, hop.server), y) - 0.3
            ax.annotate(f"waited {duration(hop.wait_s)}\nin {hop.server}\\{hop.station}" +
                        ("\n(queue in Retry)" if hop.status else ""), (x, y - 0.15), xytext=(x, below),
                        textcoords="data", ha="center", va="top", fontsize="small", color=FAULT_COLOR,
                        fontweight="bold", zorder=6, arrowprops={"arrowstyle": "-", "color": FAULT_COLOR})  # fmt: skip


def draw_steps(ax: Axes, result: ResultView, found: Trip) -> None:
    """The numbered steps in words, top to bottom."""
    lines = []
    for step in steps(found, result.start):
        lines.append(f"{step.number}. {step.clock}  {step.source} \u2192 {step.target}")
        lines += ["    " + part for part in textwrap.wrap(step.text, 62)]
        if step.wait_text:
            lines += ["    " + part for part in textwrap.wrap(step.wait_text, 62)]
    ax.text(0, 1, "\n".join(lines), va="top", ha="left", fontsize="small", linespacing=1.5, transform=ax.transAxes)
    ax.set_axis_off()


def trip_figure(result: ResultView, message_id: int) -> Figure:
    """The trip of `message_id` on the topology, with its steps in words (needs `record: hops`)."""
    found = trip(result, message_id)
    sites = max(len(result.scenario.sites), 1)
    fig = new_figure(min(18.0, 10 + 2.4 * sites), 5.6)
    map_ax, steps_ax = fig.subplots(1, 2, width_ratios=(1.2 + 0.3 * sites, 1))
    draw_map(map_ax, result, found)
    draw_steps(steps_ax, result, found)
    delivered = [r for r in found.recipients if r["status"] == "delivered"]
    ends = ", ".join(dict.fromkeys(r["destination"] for r in delivered)) or "not delivered"
    slowest = max((r["latency_s"] for r in delivered), default=float("nan"))
    took = f", {duration(slowest)} end to end" if delivered else ""
    fig.suptitle(f"Message {message_id}: {found.origin} \u2192 {ends}{took}, {len(found.moves)} moves "
                 f"({result.scenario.name})", x=0.01, ha="left", fontsize=12, fontweight="bold")  # fmt: skip
    return fig
