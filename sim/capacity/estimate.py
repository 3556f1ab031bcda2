"""Before a run: about how many messages it will make and how much memory that takes, against the machine.

`exsim run` prints the estimate and refuses (exit 2) a run whose estimate exceeds the memory available
(free RAM, and what the process may still map under its limit, `ulimit -v`), or whose estimated run time
exceeds MAX_RUN_SECONDS, unless `--force`: a scenario of 1e12 mailboxes, or `duration: 100000h`, is a typing
mistake far more often than a wish, and without the guard it validates and then dies of MemoryError, or
runs for days, in silence.

Messages: each sending Mailbox server's rate (workload.rate, or mailboxes x sent per day / 86,400 s
shaped by the diurnal curve, integrated over the clock hours of [0, duration]), the profile's Internet
share on the same curve, internet.inbound_rate and every SMTP client population's rate.

Memory. Decision (measured with ru_maxrss on scenarios/quickstart.yaml, 6 h, 28,868 messages of two
recipients on average, CPython 3.11, pandas 3): about 0.4 KB a message with `record: summary`, 0.8 KB
with messages, 1.2 KB with hops, 1 KB more with the tracking log; writing files (--out, --report) adds
2 KB for the messages or hops tables and 7 KB for the tracking log; plus 250 MB for the interpreter,
libraries and figures. A rough figure: the guard stops runs that are out by orders of magnitude.

Time. Decision (measured on the 2-core development machine, CPython 3.11: `exsim run --report` of every
bundled scenario made 18,000 to 25,000 messages a second, imports and files included): MESSAGES_PER_SECOND,
and writing files (--out, --report) costs about 1.7x the run (PERFORMANCE.md). A planner's day of 100,000
mailboxes (about a million messages) estimates at about a minute; a run estimated past MAX_RUN_SECONDS is
refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..model.workload import internet_messages_per_day
from ..scenario.schema import Scenario

KB = 1024
BASE_BYTES = 250 * 1024**2
RUN_BYTES = {"summary": 0.4 * KB, "messages": 0.8 * KB, "hops": 1.2 * KB}
TRACKING_BYTES = 1.0 * KB
FILE_BYTES = {"summary": 0.0, "messages": 2.0 * KB, "hops": 2.0 * KB}
TRACKING_FILE_BYTES = 7.0 * KB
MESSAGES_PER_SECOND = 20_000.0
FILES_FACTOR = 1.7
MAX_RUN_SECONDS = 2 * 3600.0
"""The bound on a run's estimated time: two hours, about 144 million messages; past it `--force` is needed."""


@dataclass(frozen=True)
class Estimate:
    """About how many messages a run makes, the bytes of memory it needs and the seconds it takes, beside what the
    machine has (`available_bytes`) and what the process may still map under its limit (`limit_bytes`)."""

    messages: float
    memory_bytes: float
    available_bytes: float
    limit_bytes: float = math.inf
    seconds: float = 0.0

    def refusals(self) -> list[str]:
        """Why the run should not start: each limit the estimate exceeds, in a few words (empty when it fits)."""
        reasons = []
        if self.memory_bytes > self.available_bytes:
            reasons.append(f"more memory than is available ({_bytes(self.available_bytes)})")
        if self.memory_bytes > self.limit_bytes:
            reasons.append(f"more memory than the process limit leaves (ulimit -v: {_bytes(self.limit_bytes)})")
        if self.seconds > MAX_RUN_SECONDS:
            reasons.append(f"more time than the {_time(MAX_RUN_SECONDS)} a run may take")
        return reasons

    @property
    def fits(self) -> bool:
        """Whether the estimate is within the memory available now, the process limit and the time bound."""
        return not self.refusals()

    def describe(self) -> str:
        """'about 2,468 messages, about 262 MB of memory (21.3 GB available), about 1 s to run'."""
        room = f"{_bytes(self.available_bytes)} available"
        if math.isfinite(self.limit_bytes):
            room += f", {_bytes(self.limit_bytes)} under the process limit"
        return (f"about {self.messages:,.0f} messages, about {_bytes(self.memory_bytes)} of memory ({room}), "
                f"about {_time(self.seconds)} to run")  # fmt: skip


def _bytes(value: float) -> str:
    if value < 1024**3:
        return f"{value / 1024**2:,.0f} MB"
    return f"{value / 1024**3:,.1f} GB"


def _time(seconds: float) -> str:
    """'1 s', '4 min', '3.2 h', '52 days': a rough figure, read at a glance."""
    if seconds < 90:
        return f"{max(seconds, 1):,.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:,.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 86400:,.0f} days"


def diurnal_seconds(scenario: Scenario) -> float:
    """The integral of the hourly weight (mean 1) over [0, duration]: the seconds of 'average' load a run holds."""
    workload = scenario.workload
    weights = workload.hourly_weights
    start, end = workload.start_of_day, workload.start_of_day + scenario.duration
    days = math.floor((end - start) / 86400)
    total = days * 86400.0 * sum(weights) / 24  # whole days carry the mean weight
    t = start + days * 86400.0
    while t < end:
        hour_end = min(end, (math.floor(t / 3600) + 1) * 3600.0)
        total += (hour_end - t) * weights[int(t // 3600) % 24]
        t = hour_end
    return total


def expected_messages(scenario: Scenario) -> float:
    """Messages the run is expected to generate (users, the profile's Internet share, inbound_rate, SMTP clients)."""
    workload, duration = scenario.workload, scenario.duration
    shaped = diurnal_seconds(scenario)
    senders = [m for site in scenario.sites for m in site.mailbox_servers if m.sends_mail and m.mailboxes > 0]
    if workload.rate is not None:
        users = workload.rate * duration * len(senders)
    else:
        users = sum(m.mailboxes for m in senders) * workload.sent_per_day / 86400.0 * shaped
    internet = 0.0
    if workload.internet_inbound != "none":
        internet = internet_messages_per_day(scenario) / 86400.0 * shaped
    if scenario.edges:
        internet += scenario.internet.inbound_rate * duration
    clients = sum(client.rate for client in scenario.smtp_clients) * duration
    return users + internet + clients


def available_memory() -> float:
    """Bytes of memory available to a new run now (psutil: free plus reclaimable caches)."""
    import psutil

    return float(psutil.virtual_memory().available)


def process_limit() -> float:
    """Bytes this process may still use under its address-space limit (RLIMIT_AS, `ulimit -v`); inf without one.

    The estimate counts what the process already holds in memory (its resident set) in BASE_BYTES, so the room
    left is the limit less what is mapped but not resident: limit - (virtual size - resident size)."""
    import resource

    import psutil

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return math.inf
    info = psutil.Process().memory_info()
    return float(max(soft - (info.vms - info.rss), 0))


def estimate(scenario: Scenario, writes_files: bool = False, available: float | None = None,
             limit: float | None = None) -> Estimate:  # fmt: skip
    """The estimate for `scenario`; `writes_files` when the run's tables and logs are written too."""
    messages = expected_messages(scenario)
    per_message = RUN_BYTES[scenario.record] + (TRACKING_BYTES if scenario.tracking_log else 0.0)
    if writes_files:
        per_message += FILE_BYTES[scenario.record] + (TRACKING_FILE_BYTES if scenario.tracking_log else 0.0)
    memory = BASE_BYTES + messages * per_message
    seconds = messages / MESSAGES_PER_SECOND * (FILES_FACTOR if writes_files else 1.0)
    return Estimate(messages, memory, available_memory() if available is None else available,
                    process_limit() if limit is None else limit, seconds)  # fmt: skip
