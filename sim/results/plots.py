"""Figures built from Results. Each returns a matplotlib Figure; nothing here shows or saves one.

Figures are made with `matplotlib.figure.Figure`, not pyplot, so library code keeps no global state
and works in any backend, Jupyter included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from .view import ResultView


def _hours(seconds):
    return np.asarray(seconds, dtype=float) / 3600.0


def throughput(result: ResultView) -> Figure:
    """Messages categorized per hour by each Hub, over simulated time."""
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.add_subplot()
    frame = result.throughput
    for server, rows in frame.groupby("server", sort=True):
        ax.plot(_hours(rows["time"]), rows["per_hour"], label=server, linewidth=1.2)
    ax.set(xlabel="simulated time (h)", ylabel="messages per hour", title=f"Hub throughput: {result.scenario.name}")
    if len(frame):
        ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def latency(result: ResultView) -> Figure:
    """CDF of end-to-end latency after warm-up, with p50, p90 and p99 marked."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    values = np.sort(result.latencies)
    if len(values):
        ax.plot(values, np.arange(1, len(values) + 1) / len(values), linewidth=1.5)
        for q, style in ((50, ":"), (90, "--"), (99, "-.")):
            x = float(np.percentile(values, q))
            ax.axvline(x, linestyle=style, color="grey")
            ax.annotate(f"p{q} {x:.3g}s", (x, q / 100), textcoords="offset points", xytext=(4, -12), fontsize="small")
        if values[0] > 0 and values[-1] / values[0] > 100:
            ax.set_xscale("log")
    else:
        ax.text(0.5, 0.5, "no delivered mail after warm-up", ha="center", transform=ax.transAxes)
    ax.set(xlabel="latency (s)", ylabel="share of recipients", ylim=(0, 1.01), title="End-to-end latency (CDF)")
    ax.grid(alpha=0.3)
    return fig


def queues(result: ResultView, top: int = 8) -> Figure:
    """Length over time of the queues that held the most mail (waiting plus in service)."""
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.add_subplot()
    frame = result.queues
    if len(frame):
        peaks = frame.groupby("queue")["length"].max().sort_values(ascending=False)
        shown = [q for q, peak in peaks.items() if peak > 0][:top]
        for queue in sorted(shown):
            rows = frame[frame["queue"] == queue]
            ax.step(_hours(rows["time"]), rows["length"], where="post", label=queue, linewidth=1.1)
        if shown:
            ax.legend(loc="upper right", fontsize="small")
    ax.set(xlabel="simulated time (h)", ylabel="messages in queue", title=f"Queue length (busiest {top})")
    ax.grid(alpha=0.3)
    return fig


def utilisation(result: ResultView) -> Figure:
    """Share of each Hub's cores busy after warm-up."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    values = result.summary()["utilisation_by_server"]
    names = list(values)
    bars = ax.barh(names, [values[n] * 100 for n in names], color="tab:blue")
    ax.bar_label(bars, fmt="%.1f%%", padding=3, fontsize="small")
    ax.set(xlabel="core utilisation (%)", xlim=(0, 105), title="Utilisation by server")
    ax.invert_yaxis()
    ax.grid(alpha=0.3, axis="x")
    return fig
