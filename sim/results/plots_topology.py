"""A picture of the organisation: AD sites, the IP site links between them, and each site's servers.

Made with `matplotlib.figure.Figure`, never pyplot (see sim.plots). The layout is deterministic:
the same scenario always gives the same picture.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..scenario.schema import Scenario

if TYPE_CHECKING:
    from .view import ResultView

SITE_COLOR = "tab:blue"
HUB_SITE_COLOR = "tab:orange"


def _scenario(source: Any) -> Scenario:
    """The Scenario of a Scenario, a Results (its .scenario), or anything sim.load_scenario reads."""
    scenario = getattr(source, "scenario", source)
    if isinstance(scenario, Scenario):
        return scenario
    from ..scenario.loading import load_scenario

    return load_scenario(scenario)


def link_label(link) -> str:
    """A site link's cost as drawn: '10', or '10 (Exch 5)' when an Exchange cost overrides it."""
    return f"{link.cost}" + (f" (Exch {link.exchange_cost})" if link.exchange_cost is not None else "")


def _servers(site, edges=()) -> str:
    lines = []
    hubs = [hub.name for hub in site.hubs]
    if hubs:
        lines.append("Hub: " + ", ".join(hubs))
    for mbx in site.mailbox_servers:
        lines.append(f"Mailbox: {mbx.name}{' + Hub' if mbx.is_hub else ''} ({mbx.mailboxes:,})")
    subscribed = [edge.name for edge in edges if edge.subscribed_site == site.name]
    if subscribed:
        lines.append("Edge (perimeter): " + ", ".join(subscribed))
    return "\n".join(lines) if lines else "(no Exchange servers)"


def _layout(scenario: Scenario) -> dict[str, tuple[float, float]]:
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


def topology(source: Scenario | ResultView) -> Figure:
    """AD sites as nodes (hub sites drawn as orange diamonds), site links as edges labelled with their
    cost (and Exchange cost where set), and each site's Hub and Mailbox servers listed under its node."""
    scenario = _scenario(source)
    positions = _layout(scenario)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    fig = Figure(
        figsize=(min(16.0, max(6.0, 2.6 * (width + 1.2))), min(12.0, max(3.5, 2.4 * (height + 1.4)))),
        layout="constrained",
    )
    ax = fig.add_subplot()

    for link in scenario.site_links:
        (x1, y1), (x2, y2) = positions[link.sites[0]], positions[link.sites[1]]
        ax.plot([x1, x2], [y1, y2], color="grey", linewidth=1.5, zorder=1)
    # Edge labels at the midpoints; several links joining the same two sites share one label.
    labels: dict[frozenset, list[str]] = {}
    for link in scenario.site_links:
        labels.setdefault(frozenset(link.sites), []).append(link_label(link))
    for pair, texts in labels.items():
        a, b = sorted(pair)
        (x1, y1), (x2, y2) = positions[a], positions[b]
        ax.text(
            (x1 + x2) / 2,
            (y1 + y2) / 2,
            " / ".join(texts),
            ha="center",
            va="center",
            fontsize="small",
            gid="site-link-label",
            zorder=3,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "lightgrey"},
        )

    for hub_site, marker, color in ((False, "o", SITE_COLOR), (True, "D", HUB_SITE_COLOR)):
        sites = [site for site in scenario.sites if site.hub_site == hub_site]
        if sites:
            ax.scatter(
                [positions[s.name][0] for s in sites],
                [positions[s.name][1] for s in sites],
                s=600,
                marker=marker,
                color=color,
                edgecolors="black",
                linewidths=1.2,
                zorder=2,
                gid="hub-sites" if hub_site else "sites",
            )
    offset = 0.12
    for site in scenario.sites:
        x, y = positions[site.name]
        title = site.name + (" (hub site)" if site.hub_site else "")
        ax.text(x, y + offset, title, ha="center", va="bottom", fontsize="medium", fontweight="bold", zorder=4)
        ax.text(x, y - offset, _servers(site, scenario.edges), ha="center", va="top", fontsize="x-small", zorder=4)

    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.75, max(ys) + 0.4)
    ax.set_axis_off()
    ax.set_title(f"AD sites and IP site links: {scenario.name}")
    handles = [
        Line2D(
            [], [], marker="o", linestyle="", markersize=10, color=SITE_COLOR, markeredgecolor="black", label="AD site"
        )
    ]
    if any(site.hub_site for site in scenario.sites):
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                linestyle="",
                markersize=9,
                color=HUB_SITE_COLOR,
                markeredgecolor="black",
                label="hub site (mail stops here)",
            )
        )
    if scenario.site_links:
        handles.append(Line2D([], [], color="grey", label="site link: cost (Exch = Exchange cost)"))
    ax.legend(handles=handles, loc="lower right", fontsize="small", frameon=False)
    return fig
