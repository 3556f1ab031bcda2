"""The calibrated scenario: the derived figures in the schema's own fields, each with where it came from.

What maps onto the schema (sim/scenario/schema.py) and how:
- servers, roles and sites as found (`organisation`); every pair of sites joined by a link of one cost;
- the rate: Decision: a Mailbox server's share of the mailboxes is its share of the mail submitted, since
  the model draws each server's mail from its mailbox count (mailboxes x sent_per_mailbox_per_day); the
  mailbox total is the number of distinct addresses delivered to, and sent_per_mailbox_per_day is what
  makes the model's daily total equal the observed one;
- the diurnal curve as 24 weights of the observed hourly rates (an hour not observed gets the mean);
- recipients and sizes as empirical distributions (1,000 values, one per equal slice of the data: the
  quantiles of counts, the slice means of sizes so the mean survives the long tail), the fitted geometric
  or lognormal given beside them in a comment, ready to paste;
- Internet recipients as one domain share (`internet.example`: a recipient's domain is never written),
  unknown recipients (5.1.1 NDRs) as `unknown_share`;
- Internet mail accepted by the Edges as `internet.inbound_rate`, divided by the default anti-spam chain's
  pass rate, because the tracking log shows only what the agents let through.
The rest (per-weekday rates, each server's own curve, the share delivered in the sender's site, latency,
distribution-list expansion, NDR codes other than 5.1.1) the schema cannot hold: it is written as comments
at the end and in the report.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from ..scenario.perimeter import Internet
from .clock import LocalClock
from .cpu import Measured
from .derive import SAMPLES, Calibration, MailboxLoad
from .observations import observations
from .stage_costs import scaled_stages
from .yamlwriter import Inline, Note, dump

INTERNET_DOMAIN = "internet.example"
"""The one domain standing for every Internet recipient (RFC 2606 reserves .example)."""


def antispam_pass_rate() -> float:
    """The share of inbound messages the default Edge agent chain lets through (reject shares in turn)."""
    rate = 1.0
    for agent in Internet().antispam:
        if agent.enabled:
            rate *= 1.0 - agent.reject_share
    return rate


def mailbox_counts(loads: list[MailboxLoad], total_seen: int) -> dict[str, tuple[int, bool]]:
    """Mailboxes per Mailbox server and whether its users send: senders in proportion to the mail they
    submitted, scaled to `total_seen` mailboxes; a server that only receives, in proportion to what it
    received beside the senders."""
    sent = {m.name: (m.curve.total if m.curve else 0) for m in loads}
    total_sent = sum(sent.values())
    out: dict[str, tuple[int, bool]] = {}
    for m in loads:
        if sent[m.name]:
            out[m.name] = (max(1, round(sent[m.name] / total_sent * total_seen)), True)
    senders = sum(n for n, _ in out.values())
    delivered_to_senders = sum(m.delivered for m in loads if sent[m.name])
    for m in loads:
        if not sent[m.name]:
            share = m.delivered / delivered_to_senders if delivered_to_senders else 0.0
            out[m.name] = (round(share * senders), False)
    return out


def _rate(per_second: float) -> str:
    per_hour = per_second * 3600.0
    return f"{per_hour:.6g}/h" if "e" not in f"{per_hour:.6g}" else f"{per_hour:.1f}/h"


def _samples(values: list[float], integer: bool) -> list:
    if integer:
        return [max(1, int(v)) for v in values]
    return [max(1, int(round(v))) for v in values]


def _size_note(bins, what: str) -> tuple[dict, str]:
    fit = bins.lognormal()
    fitted = f"; fitted lognormal: {{dist: lognormal, mean: {fit.mean:.0f}, cv: {fit.cv:.3f}}}" if fit else ""
    spec = {"dist": "empirical", "samples": Inline(_samples(bins.samples(SAMPLES), False))}
    note = (f"{bins.n:,} {what}: mean {bins.mean / 1024:.1f} KB, median {bins.quantile(0.5) / 1024:.1f} KB, "
            f"p99 {bins.quantile(0.99) / 1024:.0f} KB; the means of {SAMPLES:,} equal slices{fitted}")  # fmt: skip
    return spec, note


def _count_note(counts, what: str) -> tuple[dict, str]:
    spec = {"dist": "empirical", "samples": Inline(_samples(counts.samples(SAMPLES), True))}
    note = (f"{counts.n:,} {what}: mean {counts.mean:.3f}, largest {max(counts.counts)}; {SAMPLES:,} quantiles; "
            f"fitted geometric: {{dist: geometric, mean: {max(counts.mean, 1.0):.3f}}}")  # fmt: skip
    return spec, note


def _window(cal: Calibration) -> tuple[str, str, str, str]:
    """(start_date, start_of_day, duration, why) of the scenario, on the local clock."""
    clock = LocalClock(cal.timezone)
    start, end = cal.submissions.window
    local = clock.local(start)
    if end - start >= 86400.0 - 3600.0:
        why = f"one day: the logs cover {(end - start) / 86400:.1f} days, the curve is their mean day"
        return local.strftime("%Y-%m-%d"), "0s", "24h", why
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    # Decision: whole minutes, the first submission's minute to the minute after the last (the milliseconds
    # of a log's first and last row are no part of the organisation's day); never rounded to whole hours
    since = math.floor((local - midnight).total_seconds() / 60.0) * 60.0
    length = exact_duration(math.ceil((end - start + (local - midnight).total_seconds() - since) / 60.0 - 1e-9) * 60.0)
    why = f"the {length} the logs cover, from the minute of their first submission to the end of their last"
    return local.strftime("%Y-%m-%d"), exact_duration(since), length, why


def exact_duration(seconds: float) -> str:
    """A duration as the schema reads it, to the millisecond the logs keep: 7140 s is "1h59m", never "2h"."""
    ms = round(seconds * 1000.0)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{ms / 1000:g}s" if ms or not text else "")


def _sites(cal: Calibration, counts: dict[str, tuple[int, bool]]) -> list:
    org, sites = cal.organisation, []
    loads = {m.name: m for m in cal.mailbox_servers}
    total = sum(m.curve.total for m in cal.mailbox_servers if m.curve) or 1
    for site in org.sites:
        hubs, mailbox_servers = [], []
        for _i, s in org.of_kind("hub"):
            if s.site == site:
                hubs.append(Note({"name": s.name}, f"Hub: {s.evidence}"))
        for _i, s in org.of_kind("mailbox"):
            if s.site != site:
                continue
            mailboxes, sends = counts[s.name]
            entry: dict = {"name": s.name, "mailboxes": mailboxes}
            if "hub" in s.roles:
                entry["roles"] = Inline(["mailbox", "hub"])
            if not sends:
                entry["sends_mail"] = False
            m = loads[s.name]
            sent = m.curve.total if m.curve else 0
            note = (f"{s.evidence}; sent {sent:,} messages ({sent / total:.1%} of all, from {m.source or 'no row'}), "
                    f"received {m.delivered:,} recipients, {m.mailboxes_seen:,} distinct addresses")  # fmt: skip
            mailbox_servers.append(Note(entry, note))
        how = "inferred from the STOREDRIVER rows joining its servers" if org.sites_inferred else "from the site map"
        sites.append(Note({"name": site, "hubs": hubs, "mailbox_servers": mailbox_servers}, f"site {how}"))
    return sites


def _links_and_edges(cal: Calibration, data: dict) -> None:
    org = cal.organisation
    if org.links:
        data["site_links"] = [
            Note(
                Inline({"sites": [a, b], "cost": 10}),
                f"{n:,} SMTP relay rows (SEND and RECEIVE) seen between their servers; cost, latency "
                "and bandwidth are not in tracking logs (defaults)",
            )  # fmt: skip
            for a, b, n in org.links
        ]
    edges = org.of_kind("edge")
    if edges:
        data["edges"] = [
            Note(
                {"name": s.name, "subscribed_site": s.site},
                f"Edge: {s.evidence}; its site is the one of the Hubs it relays with most",
            )  # fmt: skip
            for _i, s in edges
        ]
    elif cal.shares["all"].internet:
        senders: dict[str, list[str]] = {}
        for _i, server in sorted(org.of_kind("hub") + org.of_kind("mailbox"), key=lambda p: p[1].name):
            if "hub" in server.roles and cal.sent_outside.get(server.name):
                senders.setdefault(server.site, []).append(server.name)
        data["send_connectors"] = [
            Note(
                {"name": f"To Internet from {site}", "address_spaces": Inline(["*"]), "source_servers": Inline(hubs)},
                "the Hubs of the site that sent to hosts outside the organisation (no Edge in the logs): "
                + ", ".join(f"{hub} {cal.sent_outside[hub]:,}" for hub in hubs),
            )  # fmt: skip
            for site, hubs in sorted(senders.items())
        ]


def _workload(cal: Calibration, counts: dict[str, tuple[int, bool]], start_of_day: str) -> dict:
    curve = cal.submissions
    per_day = curve.per_day()
    senders = sum(n for n, sends in counts.values() if sends) or 1
    seen = sum(m.mailboxes_seen for m in cal.mailbox_servers)
    rates, weights = curve.hourly(), curve.weights()
    table = [f"{h:02d}:00 {w:6.3f}  " + _hour_line(curve, h, rates[h]) for h, w in enumerate(weights)]
    shares = cal.shares["all"]
    workload: dict = {
        "sent_per_mailbox_per_day": Note(
            round(per_day / senders, 6),
            f"{curve.total:,} submissions over {(curve.window[1] - curve.window[0]) / 86400:.2f} days: "
            f"{per_day:,.0f} a day, over {senders:,} mailboxes ({seen:,} distinct addresses delivered to)",
        ),
        "diurnal": Note(
            Inline([round(w, 4) for w in weights]),
            "hourly weights, mean 1",
            above=(
                f"Submissions per hour of the day on the local clock ({cal.timezone}), as weights of mean 1:",
                *table,
            ),
        ),  # fmt: skip
        "start_of_day": start_of_day,
    }
    if cal.entry_source:  # else nothing in the logs states them: the schema's defaults stand (see the footer)
        what = f"messages submitted ({cal.entry_source})"
        workload["recipients"] = Note(*_count_note(cal.recipients, what))
        workload["size"] = Note(*_size_note(cal.sizes, what))
    if shares.internet:
        workload["domains"] = [
            Note(
                {"domain": INTERNET_DOMAIN, "share": round(shares.share("internet"), 6)},
                f"every Internet recipient: {shares.internet:,} of {shares.total:,} recipients sent to hosts "
                "outside the organisation (recipient domains are never written)",
            )  # fmt: skip
        ]
    workload["unknown_share"] = Note(
        round(cal.unknown_share, 6),
        f"5.1.1 NDRs (unknown recipient) of mail submitted here: of {shares.total:,} recipients",
    )
    return workload


def _hour_line(curve, hour: int, rate: float) -> str:
    """One hour of the diurnal table: its rate, or why it has none (not in the logs, or too little of it)."""
    if not math.isnan(rate):
        return f"{rate:10,.1f} messages/h"
    n, seconds = curve.hour_total(hour)
    if not n and not seconds:
        return "not in the logs: the mean weight"
    return (f"{n:,} submission{'' if n == 1 else 's'} in the {exact_duration(seconds)} of it the logs cover, too little for a rate: "
            "the mean weight")  # fmt: skip


def _internet(cal: Calibration) -> dict | None:
    if cal.internet is None or not cal.organisation.of_kind("edge"):
        return None
    accepted = cal.internet.total
    seconds = max(cal.internet.window[1] - cal.internet.window[0], 1.0)
    passing = antispam_pass_rate()
    recipients, recipients_note = _count_note(cal.internet_recipients, "messages accepted from the Internet")
    size, size_note = _size_note(cal.internet_sizes, "messages accepted from the Internet")
    return {
        "inbound_rate": Note(
            _rate(accepted / seconds / passing),
            f"{accepted:,} messages accepted over {seconds / 3600:,.1f} h ({accepted / seconds * 3600:,.1f}/h); tracking "
            f"logs show only what the anti-spam agents let through, so divided by the default chain's pass rate {passing:.4f}",
        ),
        "recipients": Note(recipients, recipients_note),
        "size": Note(size, size_note),
        "unknown_recipient_share": Note(0.0, "recipients rejected at RCPT TO never reach the tracking log"),
    }


def _stages(cal: Calibration, measured: Measured) -> Note:
    mean_kb, recipients = cal.sizes.mean / 1024.0, cal.recipients.mean
    stages, k, before = scaled_stages(measured.demand, mean_kb, recipients)
    fits = [f"  {d.summary()}" for d in measured.hubs]
    return Note({name: Inline(spec) for name, spec in stages.items()}, "", above=(
        f"Stage costs from the Hubs' own counters (--perfmon): {measured.demand * 1000:.2f} ms CPU per message "
        f"({measured.low * 1000:.2f} to {measured.high * 1000:.2f} ms, 95%),",
        "by the Service Demand Law: % Processor Time = background + rate x demand, fitted by least squares per Hub:",
        *fits,
        "The counters do not separate stages (% Processor Time is one figure per server), so every stand-in cost",
        f"is scaled by {k:.4g}: submission + categorizer + delivery at the logs' mean size ({mean_kb:.1f} KB) and",
        f"recipients ({recipients:.2f}) go from the stand-ins' {before * 1000:.2f} ms to the measured demand; smtp_send",
        "(session time, not core time) and antivirus (not measured) keep their defaults.",
    ))  # fmt: skip


def scenario_data(cal: Calibration, measured: Measured | None = None) -> tuple[dict, list[str], list[str]]:
    """The scenario as data with notes, the header comment lines and the footer comment lines; with `measured`
    (the Hubs' counters), the stage costs scaled to their CPU per message."""
    start_date, start_of_day, duration, why = _window(cal)
    total_seen = sum(m.mailboxes_seen for m in cal.mailbox_servers) or 1
    counts = mailbox_counts(cal.mailbox_servers, total_seen)
    data: dict = {
        "name": "Calibrated from message tracking logs",
        "description": f"exsim calibrate: {cal.files} files, {cal.rows:,} rows, {len(cal.organisation.servers)} servers",
        "duration": Note(duration, why),
        "warmup": "0s",
        "seed": 1,
        "start_date": Note(start_date, f"first day in the logs, {cal.timezone}"),
        "sites": _sites(cal, counts),
    }
    _links_and_edges(cal, data)
    if measured is not None:
        data["stages"] = _stages(cal, measured)
    data["workload"] = _workload(cal, counts, start_of_day)
    internet = _internet(cal)
    if internet:
        data["internet"] = internet
    first = datetime.fromtimestamp(cal.first, timezone.utc).strftime("%Y-%m-%d %H:%M")
    last = datetime.fromtimestamp(cal.last, timezone.utc).strftime("%Y-%m-%d %H:%M")
    header = [
        f"Calibrated by `exsim calibrate` from message tracking logs: {cal.files} files, {cal.rows:,} rows,",
        f"{len(cal.organisation.servers)} servers, {first} to {last} UTC; {cal.problem_count:,} malformed lines skipped.",
        "Each derived figure says where it came from and how many events support it. Addresses and subjects",
        "never leave the reader: this file holds counts and distributions only.",
        "Not in tracking logs (exsim's defaults, set them to your hardware): cores, thread limits, "
        + ("" if measured else "stage costs,"),
        "site link cost, latency and bandwidth, the Edge anti-spam agents."
        + (" Stage costs: from the Hubs' performance counters (stages)." if measured else ""),
    ]
    mailboxes = {name: n for name, (n, _sends) in counts.items()}
    return data, header, ["", "Derived but not in the scenario (the schema cannot hold it):",
                          *observations(cal, mailboxes)]  # fmt: skip


def scenario_text(cal: Calibration, measured: Measured | None = None) -> str:
    """The calibrated scenario as commented YAML (with `measured`, its stage costs from the Hubs' counters)."""
    data, header, footer = scenario_data(cal, measured)
    return dump(data, header) + "\n".join(f"# {line}".rstrip() for line in footer) + "\n"
