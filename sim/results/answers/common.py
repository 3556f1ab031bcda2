"""What every answer figure shares: the answer as its title, the question under it, numbers worded one way.

An answer figure is titled with the answer computed from the run ("N-1 holds: the busiest survivor at 23% of
its cores while SEA-HUB1 was down, against 70%"), so a slide reads without its speaker; the question it
answers and the run it comes from are the caption at the bottom.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...scenario.units import format_duration
from ..figure import ExsimFigure, new_figure

if TYPE_CHECKING:
    from ..view import ResultView

ANSWER_BIN = 300.0
"""Answer figures draw time in 5-minute bins: a 30-minute outage is six points, not two."""


def titled(fig: ExsimFigure, answer: str, question: str, result: ResultView) -> ExsimFigure:
    """`answer` as the figure's title (wrapped to the figure's width); the question and the run as its caption."""
    width = int(fig.get_figwidth() * 9.2)  # characters of 12-point bold a line holds
    fig.suptitle(
        textwrap.fill(answer, width, break_on_hyphens=False), x=0.01, ha="left", fontsize=12, fontweight="bold"
    )
    fig.supxlabel(f"{question}  ({result.scenario.name}, seed {result.seed}; figures from this run)", x=0.01,
                  ha="left", fontsize="small", color="dimgrey")  # fmt: skip
    return fig


def figure(width: float = 12.0, height: float = 4.8) -> ExsimFigure:
    """A new answer figure of this size in inches."""
    return new_figure(width, height)


def pct(share: float) -> str:
    """A share as a whole percentage: 0.234 -> '23%'."""
    return f"{share:.0%}"


def count(n: float) -> str:
    """A count with thousands separators."""
    return f"{n:,.0f}"


def wait(seconds: float) -> str:
    """A wait as a reader says it: '0.3s', '42s', '30m', '8h 10m', 'never delivered'."""
    if not math.isfinite(seconds):
        return "never delivered"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    return format_duration(round(seconds / 60) * 60)


def fault_windows(summary: Mapping[str, Any], kinds: tuple[str, ...] = ()) -> list[dict]:
    """The summary's fault windows (sim.results.hours), of the given kinds when any are named."""
    return [w for w in summary.get("fault_windows") or [] if not kinds or w["kind"] in kinds]


def binned_queues(result: ResultView, names: list[str]) -> pd.DataFrame:
    """The most messages each named queue held per 5-minute bin: columns queue, server, bin (s), length."""
    frame = result.queues
    frame = frame[frame["queue"].astype(str).isin(names)]
    if not len(frame):
        return pd.DataFrame(columns=["queue", "server", "bin", "length"])
    times = frame["time"].to_numpy(dtype=float)
    bins = np.maximum(np.floor((times - 1e-9) / ANSWER_BIN), 0) * ANSWER_BIN  # a sample closes its interval
    table = pd.DataFrame({"queue": frame["queue"].astype(str).to_numpy(), "server": frame["server"].astype(str)
                          .to_numpy(), "bin": bins, "length": frame["max_length"].to_numpy()})  # fmt: skip
    return table.groupby(["queue", "server", "bin"], sort=True)["length"].max().reset_index()


def outbox_lengths(result: ResultView) -> pd.DataFrame:
    """Mail waiting in each Mailbox server's Outbox at each sample: columns queue (SERVER\\Outbox), server, time,
    length (empty when the run sampled no Outbox)."""
    record = result.record
    samples = record.outbox_samples
    if not record.outbox_servers or len(samples) != len(record.sample_times):
        return pd.DataFrame(columns=["queue", "server", "time", "length"])
    frames = [pd.DataFrame({"queue": f"{server}\\Outbox", "server": server, "time": record.sample_times,
                            "length": samples[:, i, 0]}) for i, server in enumerate(record.outbox_servers)]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def retry_queues(result: ResultView, start: float, end: float) -> list[str]:
    """Queues that were in Retry at some moment of [start, end] (from result.queue_events), by name."""
    events = result.queue_events
    if not len(events):
        return []
    inside = events[(events["time"] >= start) & (events["time"] <= end) & (events["status"] == "Retry")]
    return sorted(inside["queue"].astype(str).unique())
