"""A picture of the organisation: AD sites, the IP site links between them, and each site's servers.

Made with `matplotlib.figure.Figure`, never pyplot (see sim.plots). The layout is deterministic:
the same scenario always gives the same picture.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...scenario.schema import Scenario
from ...scenario.units import format_duration
from ..figure import ExsimFigure
from ..palette import server_look, tint
from ..style import FAULT_COLOR

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..view import ResultView

SITE_COLOR = "#dddddd"
HUB_SITE_COLOR = "#888888"
"""Sites are greys (servers own the colours, sim.results.palette); a hub site is a darker diamond."""
ROLE_BOXES = {"Hub": "round,pad=0.25", "Mailbox+Hub": "round,pad=0.25", "Mailbox": "square,pad=0.25",
              "Edge": "roundtooth,pad=0.25"}  # fmt: skip
"""Roles told apart by the box's shape as well as the label: rounded Hubs, square Mailbox servers, jagged Edges."""


def _scenario(source: Any) -> Scenario:
    """The Scenario of a Scenario, a Results (its .scenario), or anything sim.load_scenario reads."""
    scenario = getattr(source, "scenario", source)
    if isinstance(scenario, Scenario):
        return scenario
    from ...scenario.loading import load_scenario

    return load_scenario(scenario)


def link_label(link) -> str:
    """A site link's cost as drawn: '10', or '10 (Exch 5)' when an Exchange cost overrides it."""
    return f"{link.cost}" + (f" (Exch {link.exchange_cost})" if link.exchange_cost is not None else "")


def _servers(site, edges=()) -> list[tuple[str, str, str]]:
    """(name, role, label) of each server drawn under a site: Hubs, Mailbox servers, then subscribed Edges."""
    rows = [(hub.name, "Hub", f"Hub: {hub.name}") for hub in site.hubs]
    for mbx in site.mailbox_servers:
        role = "Mailbox+Hub" if mbx.is_hub else "Mailbox"
        rows.append((mbx.name, role, f"Mailbox: {mbx.name}{' + Hub' if mbx.is_hub else ''} ({mbx.mailboxes:,})"))
    rows += [(edge.name, "Edge", f"Edge: {edge.name}") for edge in edges if edge.subscribed_site == site.name]
    return rows


def _down(source: Any) -> dict[str, str]:
    """Servers (or their Transport service) and site links ('Denver-London') that were down in a run, with when:
    {name: '10:00-10:30'}."""
    windows = getattr(source, "fault_windows", None)
    if windows is None or not len(windows):
        return {}
    start = getattr(source, "start", None)
    down: dict[str, list[str]] = {}
    for window in windows.itertuples():
        if window.kind not in ("server", "transport", "site_link"):
            continue
        if start is None:
            when = "down"
        else:
            stop = "end" if math.isnan(window.end) else f"{start + timedelta(seconds=window.end):%H:%M}"
            when = f"{start + timedelta(seconds=window.start):%H:%M}-{stop}"
        down.setdefault(str(window.target), []).append(when)
    return {name: ", ".join(whens) for name, whens in down.items()}


def link_detail(link) -> str:
    """A site link's latency and bandwidth as drawn under its cost: '80ms, 10 Mbps'."""
    bandwidth = "unlimited" if math.isinf(link.bandwidth) else f"{link.bandwidth / 1e6:g} Mbps"
    return f"{format_duration(link.latency)}, {bandwidth}"


