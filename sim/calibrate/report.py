"""The calibration report: one self-contained HTML file, its figures embedded as PNG.

Decision: one HTML file rather than Markdown and PNGs in a folder. It is what gets shared (mailed to a
colleague, attached to a capacity plan) and it cannot lose its pictures on the way; a browser opens it
anywhere. It holds counts, shares and distributions only, never an address or a subject, and with
`--anonymise` only pseudonyms: it is meant to leave the organisation.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence

from matplotlib.figure import Figure

from . import plots
from .clock import WEEKDAYS
from .compare import Z_FLAG, Row
from .cpu import Measured
from .derive import Calibration
from .observations import observations

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.flag { color: #b00; font-weight: bold; }
img { max-width: 100%; }
.note { color: #555; font-size: 0.9rem; }
"""


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _table(head: Sequence[str], rows: Sequence[Sequence[object]], flags: Sequence[bool] = ()) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for i, row in enumerate(rows):
        flag = flags[i] if i < len(flags) else False
        cells = "".join(
            f'<td class="flag">{html.escape(_text(c))}</td>'
            if flag and j == len(row) - 1
            else f"<td>{html.escape(_text(c))}</td>"
            for j, c in enumerate(row)
        )
        out.append(f"<tr>{cells}</tr>")
    return "\n".join(out) + "</table>"


