"""The overload verdict: did arrivals outpace service at some queue, beyond what chance explains?

A queue is overloaded over a window when its backlog grew by more than a stable queue's can. The test,
for every queue that serves mail (not the Unreachable or Poison queue), every Mailbox server's Outbox (where
mail waits for a Store Driver submission thread: the Hub pulls it, sim.model.submission) and every window
of WINDOW seconds starting every STEP seconds inside the generation window [warmup, duration] (the whole
generation window when it is shorter), leaving out a window in which the queue was in Retry or
Suspended at a sample, or an Outbox had no Hub to take its mail (it waits for a next hop, a service or back
pressure, not for capacity)::

    G = queue length at the window's end - at its start      (Get-Queue's MessageCount, exact at samples)
    E = messages that entered the queue in the window         (new messages and retries)
    D = E - G                                                 (messages that left it)
    overloaded when G >= GROWTH_MIN and G > Z * sqrt(E + D)

Why this has power: G = E - D. When a queue's servers are busy throughout the window (the boundary of
stability, rho = 1), E and D are counts of two independent streams of about equal rate, so Var(G) is
about E + D (Poisson); Z standard deviations above 0 is growth that rho = 1 itself rarely makes. A stable
queue (rho < 1) has a bounded length, so its G is the difference of two draws of that length, a few
messages, while sqrt(E + D) grows with the traffic. An overloaded one grows linearly: over T seconds at
arrival rate lambda and load rho, G ~ lambda T (1 - 1/rho) with the same variance, so
z = G / sqrt(E + D) has mean about 0.066 sqrt(lambda T) at rho = 1.1.

Measured power (M/M/1, exponential service of mean 1 s; tests/test_overload_power.py holds 20 seeds of each):
rho = 1.1 sustained for 30 minutes (z about 3) is flagged in 99 of 100 seeds after a 10-minute warm-up and
100 of 100 from empty; 8 threads at rho = 1.1, 40 of 40. Stable queues: rho = 0.8 and 0.9 over 4 and 8
hours, 0 of 20 each (their largest z over all windows stays under 0.5 and 1.0). Near saturation the queue
wanders for tens of minutes: rho = 0.95 over 8 hours is flagged in 13 of 20, which a planner should read as
no headroom. The rule cannot see an overload that moves little mail: at rho = 1.1 a 30-minute window needs
about 1,500 arrivals (z about 2.5) to be flagged reliably; a queue that grows by a handful is not called
overloaded.

Recipients still queued after a drain are a second sign: with `drain` > 0, any recipient still in a queue
that serves mail (not in Retry or Suspended, not an Outbox or a remote sender) at the end of the run.

A run stopped early (Ctrl-C) is never called overloaded: mail still in flight when it stopped says nothing
about capacity. Its verdict is "partial".
"""

from __future__ import annotations

import math

import numpy as np

from ..formats.record import RunRecord, split_place
from ..scenario.units import format_duration
from .peak import dense_samples

WINDOW = 1800.0
"""Length of the windows the growth test looks at, in seconds (30 minutes)."""
STEP = 300.0
"""Windows start every STEP seconds (5 minutes), so a sustained overload lies within STEP of some window."""
Z = 1.0
"""Standard deviations of growth (at rho = 1) a window's growth must exceed."""
GROWTH_MIN = 10
"""... and it must grow by at least this many messages."""
WAITING_STATES = ("Retry", "Suspended")
"""Queue Viewer states in which mail waits for something other than the server's capacity."""


def partial(record: RunRecord) -> bool:
    """True when the run stopped before duration + drain (Ctrl-C)."""
    return record.end_time < record.scenario.end_time


def windows(record: RunRecord) -> list[tuple[int, int]]:
    """(first, last) sample index of each window the test looks at (see the module docstring)."""
    times = record.sample_times
    low, high = record.scenario.warmup, min(record.scenario.duration, record.end_time)
    if len(times) < 2 or high <= low:
        return []
    if high - low <= WINDOW:
        bounds = [(low, high)]
    else:
        starts = np.arange(math.ceil(low / STEP) * STEP, high - WINDOW + 1e-9, STEP)
        bounds = [(a, a + WINDOW) for a in starts]
        if bounds[-1][1] < high:
            bounds.append((high - WINDOW, high))  # the last window ends where generation ends
    found = []
    for a, b in bounds:
        first = int(np.searchsorted(times, a - 1e-9))  # the first sample at or after a
        last = int(np.searchsorted(times, b + 1e-9)) - 1  # the last at or before b
        if last > first:
            found.append((first, last))
    return found


