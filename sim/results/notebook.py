"""Results in Jupyter: the summary as a table, one flat row per run to compare runs, and a result's own view.

`Summary` is the dict `summary()` returns, shown as a table by Jupyter (`_repr_html_`); `flatten` turns
its nested figures into one flat row ("utilisation_by_server.SEA-HUB1"), so the rows of several runs
concatenate into one DataFrame; `results_html` is what a Results object shows: the headline figures,
then a compact table per server. Numbers never use scientific notation (sim.results.numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from html import escape
from typing import Any

from ..scenario.units import format_duration
from .hours_text import hour_rows, verdict_rows
from .numbers import count, percent, seconds

STYLE = (
    "<style>.exsim table{border-collapse:collapse;margin:4px 0 10px 0;font-size:12px}"
    ".exsim th,.exsim td{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}"
    ".exsim th:first-child,.exsim td:first-child{text-align:left}.exsim .warn{color:#b00020;font-weight:bold}"
    ".exsim .note{color:#555}</style>"
)


class Summary(dict):
    """The headline figures of a run (a plain dict), shown in Jupyter grouped under headings (sim.results.summary_html)."""

    def _repr_html_(self) -> str:
        """The figures grouped: the run, recipients, latency, the hours that matter, servers, queues, outcomes."""
        from .summary_html import summary_html

        return summary_html(self, STYLE)


def flatten(summary: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One level of keys: nested mappings become "outer.inner" keys, lists become "; "-joined text."""
    flat: dict[str, Any] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, (list, tuple)):
            flat[name] = "; ".join(map(str, value))
        else:
            flat[name] = value
    return flat


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def headline_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    """The figures a reader looks at first, as (label, value) rows."""
    latency = " / ".join(seconds(summary[k]) for k in ("latency_p50_s", "latency_p90_s", "latency_p99_s"))
    rows = [
        ["messages generated", count(summary["messages_generated"])],
        ["recipients delivered", count(summary["delivered"])],
        ["NDR / rejected", f"{count(summary['ndr'])} / {count(summary['rejected'])}"],
        ["still queued at end", count(summary["in_queue_at_end"])],
        ["lost (must be 0)", count(summary["lost"])],
        ["throughput", f"{count(summary['throughput_per_hour'])} recipients/h"],
        ["latency p50 / p90 / p99", latency],
    ]
    return rows


def server_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    """Per Hub and Edge: submissions, core utilisation over the run and at the busiest hour."""
    peak = summary.get("peak_utilisation_by_server", {})
    submissions = summary.get("submissions_by_hub", {})
    return [[server, count(submissions[server]) if server in submissions else "-", percent(share),
             percent(peak[server]) if server in peak else "-"]
            for server, share in summary["utilisation_by_server"].items()]  # fmt: skip


def results_html(summary: Mapping[str, Any], tables: Mapping[str, int]) -> str:
    """What a Results shows in Jupyter: title, headline figures, overload verdict, servers, what to look at next."""
    partial = ' <span class="warn">PARTIAL: stopped before the end</span>' if summary.get("partial") else ""
    title = (f"<h4>{escape(str(summary['scenario']))}</h4><p class=\"note\">seed {summary['seed']}, "
             f"{format_duration(summary['simulated_s'])} simulated{partial}</p>")  # fmt: skip
    style = "warn" if summary.get("overload") else "note"
    verdict = "".join(f'<p class="{style}">{escape(line)}</p>' for line in verdict_rows(summary))
    servers = _table(["server", "submissions", "core utilisation", "at the busiest hour"], server_rows(summary))
    hours = _table(["the hours that matter", ""], [list(row) for row in hour_rows(summary)])
    listing = ", ".join(f"{name} ({rows:,} rows)" for name, rows in tables.items())
    happened = _table(["what happened", ""], happened_rows(summary))
    return (f'{STYLE}<div class="exsim">{title}{_table(["figure", "value"], headline_rows(summary))}{verdict}'
            f'{happened}{hours}{servers}<p class="note">tables: {escape(listing)}; figures: result.figure(name), '
            "result.answer(), result.trace_figure(id)</p></div>")  # fmt: skip


def happened_rows(summary: Mapping[str, Any], longest: int = 3) -> list[list[str]]:
    """Each fault by name and when (clock time), and the queues that held the most mail at once."""
    zero = datetime.fromisoformat(summary["start_clock"]) if summary.get("start_clock") else None
    rows = []
    for window in summary.get("fault_windows") or []:
        when = (f"{zero + timedelta(seconds=window['start_s']):%H:%M}-{zero + timedelta(seconds=window['end_s']):%H:%M}"
                if zero else f"{format_duration(window['start_s'])} to {format_duration(window['end_s'])}")  # fmt: skip
        rows.append([f"down: {window['kind'].replace('_', ' ')} {window['target']}", when])
    if not rows:
        rows.append(["faults", "none"])
    most = sorted((summary.get("max_queue_length") or {}).items(), key=lambda item: -item[1])[:longest]
    rows += [[f"longest queue: {queue}", f"{count(n)} at most"] for queue, n in most if n > 0]
    return rows