def _text(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _reading(cal: Calibration) -> str:
    parts = [
        f"<p>{cal.files} files, {cal.lines:,} lines, {cal.rows:,} event rows; time zone {html.escape(cal.timezone)}; "
        f"{cal.days:.2f} days of logs.</p>"
    ]
    if cal.problem_count:
        shown = "".join(f"<li>{html.escape(p)}</li>" for p in cal.problems[:50])
        more = f"<p class='note'>and {cal.problem_count - 50:,} more</p>" if cal.problem_count > 50 else ""
        parts.append(f"<p>{cal.problem_count:,} malformed lines skipped:</p><ul>{shown}</ul>{more}")
    else:
        parts.append("<p>No malformed line.</p>")
    if cal.files_read:  # each file's version, and the fields and events the 2007 model does not use
        parts.append("<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in cal.files_read) + "</ul>")
    return "\n".join(parts)


def _organisation(cal: Calibration) -> str:
    org = cal.organisation
    how = (
        "inferred from the STOREDRIVER rows joining Hubs and Mailbox servers"
        if org.sites_inferred
        else "from the site map"
    )
    rows = [(s.name, " + ".join(s.roles), s.site, s.rows, s.evidence)
            for s in sorted(org.servers.values(), key=lambda s: (s.site, s.name))]  # fmt: skip
    links = [(f"{a} - {b}", n) for a, b, n in org.links]  # SEND and RECEIVE rows between the sites' servers
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in org.notes)
    return (f"<p>Sites {how}.</p>" + _table(("server", "roles", "site", "rows logged", "evidence"), rows)
            + (_table(("site link", "SMTP relay rows seen (SEND and RECEIVE)"), links) if links else "")
            + notes)  # fmt: skip


def _workload(cal: Calibration) -> str:
    curve = cal.submissions
    hour, rate = cal.busiest_hour
    busiest = f"busiest hour of the day {hour:02d}:00 with {rate:,.0f} an hour" if hour >= 0 else "no hour observed"
    rows = [(m.name, m.site, m.source or "-", m.curve.total if m.curve else 0, m.curve.per_day() if m.curve else 0.0,
             m.delivered, m.mailboxes_seen) for m in cal.mailbox_servers]  # fmt: skip
    whole = [d for d, v in enumerate(curve.weekday()) if not math.isnan(v)]
    per_server = [(m.name, *[m.curve.weekday()[d] for d in whole]) for m in cal.mailbox_servers if m.curve]
    weekdays = (_table(("submissions a day", *[WEEKDAYS[d] for d in whole]),
                       [("all Mailbox servers", *[curve.weekday()[d] for d in whole]), *per_server]) if whole
                else "<p>No whole weekday in the logs: no rate per weekday.</p>")  # fmt: skip
    return (
        f"<p>{curve.total:,} submissions, {curve.per_day():,.0f} a day; {busiest}.</p>"
        + _table(
            (
                "Mailbox server",
                "site",
                "counted from",
                "submitted",
                "a day",
                "recipients received",
                "distinct addresses",
            ),
            rows,
        )  # fmt: skip
        + weekdays
    )


def _distributions(cal: Calibration) -> str:
    r, s = cal.recipients, cal.sizes
    fit = s.lognormal()
    rows = [
        ("recipients per message", r.n, r.mean, float(r.quantile(0.5)) if r.n else math.nan,
         float(r.quantile(0.99)) if r.n else math.nan, f"geometric, mean {r.mean:.3f}" if r.n else "-"),
        ("size (bytes)", s.n, s.mean, s.quantile(0.5), s.quantile(0.99),
         f"lognormal, mean {fit.mean:,.0f}, cv {fit.cv:.3f}" if fit else "-"),
    ]  # fmt: skip
    return _table(("", "messages", "mean", "median", "p99", "fitted"), rows)


def _paths(cal: Calibration) -> str:
    rows = []
    for site, shares in cal.shares.items():
        rows.append(("all sites" if site == "all" else site, shares.total, shares.share("in_site"),
                     shares.share("other_sites"), shares.share("internet"), shares.share("ndr")))  # fmt: skip
    latency = [(path, b.n, b.mean, b.quantile(0.5), b.quantile(0.9), b.quantile(0.99), b.largest)
               for path, b in cal.latency.items()]  # fmt: skip
    codes = [(code, n) for code, n in cal.ndr_codes.items()]
    return (
        _table(("mail submitted in", "recipients", "sender's site", "other sites", "Internet", "NDR"), rows)
        + "<h3>Latency from SUBMIT to DELIVER (or SEND to the Internet), seconds: the calibration target</h3>"
        + _table(("path", "recipients", "mean", "median", "p90", "p99", "largest"), latency)
        + (_table(("NDR code", "recipients"), codes) if codes else "<p>No FAIL event.</p>")
        + f"<p>Distribution-list expansions (EXPAND): {cal.expansions:,}"
        + (f", {cal.members.mean:.1f} members on average" if cal.expansions else "")
        + ".</p>"
    )


def _comparison(rows: list[Row]) -> str:
    table = [(r.section, r.figure, r.observed, r.simulated, r.difference, r.relative * 100 if not math.isnan(r.relative)
              else math.nan, "-" if r.z is None else f"{r.z:+.1f}") for r in rows]  # fmt: skip
    flagged = sum(r.flagged for r in rows)
    return (
        f"<p>Simulated figures come from the calibrated scenario's own tracking logs, read the same way. z: the "
        f"difference over the standard error of both sides from their counts; |z| above {Z_FLAG:g} (in red, "
        f"{flagged} of {sum(r.z is not None for r in rows)}) is more than sampling error explains. Latency "
        "differences show what the stage costs still need.</p>"
        + _table(
            ("", "figure", "observed", "simulated", "difference", "difference %", "z"), table, [r.flagged for r in rows]
        )  # fmt: skip
    )


def _cpu(measured: Measured) -> list[str]:
    rows = [(d.server, d.seconds * 1000, d.low * 1000, d.high * 1000, d.background, d.fit.r2, d.fit.n, d.cores,
             d.rate_from) for d in measured.hubs]  # fmt: skip
    head = ("Hub", "ms CPU per message", "95% low", "95% high", "background %", "R²", "intervals", "cores", "rate from")
    return [
        "<h2>CPU per message (performance counters)</h2>",
        f"<p>Service Demand Law, U = U0 + X·D per interval, least squares with a Student t interval. The scenario's "
        f"stages are scaled to {measured.demand * 1000:.2f} ms ({measured.low * 1000:.2f} to "
        f"{measured.high * 1000:.2f} ms), keeping the stand-in proportions between stages.</p>",
        _table(head, rows), *[_png(plots.cpu_fit(d)) for d in measured.hubs],
    ]  # fmt: skip


def report_html(cal: Calibration, simulated: Calibration | None = None, rows: list[Row] | None = None,
                mailboxes: dict[str, int] | None = None, measured: Measured | None = None) -> str:  # fmt: skip
    """The whole report as one HTML page; the observed-against-simulated section when `simulated` is given, the
    CPU per message fits when `measured` is."""
    figures = [plots.hourly(cal, simulated), plots.servers(cal), plots.recipients(cal, simulated),
               plots.sizes(cal, simulated), plots.paths(cal, simulated)]  # fmt: skip
    if cal.internet is not None:
        figures.append(plots.internet(cal, simulated))
    if cal.latency:
        figures.append(plots.latency(cal, simulated))
    body = [
        "<h1>Calibration from message tracking logs</h1>",
        "<p class='note'>Counts and distributions only: no address or subject is in this report.</p>",
        "<h2>What was read</h2>", _reading(cal),
        "<h2>The organisation</h2>", _organisation(cal),
        "<h2>Submissions</h2>", _workload(cal),
        "<h2>Messages</h2>", _distributions(cal),
        "<h2>Where mail goes</h2>", _paths(cal),
        "<h2>Figures</h2>", *[_png(f) for f in figures],
        "<h2>Not in the scenario (the schema cannot hold it)</h2>",
        "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in observations(cal, mailboxes)) + "</ul>",
    ]  # fmt: skip
    if measured is not None:
        body += _cpu(measured)
    if simulated is not None and rows is not None:
        body += ["<h2>Observed against simulated</h2>", _comparison(rows)]
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>exsim calibration</title>"
            f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n")  # fmt: skip