def _queues(record: RunRecord) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray, np.ndarray]:
    """Every queue the test looks at, as (queue, server) names and per sample and queue: length, cumulative
    entries, and whether it waited for something other than capacity. The stations that serve mail, then each
    Mailbox server's Outbox (the Store Driver pulls from it with its threads, so a Hub short of them grows the
    Outbox, not a queue of its own)."""
    lengths, waiting = dense_samples(record, WAITING_STATES)
    entries = record.load_entries[:, : lengths.shape[1]]
    stations = record.stations
    serving = np.flatnonzero((stations["threads"] != 0) & (stations["delivery_type"] != "Unreachable")).tolist()
    names = [(stations["queue"][i], stations["server"][i]) for i in serving]
    lengths, entries, waiting = lengths[:, serving], entries[:, serving], waiting[:, serving]
    outboxes = record.outbox_samples
    if len(outboxes) == len(record.sample_times) and record.outbox_servers:
        names += [(f"{server}\\Outbox", server) for server in record.outbox_servers]
        lengths = np.hstack([lengths, outboxes[:, :, 0]])
        entries = np.hstack([entries, outboxes[:, :, 1]])
        waiting = np.hstack([waiting, outboxes[:, :, 2].astype(bool)])
    return names, lengths, entries, waiting


def growth(record: RunRecord) -> list[dict]:
    """The worst window of every queue the growth test flags: queue, server, start, end, G, E, D, z."""
    if not len(record.load_entries) or len(record.load_entries) != len(record.sample_times):
        return []
    names, lengths, entries, waiting = _queues(record)
    worst: dict[int, dict] = {}
    for first, last in windows(record):
        grew = lengths[last] - lengths[first]
        entered = entries[last] - entries[first]
        left = entered - grew
        z = grew / np.sqrt(np.maximum(entered + left, 1))
        held_back = waiting[first : last + 1].any(axis=0)
        for i in np.flatnonzero(~held_back & (grew >= GROWTH_MIN) & (z > Z)):
            if i not in worst or z[i] > worst[i]["z"]:
                worst[i] = {"queue": names[i][0], "server": names[i][1], "start": float(record.sample_times[first]),
                            "end": float(record.sample_times[last]), "grew": int(grew[i]),
                            "entered": int(entered[i]), "left": int(left[i]), "z": float(z[i])}  # fmt: skip
    return [worst[i] for i in sorted(worst)]


def still_queued(record: RunRecord) -> dict[str, int]:
    """Recipients in a queue or service at the end of a run with a drain, by queue (waiting queues left out)."""
    if record.scenario.drain <= 0 or len(record.in_flight["place"]) == 0:
        return {}
    identities = {queue: i for i, queue in enumerate(record.stations["queue"].tolist())}
    counts = np.bincount(record.in_flight["place"], minlength=len(record.in_flight_places))
    held = {}
    for place, n in zip(record.in_flight_places, counts.tolist()):
        where, state = split_place(place)
        sid = identities.get(where)
        if sid is None or n == 0 or record.stations["delivery_type"][sid] == "Unreachable":
            continue  # an Outbox, remote senders, or the Unreachable queue
        if state in WAITING_STATES:
            continue
        held[where] = held.get(where, 0) + n
    return held


def overload(record: RunRecord) -> list[str]:
    """Why the run is overloaded, one line each naming the queue and server; empty when it is not, or partial."""
    if partial(record):
        return []
    reasons = []
    for found in growth(record):
        span = format_duration(found["end"] - found["start"])
        reasons.append(f"{found['queue']} (server {found['server']}): the queue grew by {found['grew']:,} messages "
                       f"in the {span} from {format_duration(found['start'])} ({found['entered']:,} in, "
                       f"{found['left']:,} out; {found['z']:.1f} standard deviations of chance)")  # fmt: skip
    held = still_queued(record)
    if held:
        servers = dict(zip(record.stations["queue"].tolist(), record.stations["server"].tolist()))
        worst = max(held, key=held.get)
        reasons.append(f"{sum(held.values()):,} recipients still queued after the drain, most at {worst} "
                       f"(server {servers[worst]}, {held[worst]:,})")  # fmt: skip
    return reasons


def verdict(record: RunRecord) -> str:
    """'overloaded', 'not overloaded' or 'partial' (a run stopped early gets no verdict)."""
    if partial(record):
        return "partial"
    return "overloaded" if overload(record) else "not overloaded"
