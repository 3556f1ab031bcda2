"""Performance counters from a run's record: the counters an Exchange 2007 administrator watches on each Hub and
Edge, named exactly as Exchange names them (object, instance, counter), one value per queue sample.

Why: an administrator reads a transport server through Performance Monitor, and Microsoft's guidance
(sim.results.thresholds) is written against these counters; the same figures from a run can be laid beside a real
server's log (`exsim run --out` writes them as relog's CSV, sim.results.perfmon) and judged by the same thresholds.

Computed from the record alone (sim.formats.record.RunRecord), at every one of its `sample_times`:

- queue lengths (messages) from the sampled length of each queue (Get-Queue's MessageCount); the record keeps idle
  queues implicitly (0, Ready). A queue counts as *Retry* while its sampled status is Retry, as *Active* otherwise
  (Ready, Active or Suspended). Delivery queues are the mailbox delivery queues (DeliveryType MapiDelivery) and
  the remote delivery queues (every SMTP DeliveryType: SmtpRelayToRemoteAdSite, SmtpRelayWithinAdSite,
  SmtpRelayWithinAdSiteToEdge, DnsConnectorDelivery, SmartHostConnectorDelivery); the Submission, Unreachable and
  Poison queues are not delivery queues (Exchange 2007's queue types, DOMAIN.md 1.2);
- rates (messages per second) over the interval since the sample before, from the cumulative entries of each
  station (new messages and retries); the first sample has no interval, so no value, as in a perfmon log;
  recipients delivered per second from the row per recipient (when the run kept them): the delivering Hub is the
  server before the destination Mailbox server in the recipient's path;
- `% Processor Time` of `Processor(_Total)`: core-seconds used over the interval / (interval x cores) x 100, the
  busy share of all the server's cores, 0..100, as Windows reports `_Total`.

Counter names: Microsoft, "Monitoring Hub Transport Servers", Exchange Server 2007 (TechNet bb201704): its
Transport Queue Length counters, Transport Load Assessment counters and disk counters. What the model has no
meaning for is listed in NOT_MODELLED and never given a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..formats.clock import start_of
from ..formats.counters import COUNTERS
from ..formats.frames import as_frame
from ..formats.record import DELIVERED, RunRecord
from .peak import dense_samples

SOURCE = "Microsoft, Monitoring Hub Transport Servers, Exchange Server 2007 (TechNet bb201704)"
"""Where every counter name below is documented."""
QUEUES, SMTP_RECEIVE, STORE_DRIVER, PROCESSOR = (
    "MSExchangeTransport Queues",
    "MSExchangeTransport SmtpReceive",
    "MSExchange Store Driver",
    "Processor",
)
TOTAL, PROCESSOR_TOTAL = "_total", "_Total"
"""Exchange's counters are read at instance _total (the sum over queues or connectors); Windows' Processor at _Total."""

MAILBOX_TYPES = frozenset({"MapiDelivery"})
REMOTE_TYPES = frozenset({"SmtpRelayToRemoteAdSite", "SmtpRelayWithinAdSite", "SmtpRelayWithinAdSiteToEdge",
                          "DnsConnectorDelivery", "SmartHostConnectorDelivery"})  # fmt: skip
RECEIVE_STAGES = frozenset({"SmtpReceive"})
"""The stations where a Hub receives mail over SMTP."""


@dataclass(frozen=True)
class Counter:
    """One counter as Performance Monitor names it, and what it is here."""

    object: str
    instance: str
    counter: str
    meaning: str
    roles: tuple[str, ...] = ("Hub", "Edge")

    def path(self, machine: str) -> str:
        """`\\\\MACHINE\\Object(Instance)\\Counter`, as Performance Monitor writes it."""
        return f"\\\\{machine}\\{self.object}({self.instance})\\{self.counter}"


def _queue(name: str, meaning: str) -> Counter:
    return Counter(QUEUES, TOTAL, name, meaning)


AGGREGATE = _queue("Aggregate Delivery Queue Length (All Queues)", "messages in every delivery queue, any status")
ACTIVE_REMOTE = _queue("Active Remote Delivery Queue Length", "messages in remote delivery queues not in Retry")
RETRY_REMOTE = _queue("Retry Remote Delivery Queue Length", "messages in remote delivery queues in Retry")
ACTIVE_MAILBOX = _queue("Active Mailbox Delivery Queue Length", "messages in mailbox delivery queues not in Retry")
RETRY_MAILBOX = _queue("Retry Mailbox Delivery Queue Length", "messages in mailbox delivery queues in Retry")
SUBMISSION = _queue("Submission Queue Length", "messages in the Submission queue")
UNREACHABLE = _queue("Unreachable Queue Length", "messages in the Unreachable queue")
POISON = _queue("Poison Queue Length", "messages in the Poison message queue")
LARGEST = _queue("Largest Delivery Queue Length", "messages in the largest delivery queue")
SUBMITTED_RATE = _queue("Messages Submitted Per Second", "entries into the Submission queue per second")
QUEUED_RATE = _queue("Messages Queued for Delivery Per Second", "entries into delivery queues per second")
RECEIVED_RATE = Counter(SMTP_RECEIVE, TOTAL, "Messages Received/sec", "messages received over SMTP per second",
                        ("Hub",))  # fmt: skip
STORE_SUBMITTED_RATE = Counter(STORE_DRIVER, TOTAL, "Outbound: Submitted Mail Items Per Second",
                               "messages the Store Driver picked up from Outboxes per second", ("Hub",))  # fmt: skip
DELIVERED_RATE = Counter(STORE_DRIVER, TOTAL, "Inbound: Recipients Delivered Per Second",
                         "recipients the Store Driver delivered to mailboxes per second", ("Hub",))  # fmt: skip
PROCESSOR_TIME = Counter(PROCESSOR, PROCESSOR_TOTAL, "% Processor Time", "busy share of all cores over the interval")

WRITTEN = (PROCESSOR_TIME, AGGREGATE, ACTIVE_REMOTE, RETRY_REMOTE, ACTIVE_MAILBOX, RETRY_MAILBOX, SUBMISSION,
           UNREACHABLE, POISON, LARGEST, SUBMITTED_RATE, QUEUED_RATE, RECEIVED_RATE, STORE_SUBMITTED_RATE, DELIVERED_RATE)  # fmt: skip
"""Every counter computed, in the order the tables and the CSV files list them."""

NOT_MODELLED: dict[str, str] = {
    "\\LogicalDisk(*)\\Avg. Disk sec/Read": "the model has no disks (no queue database, no transaction logs)",
    "\\LogicalDisk(*)\\Avg. Disk sec/Write": "the model has no disks (no queue database, no transaction logs)",
    "\\MSExchangeTransport Queues(_total)\\Active Non-Smtp Delivery Queue Length": "the model has no Foreign "
    "connectors (no Drop directory)",
    "\\MSExchangeTransport Queues(_total)\\Retry Non-Smtp Delivery Queue Length": "the model has no Foreign "
    "connectors (no Drop directory)",
    "Edge: \\MSExchangeTransport SmtpReceive(_total)\\Messages Received/sec": "the model receives Internet mail "
    "and runs the anti-spam agents in one stage (AntiSpam), so a message an agent refuses before DATA (not "
    "received, in Exchange) cannot be told from one received",
    "\\MSExchangeTransport SmtpSend(_total)\\Messages Sent/sec": "the record keeps how many messages entered each "
    "queue, not how many left it per interval (entries minus growth would count expiries and retries as sent)",
    "\\MSExchangeTransport Queues(_total)\\Messages Completed Delivery Per Second": "as Messages Sent/sec: "
    "completions per interval are not in the record",
}  # fmt: skip
"""Counters Microsoft names for a Hub that have no value here, and why (never invented). Inbound: Recipients
Delivered Per Second is written only when the run kept a row per recipient (`record: messages` or `hops`, the
default): it is counted from those rows."""


@dataclass
class ServerCounters:
    """One Hub's or Edge's counters: one array per counter, one value per sample (NaN: no value)."""

    server: str
    role: str
    values: dict[Counter, np.ndarray] = field(default_factory=dict)


@dataclass
class CounterLog:
    """Every Hub's and Edge's counters at the record's sample times (seconds from the start)."""

    times: np.ndarray
    servers: list[ServerCounters]

    def frame(self, record: RunRecord) -> pd.DataFrame:
        """The long table (sim.formats.counters.COUNTERS): time, clock, server, object, instance, counter, value."""
        n = len(self.times)
        pairs = [(s.server, c) for s in self.servers for c in s.values]
        names = [s.server for s in self.servers]
        counters = list(dict.fromkeys(c for _, c in pairs))
        server_codes = np.repeat([names.index(s) for s, _ in pairs], n).astype(np.int64)
        counter_codes = np.repeat([counters.index(c) for _, c in pairs], n).astype(np.int64)
        values = np.concatenate([s.values[c] for s in self.servers for c in s.values]) if pairs else np.zeros(0)

        def categorical(codes: np.ndarray, texts: list[str]) -> pd.Categorical:
            unique = list(dict.fromkeys(texts))
            position = np.array([unique.index(t) for t in texts] or [0], dtype=np.int64)
            return pd.Categorical.from_codes(position[codes] if len(codes) else codes, categories=unique)

        return as_frame(COUNTERS, {
            "time": np.tile(self.times, len(pairs)), "server": categorical(server_codes, names),
            "object": categorical(counter_codes, [c.object for c in counters]),
            "instance": categorical(counter_codes, [c.instance for c in counters]),
            "counter": categorical(counter_codes, [c.counter for c in counters]), "value": values,
        }, start_of(record.scenario))  # fmt: skip


