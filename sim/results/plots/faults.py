"""What broke and what it did to the queues: fault windows and back pressure on a timeline, above the
mail held in transport queues by queue status (Active, Ready, Retry, Suspended).

Made with `matplotlib.figure.Figure`, never pyplot (see sim.results.plots.time_series).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..figure import ExsimFigure
from ..style import clock_axis, shade_faults, title

if TYPE_CHECKING:
    from ..view import ResultView

KIND_LABELS = {"transport": "transport service", "server": "server", "site_link": "site link",
               "partition": "partition", "internet": "Internet", "send_connector": "Send connector"}  # fmt: skip
LEVEL_COLORS = {"Medium": "#f4a3a3", "High": "#7f0000"}
STATE_COLORS = {"Active": "#555555", "Ready": "#b0b0b0", "Retry": "#d62728", "Suspended": "black"}
"""Reds and greys only: hues belong to servers (sim.results.palette); red is what went wrong (down, Retry, High)."""
FAULT_COLOR = "#d62728"
HELD_BIN = 300.0


def faults(result: ResultView) -> Figure:
    """Top: one row per fault target (down) and per server under back pressure (Medium, High).
    Bottom: messages in transport queues over time, stacked by the queue's status."""
    fig = ExsimFigure(figsize=(10, 6), layout="constrained")
    timeline, held = fig.subplots(2, 1, sharex=True, height_ratios=(1, 2))
    end = result.end_time / 3600.0
    rows = _timeline_rows(result, end)
    for y, (_, bars) in enumerate(rows):
        for start, width, color in bars:
            timeline.broken_barh([(start, width)], (y - 0.35, 0.7), color=color)
    timeline.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize="small")
    timeline.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    timeline.invert_yaxis()
    title(timeline, "Faults and back pressure", result.scenario.name)
    if not rows:
        timeline.text(0.5, 0.5, "no faults and no back pressure in this run", ha="center", va="center",
                      transform=timeline.transAxes)  # fmt: skip
    shown = {color for _, bars in rows for _, _, color in bars}
    legend = [Patch(color=FAULT_COLOR, label="down")] if FAULT_COLOR in shown else []
    legend += [Patch(color=color, label=f"back pressure {level}")
               for level, color in LEVEL_COLORS.items() if color in shown]  # fmt: skip
    if legend:
        timeline.legend(handles=legend, loc="upper right", fontsize="small", ncols=len(legend))
    timeline.grid(alpha=0.3, axis="x")
    _held_by_state(held, result)
    held.set_xlim(0, end)
    held.yaxis.set_major_locator(MaxNLocator(integer=True))
    clock_axis(held, result.start, max(end, 1e-6))
    return fig


def draw_held(ax, result: ResultView) -> None:
    """Mail held in transport queues by status, fault windows shaded, into the caller's axes."""
    _held_by_state(ax, result)
    shade_faults(ax, result)
    end = max(result.end_time / 3600.0, 1e-6)
    ax.set_xlim(0, end)
    clock_axis(ax, result.start, end)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize="small")


def _timeline_rows(result: ResultView, end: float) -> list[tuple[str, list[tuple[float, float, str]]]]:
    """(label, [(start h, width h, colour)]) for each fault target, then each server that felt back pressure."""
    rows: dict[str, list] = {}
    for window in result.fault_windows.itertuples():
        stop = end if np.isnan(window.end) else window.end / 3600.0
        label = f"{KIND_LABELS.get(window.kind, window.kind)} {window.target}"
        rows.setdefault(label, []).append((window.start / 3600.0, stop - window.start / 3600.0, FAULT_COLOR))
    for server, changes in result.pressure.groupby("server", sort=True, observed=True):
        times = [*(changes["time"] / 3600.0), end]
        bars = [(t, t_next - t, LEVEL_COLORS[level])
                for level, t, t_next in zip(changes["level"], times, times[1:]) if level in LEVEL_COLORS]  # fmt: skip
        if bars:
            rows[f"{server} back pressure"] = bars
    return list(rows.items())


def _held_by_state(ax, result: ResultView) -> None:
    """Stacked area of messages in transport queues (waiting and in service), by the queue's status."""
    frame = result.queues
    ax.set(ylabel="messages in transport queues",
           title="Mail held in queues, by queue status (most per 5 minutes)")  # fmt: skip
    ax.grid(alpha=0.3)
    if not len(frame):
        return
    table = frame.pivot_table(index="time", columns="state", values="length", aggfunc="sum", observed=True)
    # the most held per 5-minute bin (as the queues figure draws): per-minute samples of 0 or 1 are a barcode
    table = table.fillna(0).groupby(np.floor(table.index.to_numpy(dtype=float) / HELD_BIN) * HELD_BIN).max()
    states = [state for state in STATE_COLORS if state in table.columns and table[state].sum() > 0]
    if not states:
        ax.text(0.5, 0.5, "the queues stayed empty", ha="center", va="center", transform=ax.transAxes)
        return
    hours = table.index.to_numpy(dtype=float) / 3600.0
    ax.stackplot(hours, *(table[state].fillna(0).to_numpy() for state in states), labels=states,
                 colors=[STATE_COLORS[state] for state in states], alpha=0.75, step="post")  # fmt: skip
    ax.legend(loc="upper left", fontsize="small")
