"""`summary()` in Jupyter, grouped: a run's figures under a few headings a reader scans (the run, recipients,
latency, the hours that matter, servers, the longest queues, outcomes), not 150 flattened rows.

Every key of the summary is shown somewhere: the ones no heading claims go under "everything else", folded away,
so the view hides nothing and stays short. Labels are the summary's own keys (`summary()["lost"]`), values are
worded as sim.results.numbers words them (never scientific notation).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from .hours_text import hour_rows, verdict_rows
from .numbers import count, percent, plain

GROUPS = (
    ("The run", ("scenario", "seed", "start_clock", "simulated_s", "partial", "verdict", "overloaded", "faults")),
    ("Recipients", ("messages_generated", "internet_messages_generated", "recipients_total", "delivered", "ndr",
                    "expired", "rejected", "poison", "in_queue_at_end", "lost", "delay_dsns", "refused_and_retried")),
    ("Latency over the run (s) and throughput", ("latency_mean_s", "latency_p50_s", "latency_p90_s",
                                                 "latency_p99_s", "latency_max_s", "throughput_per_hour")),
)  # fmt: skip
SERVER_KEYS = ("submissions_by_hub", "utilisation_by_server", "peak_utilisation_by_server",
               "worst_hour_utilisation_by_server", "back_pressure_seconds")  # fmt: skip
QUEUE_KEYS = ("max_queue_length", "peak_queue_length_by_queue")
OUTCOME_KEYS = ("outcomes_by_reason", "rejected_by", "ndr_by_code", "still_queued_by_place", "still_queued_by_state",
                "overload")  # fmt: skip
LONGEST = 8
"""Queues listed by their most held at once; the rest are in result.stations."""


def _rows(rows: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)


def _section(title: str, body: str) -> str:
    return f"<h5>{escape(title)}</h5>{body}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _servers(summary: Mapping[str, Any]) -> str:
    util = summary.get("utilisation_by_server") or {}
    peak = summary.get("peak_utilisation_by_server") or {}
    subs = summary.get("submissions_by_hub") or {}
    pressure = summary.get("back_pressure_seconds") or {}
    rows = [[server, count(subs[server]) if server in subs else "-", percent(share),
             percent(peak[server]) if server in peak else "-",
             plain(pressure.get(server, {}).get("High", 0))] for server, share in util.items()]  # fmt: skip
    return _table(["server", "submissions", "core utilisation", "at the busiest hour", "seconds at High"], rows)


def _queues(summary: Mapping[str, Any]) -> str:
    most = summary.get("max_queue_length") or {}
    longest = sorted(most.items(), key=lambda item: -item[1])[:LONGEST]
    peak = summary.get("peak_queue_length_by_queue") or {}
    rows = [[queue, count(n), count(peak.get(queue, 0))] for queue, n in longest]
    rest = len(most) - len(longest)
    more = f'<p class="note">{rest} more queues in result.stations</p>' if rest > 0 else ""
    return _table(["queue", "most held at once", "at the busiest hour"], rows) + more


def _outcomes(summary: Mapping[str, Any]) -> str:
    rows = []
    for key in OUTCOME_KEYS:
        value = summary.get(key)
        if isinstance(value, Mapping):
            rows += [(f"{key}: {name}", plain(n)) for name, n in value.items()]
        elif value:
            rows += [(key, "; ".join(map(str, value)))]
    return f"<table>{_rows(rows)}</table>" if rows else '<p class="note">none</p>'


def summary_html(summary: Mapping[str, Any], style: str) -> str:
    """The summary grouped under headings; `style` is the view's CSS (sim.results.notebook.STYLE)."""
    shown: set[str] = set(SERVER_KEYS) | set(QUEUE_KEYS) | set(OUTCOME_KEYS)
    parts = []
    for title, keys in GROUPS:
        rows = [(key, plain(summary[key])) for key in keys if key in summary and not isinstance(summary[key], list)]
        shown.update(keys)
        parts.append(_section(title, f"<table>{_rows(rows)}</table>"))
    verdict = "".join(f'<p class="note">{escape(line)}</p>' for line in verdict_rows(summary))
    hours = [list(row) for row in hour_rows(summary)]
    shown.update(k for k in summary if k.startswith(("busiest_hour_", "peak_", "worst_hour_")) or k == "fault_windows")
    parts.append(_section("The hours that matter", _table(["", ""], hours) + verdict))
    parts.append(_section("Servers", _servers(summary)))
    parts.append(_section("The longest queues", _queues(summary)))
    parts.append(_section("Outcomes", _outcomes(summary)))
    rest = [(key, plain(value)) for key, value in summary.items() if key not in shown]
    if rest:
        parts.append(f"<details><summary>everything else ({len(rest)})</summary><table>{_rows(rest)}</table></details>")
    return f'{style}<div class="exsim">{"".join(parts)}</div>'
