"""One look for every figure: the scenario's name in each title, clock time on time axes, server roles in one
set of colours, outage windows shaded, light grids.

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

ROLE_COLORS = {"Hub": "#1f77b4", "Mailbox": "#2ca02c", "Mailbox+Hub": "#17becf", "Edge": "#9467bd"}
"""A server's colour by role, in every figure that draws servers."""
FAULT_COLOR = "#d62728"
THRESHOLD_COLOR = "#d62728"


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
        name = f"down: {window.kind.replace('_', ' ')} {window.target}"
        label = name if labelled and name not in named else None
        named.add(name)
        ax.axvspan(window.start / 3600.0, stop, color=FAULT_COLOR, alpha=0.12, linewidth=0, label=label)
