"""One look for every figure: the scenario's name in each title, clock time on time axes, outage windows shaded
in red and the drain (no new mail) in grey, light grids. Colours of servers and sites: sim.results.palette.

Time axes keep hours from the start as their data (so a figure's numbers stay easy to test and to compute
with) and label the ticks with the UTC clock time those hours stand for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.ticker import FuncFormatter, MultipleLocator

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .view import ResultView

FAULT_COLOR = "#d62728"
THRESHOLD_COLOR = "#d62728"
DRAIN_COLOR = "#bbbbbb"


def title(ax: Axes, what: str, name: str) -> None:
    """'What: scenario name', left-aligned, the same size everywhere."""
    ax.set_title(f"{what}: {name}", loc="left", fontsize=11, fontweight="bold")


def tidy(ax: Axes) -> None:
    """Light grid, no top and right frame."""
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def hours(seconds) -> np.ndarray:
    """Seconds from the start as hours (the data unit of every time axis)."""
    return np.asarray(seconds, dtype=float) / 3600.0


def clock_axis(ax: Axes, start: datetime, span_h: float, label: bool = True) -> None:
    """Ticks at round clock times, labelled HH:MM (with the weekday when the run spans days)."""
    step = next((s for s in (0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 168) if span_h / s <= 9), 336)
    offset = (start.hour * 60 + start.minute) / 60 % step  # ticks on whole clock multiples of the step
    ax.xaxis.set_major_locator(MultipleLocator(step, offset=-offset if offset else 0.0))
    days = span_h > 24
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: (start + timedelta(hours=x)).strftime("%a %H:%M" if days else "%H:%M"))
    )
    if label:
        ax.set_xlabel(f"clock time (UTC), run starting {start:%a %d %b %Y %H:%M}")


def shade_faults(ax: Axes, result: ResultView, labelled: bool = True) -> None:
    """Each fault window (result.fault_windows) as a red band; the first of each target named in the legend."""
    end = result.end_time / 3600.0
    named = set()
    for window in result.fault_windows.itertuples():
        stop = end if np.isnan(window.end) else window.end / 3600.0
        kind = "" if window.kind == "internet" else f"{window.kind.replace('_', ' ')} "  # the target says Internet
        name = f"down: {kind}{window.target}"
        label = name if labelled and name not in named else None
        named.add(name)
        ax.axvspan(window.start / 3600.0, stop, color=FAULT_COLOR, alpha=0.12, linewidth=0, label=label)


def shade_drain(ax: Axes, result: ResultView, labelled: bool = True) -> None:
    """The drain (after `duration`, no new mail: what is drawn there only empties) as a hatched grey band."""
    start, end = result.scenario.duration / 3600.0, result.end_time / 3600.0
    if end > start:
        ax.axvspan(start, end, facecolor="none", edgecolor=DRAIN_COLOR, hatch="/", linewidth=0,
                   label="drain: no new mail" if labelled else None)  # fmt: skip
