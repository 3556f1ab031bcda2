"""The figures a calibration derives from the tally: rates, the diurnal curve, distributions, paths, latency.

Rates are counts over exposure: the seconds of each (weekday, hour) the logs cover (`LocalClock.exposure`),
so a partial day or week is no bias. An hour of the day is taken as observed when the logs cover at least
ten minutes of it. Rates are taken over the mail window (`mail_window`).

Every figure keeps the count it rests on, so the scenario's comments and the report can say how many
events support it, and tests can size their tolerances from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .clock import HOUR, LocalClock
from .histograms import Counts, LogBins
from .organisation import Organisation
from .tally import EXTERNAL, INTERNET, KINDS, UNKNOWN, Tally

MIN_EXPOSURE = 600.0
"""Seconds of an hour of the day the logs must cover for its rate to be estimated."""
SAMPLES = 1000
"""Values in an empirical distribution written to the scenario: one per equal slice of the data."""
UNKNOWN_RECIPIENT_CODE = "5.1.1"


@dataclass
class Curve:
    """Counts of one kind of event per (weekday, hour), with the seconds observed of each, as rates."""

    counts: list[int]  # 168
    exposure: list[float]  # 168 seconds
    window: tuple[float, float]

    @property
    def total(self) -> int:
        """Events counted."""
        return sum(self.counts)

    def hour_covered(self, hour: int) -> bool:
        """True when the logs cover at least MIN_EXPOSURE seconds of this hour of the day (or half of
        all the time they cover, when that is less)."""
        needed = min(MIN_EXPOSURE, sum(self.exposure) / 2)
        return needed > 0 and sum(self.exposure[d * 24 + hour] for d in range(7)) >= needed

    def hour_total(self, hour: int) -> tuple[int, float]:
        """(events counted, seconds the logs cover) of one hour of the day, over every weekday."""
        cells = [d * 24 + hour for d in range(7)]
        return sum(self.counts[c] for c in cells), sum(self.exposure[c] for c in cells)

    def busiest(self) -> tuple[int, float]:
        """The hour of the day with the highest rate (events an hour), of the hours observed; (-1, 0.0) when
        none is. The one definition of the busiest hour, for the whole organisation and each server alike."""
        rates = self.hourly()
        seen = [h for h in range(24) if not math.isnan(rates[h])]
        if not seen or not self.total:
            return -1, 0.0
        hour = max(seen, key=lambda h: rates[h])  # the earliest of equal rates
        return hour, rates[hour]

    def hourly(self) -> list[float]:
        """Events per hour in each hour of the day (nan where not observed)."""
        out = []
        for hour in range(24):
            seconds = sum(self.exposure[d * 24 + hour] for d in range(7))
            n = sum(self.counts[d * 24 + hour] for d in range(7))
            out.append(n / seconds * HOUR if self.hour_covered(hour) else math.nan)
        return out

    def per_day(self) -> float:
        """Events per day: 24 times the mean hourly rate of the hours observed."""
        rates = [r for r in self.hourly() if not math.isnan(r)]
        return 24.0 * sum(rates) / len(rates) if rates else 0.0

    def weights(self) -> list[float]:
        """The 24 diurnal weights (mean 1); an hour not observed gets 1, the mean of those observed."""
        rates = self.hourly()
        seen = [r for r in rates if not math.isnan(r)]
        mean = sum(seen) / len(seen) if seen else 0.0
        return [r / mean if mean > 0 and not math.isnan(r) else 1.0 for r in rates]

    def weekday(self) -> list[float]:
        """Events per day on each weekday (Monday first), nan unless all 24 hours of it were observed."""
        out = []
        for day in range(7):
            cells = range(day * 24, day * 24 + 24)
            if all(self.exposure[c] >= MIN_EXPOSURE for c in cells):
                out.append(sum(self.counts[c] / self.exposure[c] * HOUR for c in cells))
            else:
                out.append(math.nan)
        return out


@dataclass
class MailboxLoad:
    """What one Mailbox server's users sent, and what its mailboxes received."""

    name: str
    site: str
    source: str  # "SUBMIT" (its own log) or "STOREDRIVER RECEIVE" (its Hubs' logs)
    curve: Curve | None
    delivered: int  # recipients delivered to it
    mailboxes_seen: int  # distinct addresses delivered to


