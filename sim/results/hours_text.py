"""The hours that matter as (label, text) rows: one wording for the terminal, Jupyter and the HTML report.

Each window is named by its clock times and its offset into the run ("10:00-10:45, 3h to 3h45m into the
run"); a latency that is infinite (a recipient submitted then and never delivered) reads "not delivered".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..scenario.units import format_duration
from .numbers import percent, seconds


def latency(value: float) -> str:
    """A latency figure; an infinite one means some recipients were never delivered."""
    return "not delivered" if value is not None and math.isinf(value) else seconds(value)


def _when(summary: Mapping[str, Any], start: float, end: float) -> str:
    span = f"{format_duration(start)} to {format_duration(end)} into the run"
    if not summary.get("start_clock"):
        return span
    zero = datetime.fromisoformat(summary["start_clock"])
    a, b = zero + timedelta(seconds=start), zero + timedelta(seconds=end)
    return f"{a:%H:%M}-{b:%H:%M} ({span})"


def _undelivered(figures: Mapping[str, Any], prefix: str = "") -> str:
    n = figures.get(f"{prefix}undelivered", 0)
    return f"; {n:,} recipient{'' if n == 1 else 's'} submitted then not delivered by the end" if n else ""


def _queue(length: int, queue: str) -> str:
    return f"{length:,} message{'' if length == 1 else 's'} at {queue}" if queue else "none"


def _cores(by_server: Mapping[str, float], label: str) -> str:
    if not by_server:
        return ""
    busiest = max(by_server, key=by_server.get)
    return f"{label} {percent(by_server[busiest])} ({busiest})"


def _latencies(figures: Mapping[str, Any], prefix: str) -> str:
    return " / ".join(latency(figures[f"{prefix}latency_{p}_s"]) for p in ("p50", "p95", "p99"))


def hour_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The busiest hour, the worst hour and each fault window, with their figures (sim.results.hours)."""
    if "busiest_hour_start_s" not in summary:
        return []
    queues = summary.get("peak_queue_length_by_queue") or {}
    largest = max(queues, key=queues.get) if queues else ""
    rows = [
        ("busiest hour (most traffic)", f"{_when(summary, summary['busiest_hour_start_s'], summary['busiest_hour_end_s'])}"
         f", {summary['busiest_hour_messages_per_hour']:,.0f} messages/h"),
        ("  latency p50 / p95 / p99", _latencies(summary, "peak_") + _undelivered(summary, "peak_")),
        ("  max queue length", _queue(queues.get(largest, 0), largest)),
        ("  core utilisation", _cores(summary.get("peak_utilisation_by_server") or {}, "busiest server")),
    ]  # fmt: skip
    if "worst_hour_start_s" in summary:
        rows += [
            ("worst hour (highest p99)", _when(summary, summary["worst_hour_start_s"], summary["worst_hour_end_s"])),
            ("  latency p50 / p95 / p99", _latencies(summary, "worst_hour_") + _undelivered(summary, "worst_hour_")),
            ("  max queue length", _queue(summary["worst_hour_max_queue_length"], summary["worst_hour_largest_queue"])),
            ("  core utilisation", _cores(summary.get("worst_hour_utilisation_by_server") or {}, "busiest server")),
        ]  # fmt: skip
    for window in summary.get("fault_windows") or []:
        rows += [
            (f"while {window['fault']} was down", _when(summary, window["start_s"], window["end_s"])),
            ("  latency p50 / p95 / p99", _latencies(window, "") + _undelivered(window)),
            ("  max queue length", _queue(window["max_queue_length"], window["largest_queue"])),
            ("  core utilisation", _cores(window.get("utilisation_by_server") or {}, "busiest survivor")),
        ]
    return rows


def verdict_rows(summary: Mapping[str, Any]) -> list[str]:
    """The overload verdict as sentences: partial, overloaded (with each reason) or not overloaded."""
    if summary.get("verdict") == "partial" or summary.get("partial"):
        return ["partial run: no overload verdict (mail in flight when it stopped says nothing about capacity)"]
    reasons = summary.get("overload") or []
    if reasons:
        return [f"overloaded: arrivals outpace service at {reason}" for reason in reasons]
    if "overloaded" in summary:
        return ["not overloaded: no queue grew beyond chance and nothing was left queued by lack of capacity"]
    return []
