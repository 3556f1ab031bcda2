"""Figures built from Results. Each returns a matplotlib Figure; nothing here shows or saves one.

Figures are made with `matplotlib.figure.Figure`, not pyplot, so library code keeps no global state
and works in any backend, Jupyter included. Each figure also has a `draw_*` function that draws its main
panel into axes the caller owns (`result.figure(name, ax=ax)`). Look and time axes: sim.results.style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .figure import new_figure
from .style import THRESHOLD_COLOR, clock_axis, hours, shade_faults, tidy, title

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .view import ResultView

THROUGHPUT_BIN = 900.0
"""Throughput is drawn in 15-minute bins: per-minute samples of a Poisson stream are mostly noise."""
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
CDF_POINTS = 2000
"""A latency CDF is drawn through at most this many of its steps: a panel is a few hundred pixels high, so the
line through every one of a day's million recipients looks the same and takes most of the figure's time."""


def cdf_points(values: np.ndarray, limit: int = CDF_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The empirical CDF of sorted `values` as (x, share) points to draw a line through: every step when there
    are at most `limit`, else `limit` steps evenly spaced in rank, first and last included. Each skipped
    step lies between two drawn ones, so the line is never more than 1/`limit` of a share from the full CDF."""
    n = len(values)
    ranks = np.arange(n) if n <= limit else np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))
    return values[ranks], (ranks + 1) / n


def _span(result: ResultView) -> float:
    return max(result.end_time / 3600.0, 1e-6)


def _binned_throughput(result: ResultView) -> pd.DataFrame:
    """Messages categorized per Hub per 15-minute bin, as an hourly rate: columns bin (s), server, per_hour."""
    frame = result.throughput
    if not len(frame):
        return pd.DataFrame(columns=["bin", "server", "per_hour"])
    times = frame["time"].to_numpy(dtype=float)
    bins = np.maximum(np.floor((times - 1e-9) / THROUGHPUT_BIN), 0) * THROUGHPUT_BIN  # a sample closes its interval
    table = pd.DataFrame({"bin": bins, "server": frame["server"].astype(str), "messages": frame["messages"]})
    grouped = table.groupby(["server", "bin"], sort=True)["messages"].sum().reset_index()
    covered = np.minimum(grouped["bin"] + THROUGHPUT_BIN, times.max()) - grouped["bin"]
    grouped["per_hour"] = grouped["messages"] * 3600.0 / np.maximum(covered, 1e-9)
    return grouped


def draw_throughput(ax: Axes, result: ResultView, totals: bool = True) -> None:
    """Messages per hour categorized by each Hub (15-minute bins); dashed, the total per AD site."""
    binned = _binned_throughput(result)
    middle = THROUGHPUT_BIN / 2
    for server, rows in binned.groupby("server", sort=True):
        ax.plot(hours(rows["bin"] + middle), rows["per_hour"], label=server, linewidth=1.4, marker=".")
    if totals:
        _site_totals(ax, result, binned)
    _time_axes(ax, result, "messages per hour")
    if len(binned):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    ax.set_ylim(bottom=0)


def _site_totals(ax: Axes, result: ResultView, binned: pd.DataFrame, dashed: bool = True) -> None:
    site_of = dict(zip(result.record.servers, result.record.server_sites))
    if not len(binned):
        return
    sites = binned.assign(site=binned["server"].map(site_of)).groupby(["site", "bin"], sort=True)["per_hour"].sum()
    for site, rows in sites.groupby(level="site", sort=True):
        ax.plot(hours(rows.index.get_level_values("bin") + THROUGHPUT_BIN / 2), rows.to_numpy(), label=f"site {site}",
                linestyle="--" if dashed else "-", linewidth=2.0, color="black" if dashed else None)  # fmt: skip


def throughput(result: ResultView) -> Figure:
    """Top: messages categorized per hour by each Hub. Bottom: the total per AD site. 15-minute bins."""
    fig = new_figure(10, 6.5)
    hubs, sites = fig.subplots(2, 1, sharex=True)
    draw_throughput(hubs, result, totals=False)
    title(hubs, "Hub throughput (15-minute bins)", result.scenario.name)
    _site_totals(sites, result, _binned_throughput(result), dashed=False)
    _time_axes(sites, result, "messages per hour, per AD site")
    sites.set_ylim(bottom=0)
    if sites.get_lines():
        sites.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    hubs.set_xlabel("")
    return fig


def _time_axes(ax: Axes, result: ResultView, ylabel: str) -> None:
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, _span(result))
    clock_axis(ax, result.start, _span(result))
    tidy(ax)


