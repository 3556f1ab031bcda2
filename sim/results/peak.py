"""Peak-hour figures and the overload verdict: what a capacity planner reads instead of whole-run averages.

A Hub that carried double load for an hour reads a modest whole-run utilisation; the figures here are
taken over 5-minute bins and at the **busiest hour**, defined precisely as follows.

The busiest hour is the 60-minute window [t, t + 3600 s) in which the most messages entered the
organisation (every source counted: users' Mailbox servers, Internet senders, SMTP clients; a message
counts once, when it is generated), where t is a multiple of the 5-minute bin width and the window
lies inside the generation window [warmup, duration] and inside the sampled time. Ties go to the
earliest window. When the generation window is shorter than an hour, the busiest hour is that whole
window. Arrivals are counted from the cumulative count the model samples every `sample_interval`,
interpolated at the bin edges.

At the busiest hour:
- latency percentiles cover the recipients delivered whose message was submitted inside the window
  (mail still queued at the end is not in them: the overload verdict speaks for it);
- a server's core utilisation is its core-seconds used inside the window over (window x cores);
- the largest queue of a queue is the most messages it held (Queue Viewer's MessageCount) at a sample
  inside the window.

The overload verdict (`overloaded`) says arrivals outpaced service, in either of two ways:
- a queue still growing at the end of the generation window: its mean sampled length over the last
  quarter of [warmup, duration] exceeds the mean over the quarter before by more than GROWTH_MIN
  messages and by more than GROWTH_SHARE of it (Decision: a stable queue fluctuates around a mean,
  an overloaded one grows linearly, so it grows by a share of itself from one quarter to the next);
- recipients still queued after a drain: with `drain` > 0, any recipient still in a queue or service
  at the end. Queues whose mail waits for a reason other than load are left out of both checks: the
  Unreachable queue, queues in Retry and queues of a stopped Transport service (Suspended), Outboxes
  and remote senders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exchange.record import RunRecord, split_place
from .clock import beside, start_of

BIN = 300.0
"""Width of the time bins of `load_bins`, in seconds (5 minutes)."""
HOUR = 3600.0
GROWTH_MIN = 10.0
"""A queue must grow by more than this many messages between the last two quarters to count as growing."""
GROWTH_SHARE = 0.25
"""... and by more than this share of its mean length in the quarter before."""
WAITING_STATES = ("Retry", "Suspended")
"""Queue Viewer states in which mail waits for something other than the server's capacity."""


def _edges(record: RunRecord, start: float, stop: float) -> np.ndarray:
    """Bin edges every BIN seconds from `start` (a multiple of BIN) up to `stop`."""
    return np.arange(start, stop + 1e-9, BIN) if stop > start else np.array([start])


