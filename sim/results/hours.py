"""The hours that matter: the busiest hour, the worst hour, and each fault window, with their figures.

A planner asks two questions of a day: how did the servers cope with the most traffic (the busiest
hour), and when was mail worst served (the worst hour)? A failure adds a third: what happened while
it lasted (each fault window). Every figure here is taken over one window [start, end):

- **latency** percentiles and mean over every recipient whose message was submitted inside the window
  (and after warm-up) and that was either delivered, or expired or still held at the end of the run. A
  recipient not delivered by the end counts as never delivered: an infinite latency, so one in a hundred
  of them makes the p99 infinite. `undelivered` says how many there were. Recipients that ended another
  way (an NDR for a bad address, a rejection, the Poison queue) are not in them: that outcome was the
  right one, not a delay;
- a server's **core utilisation** is its core-seconds used inside the window over (window x cores),
  interpolated between samples at the window's edges;
- a queue's **max queue length** is the most messages it held at once inside the window (Get-Queue's
  MessageCount; sim.results.peak.peak_queues).

The busiest hour is the 60-minute window, starting on a 5-minute boundary inside the generation window
[warmup, duration], in which the most messages entered the organisation (sim.results.peak.busiest_hour).
The worst hour is the window among the same candidates with the highest p99 latency; ties (two windows
with undelivered mail, both infinite) go to the one with more recipients undelivered, then to the
larger queue, then to the earlier window. A fault window runs from the fault to its end (or the end of
the run); its utilisation is of the servers it did not take down (the survivors).
"""

from __future__ import annotations

import math

import numpy as np

from ..formats.events import FAULT_WINDOWS_RECORD
from ..formats.record import RunRecord
from .peak import HOUR, at_samples, busiest_hour, candidate_starts, peak_queues

PERCENTILES = (50, 95, 99)


class Population:
    """Every recipient the latency figures speak for, sorted by submission: latency, or inf if undelivered."""

    def __init__(self, record: RunRecord) -> None:
        warmup = record.scenario.warmup
        held = record.in_flight.get("submitted_at", np.zeros(0))
        held = held[held >= warmup]
        submitted = np.concatenate([record.latency_submitted, record.expired_submitted, held])
        latency = np.concatenate([record.latencies, np.full(len(record.expired_submitted) + len(held), math.inf)])
        if len(record.latency_submitted) != len(record.latencies):  # a record older than latency_submitted
            submitted, latency = np.zeros(0), np.zeros(0)
        order = np.argsort(submitted, kind="stable")
        self.submitted, self.latency = submitted[order], latency[order]

    def between(self, start: float, end: float) -> np.ndarray:
        """Latencies of the recipients submitted in [start, end)."""
        a, b = np.searchsorted(self.submitted, [start, end], side="left")
        return self.latency[a:b]


def latency_figures(latencies: np.ndarray) -> dict:
    """recipients, undelivered, latency_p50/p95/p99_s and latency_mean_s of one window (NaN when it is empty)."""
    undelivered = int(np.isinf(latencies).sum())
    if len(latencies):
        p50, p95, p99 = (float(v) for v in np.percentile(latencies, PERCENTILES, method="inverted_cdf"))
        mean = float(np.mean(latencies))
    else:
        p50 = p95 = p99 = mean = math.nan
    return {"recipients": len(latencies), "undelivered": undelivered, "latency_p50_s": p50, "latency_p95_s": p95,
            "latency_p99_s": p99, "latency_mean_s": mean}  # fmt: skip


def utilisation(record: RunRecord, start: float, end: float, leave_out: frozenset = frozenset()) -> dict[str, float]:
    """Core utilisation of each Hub and Edge (but those left out) over [start, end]."""
    span = end - start
    if span <= 0 or not record.load_servers or not len(record.sample_times):
        return {}
    used = at_samples(record, np.array([start, end]), record.load_core_seconds)
    cores = dict(zip(record.server_stats["server"].tolist(), record.server_stats["cores"].tolist()))
    return {server: round(float(used[1, i] - used[0, i]) / (span * cores.get(server, 1)), 4)
            for i, server in enumerate(record.load_servers) if server not in leave_out}  # fmt: skip