def draw_latency(ax: Axes, result: ResultView) -> None:
    """CDF of end-to-end latency after warm-up, with p50, p90 and p99 marked."""
    values = np.sort(result.latencies)
    if len(values):
        ax.plot(*cdf_points(values), linewidth=1.8, color="tab:blue")
        for q, style in ((50, ":"), (90, "--"), (99, "-.")):
            x = float(np.percentile(values, q))
            ax.axvline(x, linestyle=style, color="grey")
            ax.annotate(f"p{q} {_short(x)}", (x, q / 100), textcoords="offset points", xytext=(4, -12),
                        fontsize="small")  # fmt: skip
        if values[0] > 0 and values[-1] / values[0] > 100:
            ax.set_xscale("log")
    else:
        ax.text(0.5, 0.5, "no delivered mail after warm-up", ha="center", transform=ax.transAxes)
    ax.set(xlabel="end-to-end latency (s)", ylabel="share of recipients", ylim=(0, 1.01))
    tidy(ax)


def _short(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:,.1f}s" if seconds < 100 else f"{seconds:,.0f}s"


def latency(result: ResultView) -> Figure:
    """Left: the CDF of end-to-end latency. Right: one CDF per destination AD site (needs record: messages)."""
    fig = new_figure(11, 4.6)
    overall, by_site = fig.subplots(1, 2, sharey=True)
    draw_latency(overall, result)
    # The scenario's title spans both panels (a long name would run into the right panel's own title).
    fig.suptitle(f"End-to-end latency (CDF): {result.scenario.name}", x=0.01, ha="left", fontsize=11,
                 fontweight="bold")  # fmt: skip
    overall.set_title("all recipients", loc="left", fontsize=11)
    _latency_by_site(by_site, result)
    return fig


def _latency_by_site(ax: Axes, result: ResultView) -> None:
    ax.set_title("by destination AD site", loc="left", fontsize=11)
    tidy(ax)
    if result.scenario.record == "summary":
        ax.text(0.5, 0.5, "needs a row per recipient:\nrecord: messages", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip
        return
    m = result.messages
    m = m[(m["status"] == "delivered") & (m["submitted_at"] >= result.scenario.warmup)]
    wide = False
    for site, rows in m.groupby("destination_site", sort=True, observed=True):
        values = np.sort(rows["latency_s"].to_numpy())
        if not len(values):
            continue
        p99 = float(np.percentile(values, 99))
        ax.plot(*cdf_points(values), linewidth=1.6, label=f"{site}: p99 {_short(p99)}")
        wide = wide or (values[0] > 0 and values[-1] / values[0] > 100)
    if wide:
        ax.set_xscale("log")
    ax.set(xlabel="end-to-end latency (s)")
    if ax.get_lines():
        ax.legend(loc="lower right", fontsize="small")


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


def _draw_queue_lines(ax: Axes, binned: pd.DataFrame, limit: int, strip: str = "") -> None:
    peaks = binned.groupby("queue")["length"].max().sort_values(ascending=False, kind="stable")
    shown = list(peaks.index[:limit])
    for queue in shown:
        rows = binned[binned["queue"] == queue]
        x = np.append(hours(rows["bin"]), hours(rows["bin"].iloc[-1] + QUEUE_BIN))
        y = np.append(rows["length"].to_numpy(), rows["length"].iloc[-1])
        ax.step(x, y, where="post", linewidth=1.4, label=queue.removeprefix(strip))
    rest = [q for q in peaks.index if q not in shown]
    if rest:
        most = binned[binned["queue"].isin(rest)].groupby("bin")["length"].max()
        ax.step(hours(most.index), most.to_numpy(), where="post", color="grey", linewidth=1,
                label=f"{len(rest)} more queues (largest)")  # fmt: skip


def draw_queues(ax: Axes, result: ResultView, limit: int = 8) -> None:
    """Every queue that ever held mail (the `limit` fullest by name), most messages per 5-minute bin."""
    binned = queue_bins(result)
    _draw_queue_lines(ax, binned, limit)
    shade_faults(ax, result)
    _time_axes(ax, result, "messages in queue")
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
    for ax, server in zip(panels, servers):
        _draw_queue_lines(ax, binned[binned["server"] == server], SHOWN_QUEUES, strip=f"{server}\\")
        shade_faults(ax, result)
        _time_axes(ax, result, "messages in queue")
        ax.set_ylim(bottom=0)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.text(0.01, 0.95, server, transform=ax.transAxes, va="top", fontweight="bold")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    served = binned.attrs.get("served_only", 0)
    if not servers:
        _time_axes(panels[0], result, "messages in queue")
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
    for server, rows in load.groupby("server", sort=True, observed=True):
        ax.plot(hours(rows["time"] + 150.0), rows["core_utilisation"] * 100, linewidth=1.4, label=str(server))
    ax.axhline(threshold * 100, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.2,
               label=f"planning threshold {threshold:.0%}")  # fmt: skip
    shade_faults(ax, result)
    _time_axes(ax, result, "core utilisation (%), 5-minute bins")
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
    bars = bars_ax.barh(names, [values[n] * 100 for n in names], color="tab:blue")
    bars_ax.bar_label(bars, fmt="%.1f%%", padding=3, fontsize="small")
    bars_ax.set(xlabel="core utilisation over the run (%)", xlim=(0, 105))
    bars_ax.invert_yaxis()
    tidy(bars_ax)
    title(bars_ax, "Utilisation", result.scenario.name)
    draw_utilisation(fig.add_subplot(grid[0, 1]), result)
    return fig
