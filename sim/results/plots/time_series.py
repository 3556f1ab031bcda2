"""Figures built from Results: throughput, queues and utilisation (latency: sim.results.plots.latency). Each
returns a matplotlib Figure; nothing here shows or saves one.

Figures are made with `matplotlib.figure.Figure` (sim.results.figure), not pyplot, so library code keeps no
global state and works in any backend, Jupyter included. Each figure also has a `draw_*` function that draws its
main panel into axes the caller owns (`result.figure(name, ax=ax)`). Look and time axes: sim.results.style;
one colour and marker per server in every figure, sites in greys and dashes: sim.results.palette. A panel is
drawn only where it adds something (no per-site panel for one site).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..figure import new_figure
from ..palette import Look, server_look, server_looks, site_looks
from ..style import THRESHOLD_COLOR, clock_axis, hours, shade_drain, shade_faults, tidy, title
from .latency import cdf_points, draw_latency, latency  # noqa: F401 (figure names Results looks up here)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..view import ResultView

THROUGHPUT_BIN = 900.0
"""Throughput is drawn in 15-minute bins: per-minute samples of a Poisson stream are mostly noise. Bins cover the
generation window only (the drain, after `duration`, has no new mail and is shaded instead), and a bin cut short
by the end of generation or of the samples is a rate over the time it covers, so it never reads as a drop."""
QUEUE_BIN = 300.0
"""Queues are drawn as the most messages held in each 5-minute bin (the queue length's maximum, from the
queue's own changes: each sample carries the most held since the previous one, `max_length`, so a burst
between two samples is drawn): a queue that holds 0 or 1 message draws a barcode, the maximum per bin draws
what a planner asks: how full did it get. A sample closes its interval, so it counts in the bin its interval
lies in; with a sample_interval dividing 5 minutes each bin's value is the exact maximum over the bin.
Decision: a queue is drawn when a message ever waited in it for a thread (`max_waiting` > 0); a queue that
only ever held the messages being served is not a queue that filled, and is counted under the figure instead."""
UTILISATION_THRESHOLD = 0.7
"""Decision: the line drawn on utilisation over time. UNCONFIRMED: DOMAIN.md gives no Exchange 2007 figure;
70% leaves the headroom for the busiest hour and for a failed Hub's share that capacity planners keep."""
SHOWN_SERVERS = 6
SHOWN_QUEUES = 6


def _span(result: ResultView) -> float:
    return max(result.end_time / 3600.0, 1e-6)


def _binned_throughput(result: ResultView) -> pd.DataFrame:
    """Messages categorized per Hub per 15-minute bin of the generation window, as an hourly rate over the time
    each bin covers: columns bin (s), server, per_hour."""
    frame = result.throughput
    end = min(result.scenario.duration, result.end_time)
    times = frame["time"].to_numpy(dtype=float) if len(frame) else np.zeros(0)
    inside = times <= end + 1e-9  # a sample closes the interval before it: the one at `duration` still counts
    if not inside.any():
        return pd.DataFrame(columns=["bin", "server", "per_hour"])
    times, frame = times[inside], frame[inside]
    bins = np.maximum(np.floor((times - 1e-9) / THROUGHPUT_BIN), 0) * THROUGHPUT_BIN
    table = pd.DataFrame({"bin": bins, "server": frame["server"].astype(str).to_numpy(),
                          "messages": frame["messages"].to_numpy()})  # fmt: skip
    grouped = table.groupby(["server", "bin"], sort=True)["messages"].sum().reset_index()
    covered = np.minimum(grouped["bin"] + THROUGHPUT_BIN, times.max()) - grouped["bin"]
    grouped["per_hour"] = grouped["messages"] * 3600.0 / np.maximum(covered, 1e-9)
    grouped["middle"] = grouped["bin"] + np.minimum(covered, THROUGHPUT_BIN) / 2
    return grouped


def _server_lines(ax: Axes, result: ResultView, frame: pd.DataFrame, x: str, y: str, scale: float = 1.0) -> None:
    """One line per server of `frame` (column `server`), in the server's colour and marker (sim.results.palette),
    in the scenario's order so the widths stack the same way in every figure."""
    looks = server_looks(result.scenario)
    order = {name: i for i, name in enumerate(looks)}
    for server in sorted(frame["server"].astype(str).unique(), key=lambda name: order.get(name, len(order))):
        rows = frame[frame["server"].astype(str) == server]
        look = looks.get(server) or server_look(result.scenario, server)
        ax.plot(hours(rows[x]), rows[y].to_numpy() * scale, label=server, **look.line(len(rows)))


