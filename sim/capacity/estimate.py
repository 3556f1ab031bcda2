"""Before a run: about how many messages it will make and how much memory that takes, against the machine.

`exsim run` prints the estimate and refuses (exit 2) a run whose estimate exceeds the memory available,
unless `--force`: a scenario of 1e12 mailboxes, or `duration: 100000h`, is a typing mistake far more often
than a wish, and without the guard it validates and then dies of MemoryError an hour later.

Messages: each sending Mailbox server's rate (workload.rate, or mailboxes x sent per day / 86,400 s
shaped by the diurnal curve, integrated over the clock hours of [0, duration]), the profile's Internet
share on the same curve, internet.inbound_rate and every SMTP client population's rate.

Memory. Decision (measured with ru_maxrss on scenarios/quickstart.yaml, 6 h, 28,868 messages of two
recipients on average, CPython 3.11, pandas 3): about 0.4 KB a message with `record: summary`, 0.8 KB
with messages, 1.2 KB with hops, 1 KB more with the tracking log; writing files (--out, --report) adds
2 KB for the messages or hops tables and 7 KB for the tracking log; plus 250 MB for the interpreter,
libraries and figures. A rough figure: the guard stops runs that are out by orders of magnitude.
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


@dataclass(frozen=True)
class Estimate:
    """About how many messages a run makes and the bytes of memory it needs, beside what the machine has."""

    messages: float
    memory_bytes: float
    available_bytes: float

    @property
    def fits(self) -> bool:
        """Whether the estimate is within the memory available now."""
        return self.memory_bytes <= self.available_bytes

    def describe(self) -> str:
        """'about 2,468 messages, about 262 MB of memory (21.3 GB available)'."""
        return (f"about {self.messages:,.0f} messages, about {_bytes(self.memory_bytes)} of memory "
                f"({_bytes(self.available_bytes)} available)")  # fmt: skip


def _bytes(value: float) -> str:
    if value < 1024**3:
        return f"{value / 1024**2:,.0f} MB"
    return f"{value / 1024**3:,.1f} GB"


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


def estimate(scenario: Scenario, writes_files: bool = False, available: float | None = None) -> Estimate:
    """The estimate for `scenario`; `writes_files` when the run's tables and logs are written too."""
    messages = expected_messages(scenario)
    per_message = RUN_BYTES[scenario.record] + (TRACKING_BYTES if scenario.tracking_log else 0.0)
    if writes_files:
        per_message += FILE_BYTES[scenario.record] + (TRACKING_FILE_BYTES if scenario.tracking_log else 0.0)
    memory = BASE_BYTES + messages * per_message
    return Estimate(messages, memory, available_memory() if available is None else available)