def site_layout(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """Positions with neighbouring sites about one unit apart: each connected group of sites laid out on
    its own (a chain left to right, anything else by a seeded spring layout), groups side by side."""
    order = {site.name: i for i, site in enumerate(scenario.sites)}
    graph = nx.Graph()
    graph.add_nodes_from(order)
    graph.add_edges_from(link.sites for link in scenario.site_links)
    positions: dict[str, tuple[float, float]] = {}
    left = 0.0
    for component in sorted(nx.connected_components(graph), key=lambda c: min(order[n] for n in c)):
        sub = graph.subgraph(component)
        count = len(component)
        if count == 1 or (sub.number_of_edges() == count - 1 and max(d for _, d in sub.degree) <= 2):
            start = min((n for n in component if sub.degree(n) <= 1), key=order.get)
            local = {name: (float(i), 0.0) for i, name in enumerate(nx.dfs_preorder_nodes(sub, start))}
        else:
            nodes = sorted(component, key=order.get)
            spring = nx.spring_layout(sub.subgraph(nodes), seed=7, scale=0.6 * math.sqrt(count), iterations=200)
            local = {name: (float(x), float(y)) for name, (x, y) in spring.items()}
        low = min(x for x, _ in local.values())
        positions.update({name: (x - low + left, y) for name, (x, y) in local.items()})
        left = max(x for x, _ in positions.values()) + 1.3
    return positions


def topology(source: Scenario | ResultView, ax: Axes | None = None, legend: bool = True) -> Figure:
    """AD sites as nodes (hub sites drawn as dark diamonds), site links as edges labelled with their cost
    (and Exchange cost where set), latency and bandwidth, and under each site its servers as boxes showing its
    role in its label and box (Edges too), in its own colour (sim.results.palette); a server that was down in a run
    is outlined in red with when. With `ax`, draws there."""
    scenario = _scenario(source)
    positions = site_layout(scenario)
    down = _down(source)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    most = max((len(_servers(site, scenario.edges)) for site in scenario.sites), default=0)
    extra = max(0, most - 4) * 0.28
    if ax is None:
        fig = ExsimFigure(figsize=(min(16.0, max(7.0, 2.9 * (width + 1.2))),
                              min(14.0, max(4.0, 2.4 * (height + 1.4)) + extra)), layout="constrained")  # fmt: skip
        ax = fig.add_subplot()
    _draw_links(ax, scenario, positions, down)
    _draw_sites(ax, scenario, positions, down)
    ax.set_xlim(min(xs) - 0.75, max(xs) + 0.75)
    ax.set_ylim(min(ys) - 0.75 - extra * 0.35, max(ys) + 0.45)
    ax.set_axis_off()
    ax.set_title(f"AD sites and IP site links: {scenario.name}", loc="left", fontsize=11, fontweight="bold")
    if legend:
        ax.legend(handles=_legend(scenario, down), loc="lower right", fontsize="small", frameon=False)
    return ax.figure


def _draw_links(ax: Axes, scenario: Scenario, positions: dict, down: dict[str, str]) -> None:
    """Each site link as a line (red and dashed when it was down), labelled once per pair of sites at its middle."""
    for link in scenario.site_links:
        (x1, y1), (x2, y2) = positions[link.sites[0]], positions[link.sites[1]]
        cut = any(f"{a}-{b}" in down for a, b in (link.sites, link.sites[::-1]))
        ax.plot([x1, x2], [y1, y2], color=FAULT_COLOR if cut else "grey", linewidth=1.5, zorder=1,
                linestyle="--" if cut else "-")  # fmt: skip
    labels: dict[frozenset, list] = {}  # several links joining the same two sites share one label
    for link in scenario.site_links:
        labels.setdefault(frozenset(link.sites), []).append(link)
    for pair, links in labels.items():
        a, b = sorted(pair)
        (x1, y1), (x2, y2) = positions[a], positions[b]
        middle = ((x1 + x2) / 2, (y1 + y2) / 2)
        box = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "lightgrey"}
        ax.text(*middle, " / ".join(link_label(link) for link in links), ha="center", va="bottom", fontsize="small",
                gid="site-link-label", zorder=3, bbox=box)  # fmt: skip
        cut = [down[f"{x}-{y}"] for x, y in ((a, b), (b, a)) if f"{x}-{y}" in down]
        detail = " / ".join(link_detail(link) for link in links) + (f"\nDOWN {cut[0]}" if cut else "")
        ax.annotate(detail, middle, xytext=(0, -4), textcoords="offset points",
                    ha="center", va="top", fontsize="x-small", color="dimgrey", gid="site-link-detail", zorder=3)  # fmt: skip


def _draw_sites(ax: Axes, scenario: Scenario, positions: dict, down: dict[str, str]) -> None:
    """Each site as a dot (a hub site a diamond) with its name, and its servers as boxes beneath it."""
    for hub_site, marker, color in ((False, "o", SITE_COLOR), (True, "D", HUB_SITE_COLOR)):
        sites = [site for site in scenario.sites if site.hub_site == hub_site]
        if sites:
            ax.scatter([positions[s.name][0] for s in sites], [positions[s.name][1] for s in sites], s=600,
                       marker=marker, color=color, edgecolors="black", linewidths=1.2, zorder=2,
                       gid="hub-sites" if hub_site else "sites")  # fmt: skip
    for site in scenario.sites:
        x, y = positions[site.name]
        title = site.name + (" (hub site)" if site.hub_site else "")
        ax.annotate(title, (x, y), xytext=(0, 16), textcoords="offset points", ha="center", va="bottom",
                    fontsize="medium", fontweight="bold", zorder=4)  # fmt: skip
        servers = _servers(site, scenario.edges)
        if not servers:
            ax.annotate("(no Exchange servers)", (x, y), xytext=(0, -20), textcoords="offset points", ha="center",
                        va="top", fontsize="x-small", zorder=4)  # fmt: skip
        for i, (name, role, label) in enumerate(servers):
            color = server_look(scenario, name).color  # the colour the server has in every figure
            when = down.get(name)
            box = {"boxstyle": ROLE_BOXES[role], "facecolor": tint(color, 0.82 if not when else 0.92),
                   "edgecolor": FAULT_COLOR if when else color, "linewidth": 2.2 if when else 1.2}  # fmt: skip
            ax.annotate(label + (f"  DOWN {when}" if when else ""), (x, y), xytext=(0, -22 - 16 * i),
                        textcoords="offset points", ha="center", va="top", fontsize="x-small", zorder=4, bbox=box,
                        color=FAULT_COLOR if when else "black")  # fmt: skip


def _legend(scenario: Scenario, down: dict[str, str]) -> list:
    """The legend's entries: sites, hub sites and links where there are any, servers, and what was down."""
    dot = dict(marker="o", linestyle="", markersize=10, markeredgecolor="black")
    handles = [Line2D([], [], color=SITE_COLOR, label="AD site", **dot)]
    if any(site.hub_site for site in scenario.sites):
        handles.append(Line2D([], [], **{**dot, "marker": "D", "markersize": 9}, color=HUB_SITE_COLOR,
                              label="hub site (mail stops here)"))  # fmt: skip
    if scenario.site_links:
        handles.append(Line2D([], [], color="grey", label="site link: cost (Exch = Exchange cost); latency, bandwidth"))
    handles.append(Patch(facecolor="white", edgecolor="grey", label="a server: its role in the label, its colour "
                         "the same in every figure"))  # fmt: skip
    if down:
        handles.append(Patch(facecolor="white", edgecolor=FAULT_COLOR, linewidth=2, label="down during the run"))
    return handles