def _rate(cumulative: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per-second rate over each interval since the sample before; NaN at the first sample."""
    out = np.full(len(times), np.nan)
    if len(times) > 1:
        out[1:] = np.diff(cumulative.astype(float)) / np.diff(times)
    return out


def _entries(record: RunRecord) -> np.ndarray:
    """Cumulative entries per sample and station (zeros when the record has none at the sample times)."""
    shape = (len(record.sample_times), len(record.stations["queue"]))
    kept = record.load_entries
    if kept.ndim != 2 or kept.shape[0] != shape[0]:
        return np.zeros(shape, dtype=np.int64)
    out = np.zeros(shape, dtype=np.int64)
    width = min(shape[1], kept.shape[1])
    out[:, :width] = kept[:, :width]
    return out


def _processor(record: RunRecord, server: str, cores: int) -> np.ndarray | None:
    """% Processor Time over each interval, or None when the server's core-seconds were not sampled."""
    times = record.sample_times
    if server not in record.load_servers or record.load_core_seconds.shape[0] != len(times):
        return None
    used = record.load_core_seconds[:, record.load_servers.index(server)]
    return _rate(used, times) / max(cores, 1) * 100.0


def _queue_values(
    mine: np.ndarray,
    kinds: dict[str, np.ndarray],
    lengths: np.ndarray,
    retry: np.ndarray,
    entries: np.ndarray,
    times: np.ndarray,
) -> dict[Counter, np.ndarray]:
    """One server's queue counters and rates; `mine` picks its stations, `kinds` what each station is."""

    def total(mask: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        picked = lengths[:, mine & mask]
        return (picked * where[:, mine & mask]).sum(axis=1) if where is not None else picked.sum(axis=1)

    def rate(mask: np.ndarray) -> np.ndarray:
        return _rate(entries[:, mine & mask].sum(axis=1), times)

    mailbox, remote = kinds["mailbox"], kinds["remote"]
    delivery = lengths[:, mine & (mailbox | remote)]
    return {
        AGGREGATE: total(mailbox | remote), ACTIVE_REMOTE: total(remote, ~retry), RETRY_REMOTE: total(remote, retry),
        ACTIVE_MAILBOX: total(mailbox, ~retry), RETRY_MAILBOX: total(mailbox, retry),
        SUBMISSION: total(kinds["submission"]), UNREACHABLE: total(kinds["unreachable"]), POISON: total(kinds["poison"]),
        LARGEST: delivery.max(axis=1) if delivery.shape[1] else np.zeros(len(times), dtype=np.int64),
        SUBMITTED_RATE: rate(kinds["submission"]), QUEUED_RATE: rate(mailbox | remote),
        RECEIVED_RATE: rate(kinds["receive"]), STORE_SUBMITTED_RATE: rate(kinds["store"]),
    }  # fmt: skip


def _kinds(record: RunRecord) -> dict[str, np.ndarray]:
    """Per station of the record, whether it is each kind of queue or stage the counters add up."""
    st = record.stations
    types = np.asarray(st["delivery_type"], dtype=object)
    names = np.asarray(st["station"], dtype=object)
    return {"mailbox": np.isin(types, list(MAILBOX_TYPES)), "remote": np.isin(types, list(REMOTE_TYPES)),
            "submission": (names == "Submission") & (types == "Undefined"), "unreachable": types == "Unreachable",
            "poison": names == "Poison", "receive": np.isin(names, list(RECEIVE_STAGES)) & (types == "Stage"),
            "store": (names == "StoreDriverSubmission") & (types == "Stage")}  # fmt: skip


def _delivered(record: RunRecord, times: np.ndarray) -> np.ndarray | None:
    """Recipients delivered per second per server (rows: RunRecord.servers) over each interval, from the row per
    recipient: the delivering Hub is the server before the destination in the recipient's path. None when the run
    kept no rows per recipient (`record: summary`)."""
    if record.scenario.record == "summary":
        return None
    m = record.messages
    delivered = m["status"] == DELIVERED
    deliverer = np.array([path[-2] if len(path) >= 2 else -1 for path in record.paths] or [-1], dtype=np.int64)
    hub = deliverer[m["path"][delivered]]
    interval = np.searchsorted(times, m["finished_at"][delivered], side="left")  # t in (times[i-1], times[i]]
    keep = (interval > 0) & (interval < len(times)) & (hub >= 0)
    counts = np.zeros((len(record.servers), len(times)))
    np.add.at(counts, (hub[keep], interval[keep]), 1.0)
    rates = np.full(counts.shape, np.nan)
    if len(times) > 1:
        rates[:, 1:] = counts[:, 1:] / np.diff(times)
    return rates


def compute(record: RunRecord) -> CounterLog:
    """Every counter of WRITTEN for every Hub and Edge of the run (module docstring: how each is computed)."""
    times = np.asarray(record.sample_times, dtype=float)
    lengths, retry = dense_samples(record, ("Retry",))
    entries = _entries(record)
    kinds = _kinds(record)
    server_of = np.asarray(record.stations["server"], dtype=object)
    delivered = _delivered(record, times)
    out = []
    stats = record.server_stats
    for server, role, cores in zip(stats["server"].tolist(), stats["role"].tolist(), stats["cores"].tolist()):
        values = _queue_values(server_of == server, kinds, lengths, retry, entries, times)
        processor = _processor(record, server, int(cores))
        if processor is not None:
            values[PROCESSOR_TIME] = processor
        if delivered is not None:
            values[DELIVERED_RATE] = delivered[record.servers.index(server)]
        kept = {c: np.asarray(values[c], dtype=float) for c in WRITTEN if c in values and role in c.roles}
        out.append(ServerCounters(server, role, kept))
    return CounterLog(times, out)
