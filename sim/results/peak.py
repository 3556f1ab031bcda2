"""Load over time in 5-minute bins, the busiest hour, and the max queue length of each queue in a window.

A Hub that carried double load for an hour reads a modest whole-run utilisation; the figures here are
taken over 5-minute bins and over windows (sim.results.hours takes the busiest hour's, the worst hour's
and each fault window's figures from them).

The busiest hour is the 60-minute window [t, t + 3600 s) in which the most messages entered the
organisation (every source counted: users' Mailbox servers, Internet senders, SMTP clients; a message
counts once, when it is generated), where t is a multiple of the 5-minute bin width and the window
lies inside the generation window [warmup, duration] and inside the sampled time. Ties go to the
earliest window. When the generation window is shorter than an hour, the busiest hour is that whole
window. Arrivals are counted from the cumulative count the model samples every `sample_interval`,
interpolated at the bin edges.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..formats.clock import start_of
from ..formats.frames import as_frame
from ..formats.queues import ARRIVALS, LOAD
from ..formats.record import RunRecord

BIN = 300.0
"""Width of the time bins of `load_bins`, in seconds (5 minutes)."""
HOUR = 3600.0


def _edges(record: RunRecord, start: float, stop: float) -> np.ndarray:
    """Bin edges every BIN seconds from `start` (a multiple of BIN) up to `stop`."""
    return np.arange(start, stop + 1e-9, BIN) if stop > start else np.array([start])


def at_samples(record: RunRecord, times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Cumulative sampled values interpolated at `times` (constant beyond the last sample)."""
    if len(record.sample_times) == 0:
        return np.zeros((len(times),) + values.shape[1:])
    if values.ndim == 1:
        return np.interp(times, record.sample_times, values)
    return np.column_stack([np.interp(times, record.sample_times, column) for column in values.T])


def dense_samples(record: RunRecord, states: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(queue length, whether the queue was in one of `states`) per sample and station, from the sparse samples
    (a station with no row at a sample was idle: length 0, Ready)."""
    shape = (len(record.sample_times), len(record.stations["queue"]))
    lengths = np.zeros(shape, dtype=np.int64)
    flagged = np.zeros(shape, dtype=bool)
    s = record.samples
    if len(s["time"]):
        rows = np.searchsorted(record.sample_times, s["time"])
        lengths[rows, s["station"]] = s["length"]
        codes = [i for i, name in enumerate(record.sample_states) if name in states]
        flagged[rows, s["station"]] = np.isin(s["state"], codes)
    return lengths, flagged


def _cores(record: RunRecord) -> dict[str, int]:
    return dict(zip(record.server_stats["server"].tolist(), record.server_stats["cores"].tolist()))


def last_sample(record: RunRecord) -> float:
    """Time of the last sample (0 when none): figures over time stop there."""
    return float(record.sample_times[-1]) if len(record.sample_times) else 0.0


def load_bins(record: RunRecord) -> pd.DataFrame:
    """Per 5-minute bin and per Hub or Edge: busy cores and core utilisation (the mean over its cores).

    Columns: time (start of the bin), server, cores, busy_cores, core_utilisation. A server's cores are
    one pool, so the utilisation per core is the same for each of its cores: busy cores / cores.
    """
    edges = _edges(record, 0.0, np.floor(last_sample(record) / BIN) * BIN)
    if len(edges) < 2 or not record.load_servers:
        return as_frame(LOAD, {name: [] for name in LOAD.names if not LOAD[name].seconds}, start_of(record.scenario))
    used = np.diff(at_samples(record, edges, record.load_core_seconds), axis=0) / BIN
    cores = _cores(record)
    frames = []
    for column, server in enumerate(record.load_servers):
        n = cores.get(server, 1)
        frames.append(pd.DataFrame({"time": edges[:-1], "server": server, "cores": n,
                                    "busy_cores": used[:, column], "core_utilisation": used[:, column] / n}))  # fmt: skip
    frame = pd.concat(frames, ignore_index=True)
    frame["server"] = pd.Categorical(frame["server"], categories=list(record.load_servers))
    return as_frame(LOAD, dict(frame.items()), start_of(record.scenario))


def arrival_bins(record: RunRecord) -> pd.DataFrame:
    """Messages entering the organisation per 5-minute bin: time (start of the bin), messages, per_hour."""
    edges = _edges(record, 0.0, np.floor(last_sample(record) / BIN) * BIN)
    counts = np.diff(at_samples(record, edges, record.load_generated.astype(float))) if len(edges) > 1 else np.zeros(0)
    return as_frame(
        ARRIVALS, {"time": edges[:-1], "messages": counts, "per_hour": counts * HOUR / BIN}, start_of(record.scenario)
    )


def candidate_starts(record: RunRecord) -> np.ndarray:
    """Starts of the hour windows on 5-minute boundaries that lie inside the generation window and the samples."""
    low, high = record.scenario.warmup, min(record.scenario.duration, last_sample(record))
    return np.arange(np.ceil(low / BIN) * BIN, high - HOUR + 1e-9, BIN) if high > low else np.zeros(0)


def busiest_hour(record: RunRecord) -> tuple[float, float, float]:
    """(start, end, messages) of the busiest hour, as defined in this module's docstring."""
    scenario = record.scenario
    low, high = scenario.warmup, min(scenario.duration, last_sample(record))
    if high <= low:
        return low, low, 0.0
    starts = candidate_starts(record)
    if len(starts) == 0:
        cumulative = at_samples(record, np.array([low, high]), record.load_generated.astype(float))
        return float(low), float(high), float(cumulative[1] - cumulative[0])
    cumulative = at_samples(record, np.concatenate([starts, starts + HOUR]), record.load_generated.astype(float))
    counts = cumulative[len(starts) :] - cumulative[: len(starts)]
    best = int(np.argmax(counts))  # the first of equal maxima: the earliest window
    return float(starts[best]), float(starts[best] + HOUR), float(counts[best])


def peak_queues(record: RunRecord, start: float, end: float) -> dict[str, int]:
    """The most messages each queue held at once (its queue length) at any moment from `start` to `end`, for
    the queues that held any.

    Exact, from the queue's own changes: each sample carries the most the queue held since the previous
    sample (both ends included), and every sample whose interval overlaps [start, end] counts. Where `start`
    or `end` is a sample time (the busiest hour's edges are, whenever sample_interval divides 5 minutes) the
    figure is the exact maximum over [start, end]; where one falls between two samples, the whole sample
    interval around it counts, so the figure may include up to one sample interval beyond that edge.
    """
    s, times, peaks = record.samples, record.sample_times, record.sample_peaks
    # sample i closes [times[i - 1], times[i]] (the first: the instant it was taken); it counts when that
    # interval overlaps the window, so the samples that count are first..last
    first = int(np.searchsorted(times, start, side="right"))
    last = int(np.searchsorted(times, end, side="left"))
    if first > min(last, len(times) - 1):
        return {}
    most = np.zeros(len(record.stations["queue"]), dtype=np.int64)
    # a sample's interval maximum is its peak row where it has one, else what the sample shows
    counted = (s["time"] >= times[first]) & (s["time"] <= times[min(last, len(times) - 1)])
    np.maximum.at(most, s["station"][counted], s["length"][counted])
    if peaks and len(peaks["sample"]):
        counted = (peaks["sample"] >= first) & (peaks["sample"] <= last)
        np.maximum.at(most, peaks["station"][counted], peaks["max_length"][counted])
    queues = record.stations["queue"]
    return {queues[i]: int(most[i]) for i in np.flatnonzero(most)}
