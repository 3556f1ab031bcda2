"""`exsim run --report`: one self-contained report.html to attach to a design review.

Sections, in order (each an element with its id): the answer (the figure answering the scenario's question,
titled with the answer: sim.results.answers), the scenario, the topology figure, the summary table,
throughput, latency and queue figures, utilisation over time, faults (when anything broke), the slowest
messages with their paths, and the overload verdict. Figures are PNG embedded as base64 `data:` URIs and the
style is inline, so the file opens anywhere, offline, and can be mailed as it is.
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from ..scenario.units import format_duration
from .hours_text import hour_rows, verdict_rows
from .notebook import headline_rows, server_rows
from .numbers import seconds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .results import Results

SECTIONS = ("answer", "scenario", "topology", "summary", "throughput", "latency", "queues", "utilisation", "faults",
            "slowest", "verdict", "counters")  # fmt: skip
"""The ids of the report's sections, in order ("faults" only when something was down or under pressure)."""
SLOWEST = 10

CSS = """body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;color:#222}
h1{font-size:24px;margin-bottom:2px}h2{font-size:18px;border-bottom:2px solid #1f77b4;padding-bottom:3px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{padding:3px 12px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left;white-space:nowrap}td.path{text-align:left;font-family:monospace}
img{max-width:100%;height:auto;border:1px solid #eee}.note{color:#555}.warn{color:#b00020;font-weight:bold}
.ok{color:#1a7f37;font-weight:bold}h2.answer{font-size:20px;border-bottom:3px solid #222}pre{background:#f6f8fa;padding:8px;font-size:12px;overflow:auto;max-height:420px}"""


def _png(result: Results, name: str, folder: Path, figure: Figure | None = None) -> str:
    """The figure as a base64 PNG: the file save() wrote when there is one, else `figure` or the named one drawn now."""
    saved = folder / f"{name}.png"
    if saved.exists():
        data = saved.read_bytes()
    else:
        buffer = io.BytesIO()
        (figure or result.figure(name)).savefig(buffer, format="png", dpi=110)
        data = buffer.getvalue()
    return base64.b64encode(data).decode("ascii")


def _figure(
    result: Results, name: str, folder: Path, heading: str, note: str = "", figure: Figure | None = None
) -> str:
    image = f'<img alt="{escape(heading)}" src="data:image/png;base64,{_png(result, name, folder, figure)}">'
    return f'<section id="{name}"><h2>{escape(heading)}</h2>{_note(note)}{image}</section>'


def _answer(result: Results, folder: Path) -> str:
    """The answer figure, its title (the answer) as the section's heading, the question it answers under it."""
    from .answers import question_of

    figure = result.answer()
    answer = " ".join(figure.get_suptitle().split())
    note = f"The question this scenario asks ({question_of(result)}), answered from this run's figures."
    return _figure(result, "answer", folder, answer, note, figure).replace("<h2>", '<h2 class="answer">', 1)


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>' if text else ""


def _table(header: list[str], rows: list[list[str]], path_column: int | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td{" class=path" if i == path_column else ""}>{escape(str(cell))}</td>'
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)  # fmt: skip
    return f"<table><tr>{head}</tr>{body}</table>"


def _scenario(result: Results) -> str:
    s = result.scenario
    servers = sum(len(site.all_hubs) + len(site.mailbox_servers) for site in s.sites) + len(s.edges)
    mailboxes = sum(m.mailboxes for site in s.sites for m in site.mailbox_servers)
    rows = [["scenario", s.name], ["seed", result.seed], ["starts", f"{result.start:%a %d %b %Y %H:%M} UTC"],
            ["duration (mail generated)", format_duration(s.duration)], ["warm-up", format_duration(s.warmup)],
            ["drain", format_duration(s.drain)], ["AD sites", len(s.sites)], ["servers", servers],
            ["mailboxes", f"{mailboxes:,}"], ["faults scheduled", len(s.faults)], ["recording", s.record]]  # fmt: skip
    partial = '<p class="warn">PARTIAL: the run was stopped before its end; figures cover what finished.</p>'
    effective = f"<details><summary>the effective scenario (every default filled in)</summary><pre>" \
                f"{escape(s.model_dump_json(indent=2))}</pre></details>"  # fmt: skip
    return (f'<section id="scenario"><h2>Scenario</h2>{partial if result.partial else ""}'
            f"{_table(['', ''], rows)}{effective}</section>")  # fmt: skip


def _summary(summary: dict) -> str:
    servers = _table(["server", "submissions", "core utilisation", "at the busiest hour"], server_rows(summary))
    hours = _table(["the hours that matter", ""], [list(row) for row in hour_rows(summary)])
    return (f'<section id="summary"><h2>Summary</h2>{_table(["figure", "value"], headline_rows(summary))}'
            f"{hours}{servers}</section>")  # fmt: skip