def _at(record: RunRecord, times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Cumulative sampled values interpolated at `times` (constant beyond the last sample)."""
    if len(record.sample_times) == 0:
        return np.zeros((len(times),) + values.shape[1:])
    if values.ndim == 1:
        return np.interp(times, record.sample_times, values)
    return np.column_stack([np.interp(times, record.sample_times, column) for column in values.T])


def _cores(record: RunRecord) -> dict[str, int]:
    return {row["server"]: row["cores"] for row in record.server_stats}


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
        return pd.DataFrame(columns=["time", "server", "cores", "busy_cores", "core_utilisation"])
    used = np.diff(_at(record, edges, record.load_core_seconds), axis=0) / BIN
    cores = _cores(record)
    frames = []
    for column, server in enumerate(record.load_servers):
        n = cores.get(server, 1)
        frames.append(pd.DataFrame({"time": edges[:-1], "server": server, "cores": n,
                                    "busy_cores": used[:, column], "core_utilisation": used[:, column] / n}))  # fmt: skip
    frame = pd.concat(frames, ignore_index=True)
    frame["server"] = pd.Categorical(frame["server"], categories=list(record.load_servers))
    return beside(frame, start_of(record.scenario), {"time": "clock"})


def arrival_bins(record: RunRecord) -> pd.DataFrame:
    """Messages entering the organisation per 5-minute bin: time (start of the bin), messages, per_hour."""
    edges = _edges(record, 0.0, np.floor(last_sample(record) / BIN) * BIN)
    counts = np.diff(_at(record, edges, record.load_generated.astype(float))) if len(edges) > 1 else np.zeros(0)
    frame = pd.DataFrame({"time": edges[:-1], "messages": counts, "per_hour": counts * HOUR / BIN})
    return beside(frame, start_of(record.scenario), {"time": "clock"})


def busiest_hour(record: RunRecord) -> tuple[float, float, float]:
    """(start, end, messages) of the busiest hour, as defined in this module's docstring."""
    scenario = record.scenario
    low, high = scenario.warmup, min(scenario.duration, last_sample(record))
    if high <= low:
        return low, low, 0.0
    first = np.ceil(low / BIN) * BIN
    starts = np.arange(first, high - HOUR + 1e-9, BIN)
    if len(starts) == 0:
        cumulative = _at(record, np.array([low, high]), record.load_generated.astype(float))
        return float(low), float(high), float(cumulative[1] - cumulative[0])
    cumulative = _at(record, np.concatenate([starts, starts + HOUR]), record.load_generated.astype(float))
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
    most = np.zeros(len(record.stations), dtype=np.int64)
    # a sample's interval maximum is its peak row where it has one, else what the sample shows
    counted = (s["time"] >= times[first]) & (s["time"] <= times[min(last, len(times) - 1)])
    np.maximum.at(most, s["station"][counted], s["length"][counted])
    if peaks and len(peaks["sample"]):
        counted = (peaks["sample"] >= first) & (peaks["sample"] <= last)
        np.maximum.at(most, peaks["station"][counted], peaks["max_length"][counted])
    return {record.stations[i]["queue"]: int(most[i]) for i in np.flatnonzero(most)}


def peak_figures(record: RunRecord) -> dict:
    """The summary's busiest-hour figures (keys start with busiest_hour_ or peak_)."""
    start, end, messages = busiest_hour(record)
    span = end - start
    inside = (record.latency_submitted >= start) & (record.latency_submitted < end)
    latencies = record.latencies[inside] if len(record.latency_submitted) == len(record.latencies) else []
    if len(latencies):
        p50, p95, p99 = (float(v) for v in np.percentile(latencies, [50, 95, 99]))
        mean = float(np.mean(latencies))
    else:
        p50 = p95 = p99 = mean = float("nan")
    utilisation = {}
    if span > 0 and record.load_servers:
        used = _at(record, np.array([start, end]), record.load_core_seconds)
        cores = _cores(record)
        utilisation = {server: round(float(used[1, i] - used[0, i]) / (span * cores.get(server, 1)), 4)
                       for i, server in enumerate(record.load_servers)}  # fmt: skip
    queues = peak_queues(record, start, end)
    return {
        "busiest_hour_start_s": start,
        "busiest_hour_end_s": end,
        "busiest_hour_messages_per_hour": messages * HOUR / span if span > 0 else 0.0,
        "peak_latency_mean_s": mean,
        "peak_latency_p50_s": p50,
        "peak_latency_p95_s": p95,
        "peak_latency_p99_s": p99,
        "peak_utilisation_by_server": utilisation,
        "peak_utilisation_max": max(utilisation.values(), default=0.0),
        "peak_queue_length_by_queue": queues,
        "peak_max_queue_length": max(queues.values(), default=0),
    }


def _capacity_rows(record: RunRecord) -> np.ndarray:
    """Mask of sample rows that count for overload: not Retry or Suspended, not an Unreachable queue."""
    s = record.samples
    waiting = [i for i, name in enumerate(record.sample_states) if name in WAITING_STATES]
    unreachable = np.array([row["delivery_type"] == "Unreachable" for row in record.stations] or [False])
    keep = ~np.isin(s["state"], waiting)
    return keep & ~unreachable[s["station"]] if len(s["station"]) else keep


def growing_queues(record: RunRecord) -> list[tuple[str, float, float]]:
    """(queue, mean length in the third quarter, in the last quarter) of every queue still growing at the end."""
    scenario, s = record.scenario, record.samples
    low, high = scenario.warmup, min(scenario.duration, last_sample(record))
    quarter = (high - low) / 4
    if quarter <= 0 or len(s["time"]) == 0:
        return []
    keep = _capacity_rows(record)
    means = []
    for a, b in ((low + 2 * quarter, low + 3 * quarter), (low + 3 * quarter, high)):
        times = record.sample_times[(record.sample_times >= a) & (record.sample_times <= b)]
        rows = keep & (s["time"] >= a) & (s["time"] <= b)
        total = np.bincount(s["station"][rows], weights=s["length"][rows], minlength=len(record.stations))
        means.append(total / max(len(times), 1))
    before, after = means
    growth = after - before
    grown = np.flatnonzero((growth > GROWTH_MIN) & (growth > GROWTH_SHARE * before))
    return [(record.stations[i]["queue"], float(before[i]), float(after[i])) for i in grown]


def still_queued(record: RunRecord) -> dict[str, int]:
    """Recipients in a queue or service at the end of a run with a drain, by queue (waiting queues left out)."""
    if record.scenario.drain <= 0 or len(record.in_flight["place"]) == 0:
        return {}
    identities = {row["queue"]: i for i, row in enumerate(record.stations)}
    counts = np.bincount(record.in_flight["place"], minlength=len(record.in_flight_places))
    held = {}
    for place, n in zip(record.in_flight_places, counts.tolist()):
        where, state = split_place(place)
        sid = identities.get(where)
        if sid is None or n == 0 or record.stations[sid]["delivery_type"] == "Unreachable":
            continue  # an Outbox, remote senders, or the Unreachable queue
        if state in WAITING_STATES:
            continue
        held[where] = held.get(where, 0) + n
    return held


def overload(record: RunRecord) -> list[str]:
    """Why the run is overloaded, one line each naming the server and queue; empty when it is not."""
    reasons = []
    servers = {row["queue"]: row["server"] for row in record.stations}
    for queue, before, after in growing_queues(record):
        reasons.append(f"{queue} (server {servers[queue]}): queue still growing at the end of the generation "
                       f"window (mean {before:,.0f} messages, then {after:,.0f})")  # fmt: skip
    held = still_queued(record)
    if held:
        worst = max(held, key=held.get)
        reasons.append(f"{sum(held.values()):,} recipients still queued after the drain, most at {worst} "
                       f"(server {servers[worst]}, {held[worst]:,})")  # fmt: skip
    return reasons