def window_figures(record: RunRecord, population: Population, start: float, end: float,
                   leave_out: frozenset = frozenset()) -> dict:  # fmt: skip
    """Every figure of one window (see the module docstring)."""
    queues = peak_queues(record, start, end)
    by_server = utilisation(record, start, end, leave_out)
    largest = max(queues, key=queues.get) if queues else ""
    return {"start_s": float(start), "end_s": float(end), **latency_figures(population.between(start, end)),
            "max_queue_length": queues.get(largest, 0), "largest_queue": largest, "utilisation_by_server": by_server,
            "utilisation_max": max(by_server.values(), default=0.0)}  # fmt: skip


def _rank(figures: dict) -> tuple:
    """Worse is larger: the p99 (NaN for an empty window ranks last), then how many were never delivered."""
    p99 = figures["latency_p99_s"]
    return (-math.inf if math.isnan(p99) else p99, figures["undelivered"])


def worst_hour(record: RunRecord, population: Population) -> dict:
    """The figures of the worst hour (the module docstring): the highest p99, then most undelivered, longest queue."""
    starts = candidate_starts(record)
    if len(starts) == 0:  # a generation window shorter than an hour: the whole of it
        low, high = record.scenario.warmup, min(record.scenario.duration, record.end_time)
        return window_figures(record, population, low, max(low, high))
    ranks = [_rank(latency_figures(population.between(start, start + HOUR))) for start in starts]
    top = max(ranks)
    ties = [window_figures(record, population, start, start + HOUR)
            for start, rank in zip(starts, ranks) if rank == top]  # fmt: skip
    return max(ties, key=lambda f: (f["max_queue_length"], -f["start_s"]))


def fault_figures(record: RunRecord, population: Population) -> list[dict]:
    """Each fault window's figures: fault, kind, target, then window_figures with the target left out."""
    rows = []
    for window in FAULT_WINDOWS_RECORD.rows(record.fault_windows):
        start = float(window["start"])
        end = record.end_time if math.isnan(window["end"]) else min(float(window["end"]), record.end_time)
        if end <= start:
            continue
        figures = window_figures(record, population, start, end, frozenset([window["target"]]))
        rows.append({"fault": window["fault"], "kind": window["kind"], "target": window["target"], **figures})
    return rows


def hour_figures(record: RunRecord) -> dict:
    """The summary's figures of the hours that matter: busiest_hour_*, peak_* (the busiest hour's), worst_hour_*,
    and fault_windows (one dict per fault window)."""
    population = Population(record)
    start, end, messages = busiest_hour(record)
    busiest = window_figures(record, population, start, end)
    span = end - start
    worst = worst_hour(record, population)
    return {
        "busiest_hour_start_s": start,
        "busiest_hour_end_s": end,
        "busiest_hour_messages_per_hour": messages * HOUR / span if span > 0 else 0.0,
        "peak_recipients": busiest["recipients"],
        "peak_undelivered": busiest["undelivered"],
        "peak_latency_mean_s": busiest["latency_mean_s"],
        "peak_latency_p50_s": busiest["latency_p50_s"],
        "peak_latency_p95_s": busiest["latency_p95_s"],
        "peak_latency_p99_s": busiest["latency_p99_s"],
        "peak_utilisation_by_server": busiest["utilisation_by_server"],
        "peak_utilisation_max": busiest["utilisation_max"],
        "peak_queue_length_by_queue": peak_queues(record, start, end),
        "peak_max_queue_length": busiest["max_queue_length"],
        **{f"worst_hour_{key}": value for key, value in worst.items()},
        "fault_windows": fault_figures(record, population),
    }  # fmt: skip