def draw_throughput(ax: Axes, result: ResultView, totals: bool = True) -> None:
    """Messages per hour categorized by each Hub (15-minute bins); with `totals`, each AD site's total in the
    site's grey dashes (for one site, only when it has more than one Hub)."""
    binned = _binned_throughput(result)
    _server_lines(ax, result, binned, "middle", "per_hour")
    if totals and (len(result.scenario.sites) > 1 or binned["server"].nunique() > 1):
        _site_totals(ax, result, binned)
    time_axes(ax, result, "messages per hour")
    if len(binned):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    ax.set_ylim(bottom=0)


def _site_totals(ax: Axes, result: ResultView, binned: pd.DataFrame) -> None:
    """Each AD site's total per bin, in the site's grey and dashes (never a server's colour)."""
    site_of = dict(zip(result.record.servers, result.record.server_sites))
    if not len(binned):
        return
    looks = site_looks(result.scenario)
    with_site = binned.assign(site=binned["server"].map(site_of))
    sites = with_site.groupby(["site", "bin"], sort=True).agg(per_hour=("per_hour", "sum"), middle=("middle", "first"))
    for site, rows in sites.groupby(level="site", sort=True):
        look = looks.get(site, Look("black", None, "--", 0))
        ax.plot(hours(rows["middle"]), rows["per_hour"].to_numpy(), label=f"site {site} (total)", **look.line())


def throughput(result: ResultView) -> Figure:
    """Messages categorized per hour by each Hub, 15-minute bins. One site: its total dashed on the same panel.
    Several sites: a second panel with each site's total."""
    several = len(result.scenario.sites) > 1
    fig = new_figure(10, 6.5 if several else 4.4)
    panels = fig.subplots(2 if several else 1, 1, sharex=True, squeeze=False)[:, 0]
    hubs = panels[0]
    draw_throughput(hubs, result, totals=not several)
    title(hubs, "Hub throughput (15-minute bins)", result.scenario.name)
    if several:
        sites = panels[1]
        _site_totals(sites, result, _binned_throughput(result))
        time_axes(sites, result, "messages per hour, per AD site")
        sites.set_ylim(bottom=0)
        if sites.get_lines():
            sites.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
        hubs.set_xlabel("")
    return fig


def time_axes(ax: Axes, result: ResultView, ylabel: str, labelled: bool = True) -> None:
    """Clock time over the whole run, the drain hatched (named in the legend when `labelled`), a light grid."""
    shade_drain(ax, result, labelled)
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, _span(result))
    clock_axis(ax, result.start, _span(result))
    tidy(ax)


def queue_bins(result: ResultView) -> pd.DataFrame:
    """The most messages each queue held at once in each 5-minute bin (columns server, queue, bin: its start in
    seconds, length), for the queues where a message ever waited; attrs["served_only"] counts the others that
    held mail."""
    frame = result.queues
    if not len(frame):
        return pd.DataFrame(columns=["server", "queue", "bin", "length"])
    times = frame["time"].to_numpy(dtype=float)
    bins = np.maximum(np.floor((times - 1e-9) / QUEUE_BIN), 0) * QUEUE_BIN  # a sample closes the interval before it
    table = pd.DataFrame({"server": frame["server"].astype(str), "queue": frame["queue"].astype(str), "bin": bins,
                          "length": frame["max_length"].to_numpy(), "waiting": frame["max_waiting"].to_numpy()})  # fmt: skip
    binned = table.groupby(["server", "queue", "bin"], sort=True)[["length", "waiting"]].max().reset_index()
    waited = binned.groupby("queue")["waiting"].transform("max")
    shown = binned[waited > 0].drop(columns="waiting")
    shown.attrs["served_only"] = int(binned.loc[waited == 0].groupby("queue")["length"].max().gt(0).sum())
    return shown


OWN_STATIONS = ("Submission", "StoreDriverSubmission", "SmtpReceive", "AntiSpam", "Outbox")
OTHER_MARKERS = ("x", "+", "*", "1", "2", "3")


def queue_look(result: ResultView, queue: str, index: int = 0) -> Look:
    """How a queue is drawn: in its destination's look (a Mailbox server's or a site's), a server's own stages in
    that server's colour, dotted; anything else (a domain, Unreachable) grey with a marker of its own."""
    server, _, destination = queue.partition("\\")
    looks = server_looks(result.scenario)
    if destination in looks:
        return looks[destination]
    sites = site_looks(result.scenario)
    if destination in sites:
        return sites[destination]
    if destination in OWN_STATIONS and server in looks:
        return Look(looks[server].color, None, ":", 0)
    return Look("#666666", OTHER_MARKERS[index % len(OTHER_MARKERS)], "-.", 2)


