"""What a calibration found that the scenario schema cannot state, in plain lines for the YAML and the report.

The model draws each message's recipients uniformly over all mailboxes, so the share delivered in the
sender's site follows from the mailbox counts (`implied_shares`) and cannot be set; one diurnal curve serves
every server and every weekday; Internet mail arrives at a constant rate; there are no distribution lists.
These figures are kept as the calibration's targets: compare them with a run of the calibrated scenario.
"""

from __future__ import annotations

import math

from .clock import WEEKDAYS
from .derive import Calibration


def implied_shares(cal: Calibration, mailboxes: dict[str, int]) -> dict[str, float]:
    """The shares of recipients the calibrated scenario will deliver in the sender's site, to other sites,
    to the Internet and as 5.1.1 NDRs, from its mailbox counts and its domain and unknown shares, averaged
    over the senders in proportion to the mail they submit."""
    shares = cal.shares["all"]
    internet = shares.share("internet") if shares.total else 0.0
    unknown = cal.unknown_share
    internal = max(1.0 - internet - unknown, 0.0)
    total = sum(mailboxes.values()) or 1
    by_site: dict[str, int] = {}
    for m in cal.mailbox_servers:
        by_site[m.site] = by_site.get(m.site, 0) + mailboxes.get(m.name, 0)
    sent = sum(m.curve.total for m in cal.mailbox_servers if m.curve) or 1
    in_site = sum((m.curve.total / sent) * by_site[m.site] / total for m in cal.mailbox_servers if m.curve)
    return {"in_site": internal * in_site, "other_sites": internal * (1 - in_site), "internet": internet,
            "ndr": unknown}  # fmt: skip


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.1%}"


def observations(cal: Calibration, mailboxes: dict[str, int] | None = None) -> list[str]:
    """One line per derived figure the schema cannot hold."""
    return [*_submissions(cal), *_messages(cal), *_destinations(cal, mailboxes), *_internet(cal), *_latency(cal),
            *_lists_and_ndrs(cal), *cal.files_read]  # fmt: skip


def _messages(cal: Calibration) -> list[str]:
    """Where recipients and sizes were counted from, or that nothing in the logs states them."""
    if cal.entry_source == "SUBMIT":
        return ["Recipients and sizes from the Mailbox servers' SUBMIT rows (no Hub's STOREDRIVER RECEIVE is in "
                "the logs)."]  # fmt: skip
    if not cal.entry_source:
        return ["Recipients and sizes: no STOREDRIVER RECEIVE or SUBMIT row in the logs states them; the scenario "
                "keeps exsim's defaults."]  # fmt: skip
    return []


def _submissions(cal: Calibration) -> list[str]:
    """Submissions per weekday, the busiest hour, and each Mailbox server's own curve."""
    weekday = cal.submissions.weekday()
    seen = [f"{WEEKDAYS[d][:3]} {v:,.0f}" for d, v in enumerate(weekday) if not math.isnan(v)]
    lines = ["Submissions per weekday (a day): " + (", ".join(seen) if seen else "no whole weekday in the logs")
             + "; the scenario has one day, the mean of those observed."]  # fmt: skip
    hour, rate = cal.busiest_hour
    per_hour = cal.submissions.per_day() / 24.0
    if hour >= 0:
        lines.append(f"Busiest hour of the day: {hour:02d}:00 ({cal.timezone}), {rate:,.0f} submissions an hour, "
                     f"{rate / per_hour:.2f} times the mean hour.")  # fmt: skip
    for m in cal.mailbox_servers:
        if m.curve is not None and m.curve.per_day() > 0:
            peak, peak_rate = m.curve.busiest()  # the same definition as the organisation's
            lines.append(f"{m.name}: {m.curve.per_day():,.0f} submissions a day, busiest hour of the day "
                         f"{peak:02d}:00 ({peak_rate:,.0f}/h); the scenario gives every server the same curve.")  # fmt: skip
    return lines


def _destinations(cal: Calibration, mailboxes: dict[str, int] | None) -> list[str]:
    """Where the recipients of mail submitted here went, beside what the scenario's mailbox counts imply."""
    shares = cal.shares["all"]
    if not cal.ends:
        return ["No message's end is in the logs (no DELIVER, no SEND to a host outside, no FAIL): where mail goes "
                "and how long it takes cannot be told; give the Hub Transport servers' logs too."]  # fmt: skip
    if not shares.total:
        return []
    line = (f"Recipients of mail submitted here ({shares.total:,}): {_pct(shares.share('in_site'))} delivered in "
            f"the sender's site, {_pct(shares.share('other_sites'))} in other sites, "
            f"{_pct(shares.share('internet'))} sent to the Internet, {_pct(shares.share('ndr'))} NDRs")  # fmt: skip
    if mailboxes:
        implied = implied_shares(cal, mailboxes)
        line += (f"; the scenario's mailbox counts give {_pct(implied['in_site'])} in the sender's site "
                 f"(recipients are drawn over all mailboxes)")  # fmt: skip
    return [line + "."]


def _internet(cal: Calibration) -> list[str]:
    """Internet mail accepted per hour, and mail from outside that reached Hubs directly."""
    lines = []
    if cal.internet is not None and cal.internet.total:
        observed = [r for r in cal.internet.hourly() if not math.isnan(r)]
        if observed:
            lines.append(f"Internet mail accepted per hour: from {min(observed):,.0f} to {max(observed):,.0f} "
                         "(the scenario's inbound rate is constant).")  # fmt: skip
    hubs = {s.name for s in cal.organisation.servers.values() if s.kind != "edge"}
    at_hubs = sum(n for name, n in cal.internet_by_server.items() if name in hubs)
    if at_hubs:
        lines.append(f"{at_hubs:,} messages reached Hubs by SMTP from hosts outside the organisation (Internet "
                     "without an Edge, POP3/IMAP4 clients, applications): not in the scenario.")  # fmt: skip
    return lines


def _latency(cal: Calibration) -> list[str]:
    """Latency per path: the calibration target."""
    return [f"Latency {path}: {bins.n:,} recipients, median {bins.quantile(0.5):.3g} s, p90 "
            f"{bins.quantile(0.9):.3g} s, p99 {bins.quantile(0.99):.3g} s (the calibration target)."
            for path, bins in cal.latency.items()]  # fmt: skip


def _lists_and_ndrs(cal: Calibration) -> list[str]:
    """Distribution lists, NDRs by code, and recipients whose message never entered in the logs."""
    messages = cal.recipients.n
    if cal.expansions:
        lines = [f"Distribution lists: {cal.expansions:,} expansions ({cal.expansions / max(messages, 1) * 1000:.1f} "
                 f"per 1,000 messages), {cal.members.mean:.1f} members each on average; the model has no "
                 "distribution lists (recipients are as submitted)."]  # fmt: skip
    else:
        lines = ["Distribution lists: no EXPAND event in the logs."]
    if cal.ndr_codes:
        total = sum(cal.ndr_codes.values())
        codes = ", ".join(f"{code} {n:,}" for code, n in cal.ndr_codes.items())
        lines.append(f"NDRs (FAIL) by code: {codes} recipients ({total:,} in all); only 5.1.1 is in the scenario.")
    else:
        lines.append("NDRs: no FAIL event in the logs.")
    if cal.unknown_origin:
        lines.append(f"{cal.unknown_origin:,} recipients ended with no entry for their message in the logs (queued "
                     "for more than 12 hours, or entered through a server whose logs were not given).")  # fmt: skip
    return lines
