"""The latency figure: latency over time beside the CDF, and per destination AD site where that adds something.

A whole-run CDF answers "how fast in general" and hides when: 45 minutes of mail held on a failed Hub are a
few hundred recipients in two hundred thousand, invisible on a CDF. Latency over time (p50, p95, p99 and the
slowest of each 5 minutes, by submission time, fault windows shaded) shows where a failure happened. A panel is
drawn only where it adds something: no per-site panel for one destination site, and no empty placeholder for a
run that did not keep a row per recipient (a line under the figure says so instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..figure import new_figure
from ..hours import Population
from ..palette import FAULT_COLOR, PERCENTILE_STYLES, Look, site_looks
from ..style import clock_axis, hours, shade_faults, tidy

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..view import ResultView

LATENCY_BIN = 300.0
"""Latency over time in 5-minute bins of submission time."""
CDF_POINTS = 2000
"""A latency CDF is drawn through at most this many of its steps: a panel is a few hundred pixels high, so the
line through every one of a day's million recipients looks the same and takes most of the figure's time."""
CDF_MARKS = (50, 90, 99)
OUTSIDE_LOOKS = (Look("#999999", None, ":", 0), Look("#bbbbbb", None, (0, (3, 1, 1, 1)), 0))
"""Destinations outside the AD sites (the Internet, a smart host's system): light greys, dotted."""


def cdf_points(values: np.ndarray, limit: int = CDF_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The empirical CDF of sorted `values` as (x, share) points to draw a line through: every step when there
    are at most `limit`, else `limit` steps evenly spaced in rank, first and last included. Each skipped
    step lies between two drawn ones, so the line is never more than 1/`limit` of a share from the full CDF."""
    n = len(values)
    ranks = np.arange(n) if n <= limit else np.unique(np.linspace(0, n - 1, limit).round().astype(np.int64))
    return values[ranks], (ranks + 1) / n


def short(seconds: float) -> str:
    """A latency as read on a slide: 121ms, 3.2s, 45m."""
    if not np.isfinite(seconds):
        return "not delivered"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 100:
        return f"{seconds:,.1f}s"
    return f"{seconds:,.0f}s" if seconds < 600 else f"{seconds / 60:,.0f}m"


def latency_bins(result: ResultView) -> dict[str, np.ndarray]:
    """Per 5 minutes of submission time (after warm-up): bin start (s), recipients, p50, p95, p99 and the slowest
    (inf where a recipient submitted then was never delivered: sim.results.hours.Population)."""
    population = Population(result.record)
    start = result.scenario.warmup
    stop = min(result.scenario.duration, result.end_time)
    edges = np.arange(np.floor(start / LATENCY_BIN) * LATENCY_BIN, stop, LATENCY_BIN)
    rows: dict[str, list] = {"start": [], "recipients": [], "p50": [], "p95": [], "p99": [], "max": []}
    for low in edges:
        values = population.between(max(low, start), min(low + LATENCY_BIN, stop))
        if not len(values):
            continue
        p50, p95, p99 = np.percentile(values, (50, 95, 99), method="inverted_cdf")
        for key, value in zip(rows, (low, len(values), p50, p95, p99, values.max())):
            rows[key].append(float(value))
    return {key: np.array(values) for key, values in rows.items()}


def draw_latency_over_time(ax: Axes, result: ResultView) -> None:
    """p50, p95 and p99 per 5 minutes of submission time as lines, the slowest recipient of each as a dot; a
    recipient never delivered puts a red triangle at the top; fault windows shaded."""
    bins = latency_bins(result)
    middle = hours(bins["start"] + LATENCY_BIN / 2)
    finite = np.concatenate([bins[k][np.isfinite(bins[k])] for k in ("p50", "p95", "p99", "max")])
    top = float(finite.max()) if len(finite) else 1.0
    for q, (color, dashes) in PERCENTILE_STYLES.items():
        values = np.where(np.isfinite(bins[f"p{q}"]), bins[f"p{q}"], np.nan)
        ax.plot(middle, values, color=color, linestyle=dashes, linewidth=1.8 if q == 99 else 1.4, label=f"p{q}")
    slowest = np.isfinite(bins["max"])
    ax.plot(middle[slowest], bins["max"][slowest], linestyle="", marker="o", markersize=3.5, color="#444444",
            alpha=0.7, label="slowest recipient")  # fmt: skip
    if slowest.any():
        worst = int(np.argmax(np.where(slowest, bins["max"], -np.inf)))
        ax.annotate(f"slowest {short(bins['max'][worst])}", (middle[worst], bins["max"][worst]), xytext=(6, -3),
                    textcoords="offset points", fontsize="small", va="top")  # fmt: skip
    never = ~np.isfinite(bins["max"])
    if never.any():
        ax.plot(middle[never], np.full(never.sum(), top * 1.6), linestyle="", marker="^", color=FAULT_COLOR,
                label="some still held at the end (never delivered)")  # fmt: skip
    if len(finite) and finite.min() > 0 and top / finite.min() > 50:
        ax.set_yscale("log")
    shade_faults(ax, result)
    if result.scenario.warmup > 0:
        ax.axvspan(0, result.scenario.warmup / 3600.0, color="#eeeeee", linewidth=0, label="warm-up: not counted")
    span = max(result.end_time / 3600.0, 1e-6)
    ax.set_xlim(0, span)
    clock_axis(ax, result.start, span)
    ax.set_xlabel("submitted at, clock time (UTC), 5-minute bins")
    ax.set_ylabel("end-to-end latency (s)")
    tidy(ax)
    if len(middle):  # beside the panel: the data has the whole of it
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)


def draw_latency(ax: Axes, result: ResultView) -> None:
    """CDF of end-to-end latency after warm-up, with p50, p90 and p99 marked and the slowest recipient named."""
    values = np.sort(result.latencies)
    if len(values):
        ax.plot(*cdf_points(values), linewidth=1.8, color="black")
        for q, style in zip(CDF_MARKS, (":", "--", "-.")):
            x = float(np.percentile(values, q))
            ax.axvline(x, linestyle=style, color="grey")
            ax.annotate(f"p{q} {short(x)}", (x, q / 100), textcoords="offset points", xytext=(4, -12),
                        fontsize="small")  # fmt: skip
        if values[-1] > 3 * np.percentile(values, 99):  # a tail the eye would miss: the slowest, named
            ax.plot([values[-1]], [1.0], marker="o", color=FAULT_COLOR, linestyle="")
            ax.annotate(f"slowest {short(values[-1])}", (values[-1], 1.0), textcoords="offset points",
                        xytext=(-6, -48), ha="right", va="top", fontsize="small", color=FAULT_COLOR,
                        arrowprops={"arrowstyle": "-", "color": FAULT_COLOR, "linewidth": 0.8})  # below the p labels  # fmt: skip
        if values[0] > 0 and values[-1] / values[0] > 100:
            ax.set_xscale("log")
    else:
        ax.text(0.5, 0.5, "no delivered mail after warm-up", ha="center", transform=ax.transAxes)
    ax.set(xlabel="end-to-end latency (s)", ylabel="share of recipients delivered", ylim=(0, 1.04))
    tidy(ax)


def _by_site(result: ResultView) -> dict[str, np.ndarray]:
    """Sorted latencies per destination AD site ({} when the run kept no row per recipient)."""
    if result.scenario.record == "summary":
        return {}
    m = result.messages
    m = m[(m["status"] == "delivered") & (m["submitted_at"] >= result.scenario.warmup)]
    return {str(site): np.sort(rows["latency_s"].to_numpy())
            for site, rows in m.groupby("destination_site", sort=True, observed=True) if len(rows)}  # fmt: skip


def draw_latency_by_site(ax: Axes, result: ResultView, by_site: dict[str, np.ndarray]) -> None:
    """One CDF per destination AD site, in the site's grey and dashes, its p99 in the legend."""
    looks = site_looks(result.scenario)
    outside = iter(OUTSIDE_LOOKS)
    wide = False
    for site, values in by_site.items():
        look = looks.get(site) or next(outside, OUTSIDE_LOOKS[-1])  # the Internet, a smart host: not AD sites
        style = look.line()
        ax.plot(*cdf_points(values), **style, label=f"{site}: p99 {short(float(np.percentile(values, 99)))}")
        wide = wide or (values[0] > 0 and values[-1] / values[0] > 100)
    if wide:
        ax.set_xscale("log")
    ax.set(xlabel="end-to-end latency (s)", ylim=(0, 1.04))
    ax.set_title("by destination AD site" if set(by_site) <= set(looks) else "by destination", loc="left", fontsize=10)
    ax.legend(loc="lower right", fontsize="small")
    tidy(ax)


def latency(result: ResultView) -> Figure:
    """Latency over time (p50/p95/p99 per 5 minutes, faults shaded) beside the CDF of every recipient, and the
    CDF per destination AD site when there are several (a line under the figure when the run kept too little)."""
    by_site = _by_site(result)
    several = len(by_site) > 1
    fig = new_figure(14 if several else 12, 4.8)
    grid = fig.add_gridspec(1, 3 if several else 2, width_ratios=(2.2, 1, 1) if several else (2.2, 1))
    over_time = fig.add_subplot(grid[0, 0])
    draw_latency_over_time(over_time, result)
    overall = fig.add_subplot(grid[0, 1])
    draw_latency(overall, result)
    overall.set_title("all recipients (CDF)", loc="left", fontsize=10)
    if several:
        draw_latency_by_site(fig.add_subplot(grid[0, 2], sharey=overall), result, by_site)
    fig.suptitle(f"End-to-end latency: {result.scenario.name}", x=0.01, ha="left", fontsize=11, fontweight="bold")
    sites = [site.name for site in result.scenario.sites if site.mailbox_servers]
    if result.scenario.record == "summary" and len(sites) > 1:
        fig.supxlabel("Latency by destination AD site is not drawn: it needs a row per recipient (record: messages).",
                      x=0.01, ha="left", fontsize="small", color="dimgrey")  # fmt: skip
    return fig