def _draw_queue_lines(ax: Axes, result: ResultView, binned: pd.DataFrame, limit: int, strip: str = "") -> None:
    peaks = binned.groupby("queue")["length"].max().sort_values(ascending=False, kind="stable")
    shown = list(peaks.index[:limit])
    for i, queue in enumerate(shown):
        rows = binned[binned["queue"] == queue]
        x = np.append(hours(rows["bin"]), hours(rows["bin"].iloc[-1] + QUEUE_BIN))
        y = np.append(rows["length"].to_numpy(), rows["length"].iloc[-1])
        look = queue_look(result, queue, i)
        ax.plot(x, y, drawstyle="steps-post", label=queue.removeprefix(strip), **look.line(len(x)))
    rest = [q for q in peaks.index if q not in shown]
    if rest:
        most = binned[binned["queue"].isin(rest)].groupby("bin")["length"].max()
        ax.step(hours(most.index), most.to_numpy(), where="post", color="grey", linewidth=1,
                label=f"{len(rest)} more queues (largest)")  # fmt: skip


def draw_queues(ax: Axes, result: ResultView, limit: int = 8) -> None:
    """Every queue that ever held mail (the `limit` fullest by name), most messages per 5-minute bin."""
    binned = queue_bins(result)
    _draw_queue_lines(ax, result, binned, limit)
    shade_faults(ax, result)
    time_axes(ax, result, "messages in queue")
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)


def queues(result: ResultView) -> Figure:
    """One panel per server whose queues ever held mail: the most messages each queue held per 5-minute bin,
    with outage windows shaded."""
    binned = queue_bins(result)
    peaks = binned.groupby("server")["length"].max().sort_values(ascending=False, kind="stable")
    servers = sorted(peaks.index[:SHOWN_SERVERS])
    fig = new_figure(10.5, 1.2 + 2.0 * max(len(servers), 1))
    panels = fig.subplots(max(len(servers), 1), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, server) in enumerate(zip(panels, servers)):
        _draw_queue_lines(ax, result, binned[binned["server"] == server], SHOWN_QUEUES, strip=f"{server}\\")
        shade_faults(ax, result, labelled=i == 0)  # the bands are the same in every panel: named once
        time_axes(ax, result, "messages in queue", labelled=i == 0)
        ax.set_ylim(bottom=0)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.text(0.01, 0.95, server, transform=ax.transAxes, va="top", fontweight="bold")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    served = binned.attrs.get("served_only", 0)
    if not servers:
        time_axes(panels[0], result, "messages in queue")
        shade_faults(panels[0], result)
        panels[0].text(0.5, 0.5, "no message ever waited for a thread in any queue: every queue kept up\n"
                       f"({served} queues held only messages being served)", ha="center", va="center",
                       transform=panels[0].transAxes, fontsize="large")  # fmt: skip
    for ax in panels[:-1]:
        ax.set_xlabel("")
    hidden = len(peaks) - len(servers)
    more = f"; {hidden} more servers in result.queues" if hidden > 0 else ""
    if servers and served:
        more += f"; {served} queues that only held messages being served not drawn"
    title(panels[0], "Queues, most messages per 5 minutes, by server", result.scenario.name)
    if more:
        panels[-1].set_xlabel(f"{panels[-1].get_xlabel()}\n({more.removeprefix('; ')})")
    return fig


def draw_utilisation(ax: Axes, result: ResultView, threshold: float = UTILISATION_THRESHOLD) -> None:
    """Core utilisation of each Hub and Edge over time (5-minute bins), with the planning threshold."""
    load = result.load
    _server_lines(ax, result, load.assign(middle=load["time"] + 150.0), "middle", "core_utilisation", scale=100)
    ax.axhline(threshold * 100, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.2,
               label=f"planning threshold {threshold:.0%}")  # fmt: skip
    shade_faults(ax, result)
    time_axes(ax, result, "core utilisation (%), 5-minute bins")
    top = max([threshold * 100, *(load["core_utilisation"] * 100)]) if len(load) else 100
    ax.set_ylim(0, min(105, top * 1.15 + 1))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)


def utilisation(result: ResultView) -> Figure:
    """Left: each Hub's and Edge's core utilisation over the run. Right: the same over time, 5-minute bins."""
    fig = new_figure(12, 4.6)
    grid = fig.add_gridspec(1, 2, width_ratios=(1, 2.6))
    bars_ax = fig.add_subplot(grid[0, 0])
    values = result.summary()["utilisation_by_server"]
    names = list(values)
    colors = [server_look(result.scenario, name).color for name in names]
    bars = bars_ax.barh(names, [values[n] * 100 for n in names], color=colors)
    bars_ax.bar_label(bars, fmt="%.1f%%", padding=3, fontsize="small")
    bars_ax.set(xlabel="core utilisation over the run (%)", xlim=(0, 105))
    bars_ax.invert_yaxis()
    tidy(bars_ax)
    title(bars_ax, "Utilisation", result.scenario.name)
    draw_utilisation(fig.add_subplot(grid[0, 1]), result)
    return fig