@dataclass
class Shares:
    """Where the recipients of mail submitted in one place went, as counts."""

    in_site: int = 0
    other_sites: int = 0
    internet: int = 0
    ndr: int = 0

    @property
    def total(self) -> int:
        """Recipients whose journey's end was seen."""
        return self.in_site + self.other_sites + self.internet + self.ndr

    def share(self, name: str) -> float:
        """One count as a share of the total (nan when there is none)."""
        return getattr(self, name) / self.total if self.total else math.nan

    def add(self, other: Shares) -> None:
        """Add another origin's counts."""
        for name in ("in_site", "other_sites", "internet", "ndr"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Calibration:
    """Everything derived from one set of tracking logs: plain data, no address or subject in it."""

    files: int
    lines: int
    rows: int
    problems: list[str]
    problem_count: int
    first: float
    last: float
    timezone: str
    organisation: Organisation
    mailbox_servers: list[MailboxLoad]
    submissions: Curve
    busiest_hour: tuple[int, float]  # (hour of the day on the local clock, submissions an hour): Curve.busiest
    recipients: Counts
    sizes: LogBins
    entry_source: str  # what recipients and sizes were counted from: STOREDRIVER RECEIVE, SUBMIT, or "" (none)
    ends: int  # recipients whose journey's end (DELIVER, SEND outside, FAIL) is in the logs
    shares: dict[str, Shares]  # by origin site, and "all"
    delivered_by_site: dict[str, dict[str, int]]  # origin site or "Internet" -> destination site -> recipients
    latency: dict[str, LogBins]  # "A -> B", "A -> Internet", "Internet -> B" -> seconds
    internet: Curve | None
    internet_recipients: Counts
    internet_sizes: LogBins
    internet_by_server: dict[str, int]  # server -> messages received from hosts outside
    sent_outside: dict[str, int]  # server -> SEND rows to hosts outside
    expansions: int
    members: Counts
    ndr_codes: dict[str, int]  # enhanced status code -> recipients, whatever the origin
    unknown_share: float
    unknown_origin: int
    events: dict[str, dict[str, int]]  # server -> kind of row -> rows
    other_events: dict[str, int]
    notes: list[str] = field(default_factory=list)
    files_read: list[str] = field(default_factory=list)  # per file: its version, fields and events not used

    @property
    def days(self) -> float:
        """Days the logs span."""
        return max(self.last - self.first, 0.0) / 86400.0


def _curve(buckets: list[int], window: list[float], clock: LocalClock) -> Curve:
    return Curve([int(x) for x in buckets], clock.exposure(window[0], window[1]), (window[0], window[1]))


def _merged_curve(curves: list[Curve], clock: LocalClock) -> Curve:
    start = min((c.window[0] for c in curves), default=0.0)
    end = max((c.window[1] for c in curves), default=0.0)
    counts = [sum(c.counts[b] for c in curves) for b in range(168)]
    return Curve(counts, clock.exposure(start, end), (start, end))


def mail_window(tally: Tally) -> list[float]:
    """From the first to the last mail entering the organisation (SUBMIT, STOREDRIVER RECEIVE, or RECEIVE
    from the Internet): the time rates are taken over. Decision: not the first and last row of any kind, so
    mail still being delivered after the last submission (a run's drain) is not counted as quiet time."""
    windows = [w for w in tally.windows.values()]
    if not windows:
        return [tally.first, tally.last]
    return [min(w[0] for w in windows), max(w[1] for w in windows)]


def _mailbox_loads(tally: Tally, org: Organisation, clock: LocalClock) -> list[MailboxLoad]:
    loads = []
    window = mail_window(tally)
    delivered: dict[int, int] = {}
    for (_origin, destination), n in tally.outcomes.items():
        if destination >= 0:
            delivered[destination] = delivered.get(destination, 0) + n
    for i, server in org.of_kind("mailbox"):
        if i in tally.submit_buckets:
            source, curve = "SUBMIT", _curve(tally.submit_buckets[i], window, clock)
        elif i in tally.store_buckets:
            source, curve = "STOREDRIVER RECEIVE", _curve(tally.store_buckets[i], window, clock)
        else:
            source, curve = "", None
        seen = len(tally.mailboxes.get(i, ()))
        loads.append(MailboxLoad(server.name, server.site, source, curve, delivered.get(i, 0), seen))
    return loads


def _paths(tally: Tally, org: Organisation) -> tuple[dict[str, Shares], dict[str, dict[str, int]], dict]:
    shares: dict[str, Shares] = {"all": Shares()}
    flows: dict[str, dict[str, int]] = {}
    latency: dict[str, LogBins] = {}

    def label(index: int) -> str:
        if index == INTERNET or index == EXTERNAL:
            return "Internet"
        return org.site_of(index) or "unknown"

    for (origin, destination), n in tally.outcomes.items():
        source, target = label(origin), label(destination)
        if origin >= 0 and origin in org.servers:
            per = shares.setdefault(source, Shares())
            kind = "internet" if destination == EXTERNAL else "in_site" if source == target else "other_sites"
            setattr(per, kind, getattr(per, kind) + n)
        if destination >= 0:
            flows.setdefault(source, {})[target] = flows.setdefault(source, {}).get(target, 0) + n
        bins = tally.latency.get((origin, destination))
        if bins is not None and origin != UNKNOWN:
            latency.setdefault(f"{source} -> {target}", LogBins(0.001)).merge(bins)
    for (origin, _code), n in tally.ndr.items():
        if origin >= 0 and origin in org.servers:
            shares.setdefault(label(origin), Shares()).ndr += n
    for name, per in list(shares.items()):
        if name != "all":
            shares["all"].add(per)
    return shares, flows, dict(sorted(latency.items()))


def derive(tally: Tally, org: Organisation, clock: LocalClock, reading: dict) -> Calibration:
    """A Calibration from a finished tally; `reading` has files, lines, rows, problems and problem_count."""
    loads = _mailbox_loads(tally, org, clock)
    if tally.recipients.n:
        entry_source, recipients, sizes = "STOREDRIVER RECEIVE", tally.recipients, tally.sizes
    elif tally.submit_recipients.n:
        entry_source, recipients, sizes = "SUBMIT", tally.submit_recipients, tally.submit_sizes
    else:
        entry_source, recipients, sizes = "", tally.recipients, tally.sizes
    curves = [m.curve for m in loads if m.curve is not None]
    submissions = _merged_curve(curves, clock) if curves else _curve([0] * 168, mail_window(tally), clock)
    shares, flows, latency = _paths(tally, org)
    internal = shares["all"].total
    codes: dict[str, int] = {}
    for (_origin, code), n in tally.ndr.items():
        codes[code] = codes.get(code, 0) + n
    unknown = sum(n for (o, c), n in tally.ndr.items() if o >= 0 and c == UNKNOWN_RECIPIENT_CODE)
    internet = _curve(tally.internet_buckets, mail_window(tally), clock) if "internet" in tally.windows else None
    name = {i: s.name for i, s in org.servers.items()}
    return Calibration(
        files=reading["files"],
        lines=reading["lines"],
        rows=reading["rows"],
        problems=reading["problems"],
        problem_count=reading["problem_count"],
        first=tally.first,
        last=tally.last,
        timezone=clock.name,
        organisation=org,
        mailbox_servers=loads,
        submissions=submissions,
        busiest_hour=submissions.busiest(),
        recipients=recipients,
        sizes=sizes,
        entry_source=entry_source,
        ends=sum(tally.outcomes.values()) + sum(tally.ndr.values()),
        shares=shares,
        delivered_by_site=flows,
        latency=latency,
        internet=internet,
        internet_recipients=tally.internet_recipients,
        internet_sizes=tally.internet_sizes,
        internet_by_server={name.get(i, "?"): n for i, n in sorted(tally.internet_by_server.items())},
        sent_outside={name.get(i, "?"): n for i, n in sorted(tally.external["out"].items())},
        expansions=tally.expansions,
        members=tally.members,
        ndr_codes=dict(sorted(codes.items())),
        unknown_share=unknown / internal if internal else 0.0,
        unknown_origin=sum(n for (o, _d), n in tally.outcomes.items() if o == UNKNOWN),
        events={name[i]: dict(zip(KINDS, tally.events[i])) for i in sorted(org.servers, key=name.get)},
        other_events=dict(sorted(tally.other_events.items())),
        notes=list(org.notes),
        files_read=list(reading.get("files_read", [])),
    )