def _slowest(result: Results) -> str:
    if result.scenario.record == "summary":
        body = _note("Not recorded: the slowest messages need a row per recipient (record: messages).")
    else:
        m = result.messages
        slow = m[m["status"] == "delivered"].nlargest(SLOWEST, "latency_s")
        rows = [[row.message_id, row.recipient, f"{row.submitted_clock:%H:%M:%S}", seconds(row.latency_s), row.path]
                for row in slow.itertuples()]  # fmt: skip
        body = _table(["message", "recipient", "submitted", "latency", "path"], rows, path_column=4) if rows else \
            _note("No message was delivered.")  # fmt: skip
    return f'<section id="slowest"><h2>The {SLOWEST} slowest messages and their paths</h2>{body}</section>'


def _verdict(summary: dict) -> str:
    lines = verdict_rows(summary)
    reasons = summary.get("overload") or []
    if reasons:
        body = '<p class="warn">Overloaded: arrivals outpace service.</p><ul>' + \
            "".join(f"<li>{escape(reason)}</li>" for reason in reasons) + "</ul>"  # fmt: skip
    else:
        body = "".join(f'<p class="ok">{escape(line[0].upper() + line[1:])}.</p>' for line in lines)
    lost = "" if summary["lost"] == 0 else f'<p class="warn">{summary["lost"]:,} recipients unaccounted for.</p>'
    return f'<section id="verdict"><h2>Overload verdict</h2>{body}{lost}</section>'


def _counters(summary: dict) -> str:
    """Each Hub's and Edge's performance counters against Microsoft's thresholds (sim.results.thresholds)."""
    rows = []
    for server, entry in (summary.get("perfmon") or {}).items():
        css = "warn" if entry["verdict"] == "over" else "ok"
        worst = "<br>".join(escape(f"{o['counter']} {o['worst']:,.0f} at {o['at']} (limit {o['limit']:,.0f}: "
                                   f"{o['wording']}, {o['kind']})") for o in entry["over"]
                            ) or "every counter within its threshold"  # fmt: skip
        rows.append(f'<tr><td>{escape(server)}</td><td>{escape(entry["role"])}</td>'
                    f'<td class="{css}">{escape(entry["verdict"])}</td><td class="path">{worst}</td></tr>')  # fmt: skip
    head = (
        '<tr><th>server</th><th>role</th><th>verdict</th><th style="text-align:left">over (worst value, when)</th></tr>'
    )
    table = f"<table>{head}{''.join(rows)}</table>" if rows else "<p>No Hub or Edge.</p>"
    note = _note(
        "The counters an Exchange 2007 administrator watches (Microsoft, Monitoring Hub Transport Servers, "
        "bb201704), computed from the run and judged after the warm-up; the files are in perfmon/."
    )
    return f'<section id="counters"><h2>Performance counters</h2>{note}{table}</section>'


def report_html(result: Results, folder: str | Path = ".") -> str:
    """The report as one HTML document (figures from `folder` when save() wrote them there)."""
    folder = Path(folder)
    summary = result.summary()
    parts = [_answer(result, folder),
             _scenario(result),
             _figure(result, "topology", folder, "Topology", "AD sites, IP site links (cost; latency, bandwidth) "
                     "and each site's servers: the role in the label, the colour the server has in every figure."),
             _summary(summary),
             _figure(result, "throughput", folder, "Throughput", "Messages categorized per hour, 15-minute bins."),
             _figure(result, "latency", folder, "Latency", "End-to-end, after warm-up: over time (by submission, faults "
                     "shaded) and as a CDF; by destination AD site where there are several."),
             _figure(result, "queues", folder, "Queues", "The most messages each queue held per 5 minutes; "
                     "outages shaded."),
             _figure(result, "utilisation", folder, "Utilisation over time", "Share of each server's cores busy, "
                     "5-minute bins, against a 70% planning threshold.")]  # fmt: skip
    if len(result.fault_windows) or len(result.pressure):
        parts.append(_figure(result, "faults", folder, "Faults and back pressure"))
    parts += [_slowest(result), _verdict(summary), _counters(summary)]
    title = f"exsim report: {escape(result.scenario.name)}"
    lead = f'<p class="note">seed {result.seed}, {format_duration(result.end_time)} simulated' + \
        (' <span class="warn">(partial)</span>' if result.partial else "") + "</p>"  # fmt: skip
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{CSS}</style></head><body><h1>{title}</h1>{lead}{''.join(parts)}</body></html>\n")  # fmt: skip


def write_report(result: Results, folder: str | Path) -> Path:
    """Write report.html into `folder` (after save(), whose PNGs it embeds) and return its path."""
    path = Path(folder) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(result, folder), encoding="utf-8")
    return path
