"""What one run of an organisation leaves behind, as plain data: the hand-over from the model to Results.

The model fills one `RunRecord` at the end of a run and drops everything live (SimPy, stations,
messages); `sim.results.Results` is built from the record alone. So a result pickles, travels between
processes and Dask workers, and any figure can be traced to the effective scenario, seed and package
versions stored with it. Tables are columns of numpy arrays (their pickled size is the arrays');
names are kept once in small lists and referred to by index.

It lives in the exchange layer because both the model (which fills it) and the results (which read
it) may import this layer, and neither may import the other. Its vocabulary is Exchange's: recipient
end states, Queue Viewer states, message tracking events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from ..scenario.schema import Scenario
from .addresses import AddressBook

DELIVERED, NDR, REJECTED, POISON = 0, 1, 2, 3
"""The end states a recipient can reach (as codes in `RunRecord.messages["status"]`): delivered, NDR'd
(expired included), rejected during an SMTP session, or held in a Poison queue (never retried)."""
STATUS_NAMES = {DELIVERED: "delivered", NDR: "ndr", REJECTED: "rejected", POISON: "poison"}

Columns = dict[str, np.ndarray]
"""A table as named columns of equal length."""

TRACK_COLUMNS = (
    "time", "server", "event", "source", "message_id", "internal_id", "recipients", "peer", "peer_name",
    "connector", "status", "reference",
)  # fmt: skip
"""What the model records of one message tracking event, in this order (sim.model.recorder.Recorder.tracker)."""
TRACK_TEXT = ("event", "source", "peer_name", "connector", "status", "reference")


@dataclass
class TrackingTable:
    """The message tracking events as columns: text columns index `texts`; recipients are slices of one array.

    columns: time, server, event, source, message_id, internal_id, peer (server index or -1), peer_name,
    connector, status, reference, recipients_start, recipients_end.
    """

    columns: Columns
    texts: list[str]
    recipients: np.ndarray

    @classmethod
    def from_flat(cls, flat: list) -> TrackingTable:
        """Columns from the events as recorded: TRACK_COLUMNS of each event, one after another in one list."""
        width = len(TRACK_COLUMNS)
        values = {name: flat[i::width] for i, name in enumerate(TRACK_COLUMNS)}
        every = np.array(list(chain.from_iterable(values[name] for name in TRACK_TEXT)), dtype=object)
        codes, uniques = pd.factorize(every)  # all text columns share one table of texts
        codes = codes.reshape(len(TRACK_TEXT), -1) if len(codes) else np.zeros((len(TRACK_TEXT), 0), np.int64)
        columns: Columns = {}
        for name, column in values.items():
            if name == "recipients":
                lengths = np.fromiter(map(len, column), dtype=np.int64, count=len(column))
                columns["recipients_end"] = np.cumsum(lengths)
                columns["recipients_start"] = columns["recipients_end"] - lengths
            elif name in TRACK_TEXT:
                columns[name] = codes[TRACK_TEXT.index(name)].astype(np.int64)
            else:
                columns[name] = np.array(column, dtype=np.float64 if name == "time" else np.int64)
        recipients = np.fromiter(chain.from_iterable(values["recipients"]), dtype=np.int64)
        return cls(columns, [str(text) for text in uniques], recipients)


@dataclass
class RunRecord:
    """Everything Results needs, and nothing live. Field groups below; each table's columns are documented."""

    scenario: Scenario
    """The effective scenario (overrides applied, defaults filled in)."""
    seed: int
    versions: dict[str, str]
    """exsim and the packages that shape its numbers (Python, SimPy, numpy, pandas, networkx, pydantic)."""
    end_time: float
    """Simulated seconds at the end: duration + drain."""

    # -- names: everything else refers to servers and stations by index into these lists ----------------
    servers: list[str]
    """Every server name by index: Mailbox, Hub and Edge servers, then 'Internet', smart hosts, SMTP clients."""
    server_sites: list[str]
    server_roles: list[str]
    """Mailbox, Hub, Mailbox+Hub, Edge, Internet, External (a smart host) or Clients (SMTP client populations)."""
    addresses: AddressBook

    # -- accounting ---------------------------------------------------------------------------------------
    counts: dict[str, int]
    """messages_generated, internet_messages_generated, recipients_generated, delivered, ndr, rejected, poison,
    in_flight (recipients still held anywhere at the end), delivered_in_window (delivered after warm-up),
    expired (recipients NDR'd at MessageExpirationTimeout), delay_dsns (recipients a delay DSN was sent for),
    refused_and_retried (times a server refused a message under back pressure, 452 4.3.1, and the sender
    kept it to try again: attempts, not recipients)."""
    outcome_reasons: list[tuple[int, str, int]]
    """(status code, reason, recipients) for every NDR and rejection reason."""
    rejected_by: dict[str, int]
    """Recipients rejected per Edge anti-spam agent."""
    submissions_by_hub: dict[str, int]
    latencies: np.ndarray
    """End-to-end latency of every recipient delivered whose message was submitted after warm-up."""
    in_flight: Columns
    """message_id, recipient, origin (server index), place (index into in_flight_places): every recipient
    still held at the end, and where: a queue, a service, an Outbox, a remote sender."""
    in_flight_places: list[str]

    # -- per-message and per-hop rows (as `record` asks) --------------------------------------------------
    messages: Columns
    """One row per recipient outcome: message_id, recipient, sender, origin, destination (server index, -1
    for none), status, path (index into paths), reason (index into reasons), size_bytes, submitted_at,
    finished_at."""
    paths: list[tuple[int, ...]]
    reasons: list[str]
    hops: Columns
    """One row per copy per station: message_id, station (index into stations), queued_at, started_at
    (a thread taken), core_at (a core taken), finished_at."""

    # -- queues and servers -------------------------------------------------------------------------------
    stations: list[dict]
    """One dict per queue or stage, in the order they were made: names, limits and since-warm-up statistics."""
    server_stats: list[dict]
    """One dict per Hub and Edge: cores, core and thread utilisation since warm-up, submissions, ..."""
    sample_times: np.ndarray
    first_sample: np.ndarray
    """Per station, the index of the first sample after it was made (len(sample_times) if never sampled)."""
    samples: Columns
    """Sparse queue samples: time, station, length, waiting, state (index into sample_states); a station
    idle at a sample and at the one before has no row (length 0, Ready)."""
    sample_states: list[str]
    categorized: Columns
    """time, server (index), cumulative: messages each Hub had categorized at each sample."""

    # -- message tracking log -----------------------------------------------------------------------------
    tracking_events: list = field(default_factory=list, repr=False)
    """The events as recorded (TRACK_COLUMNS of each, one after another); `tracking()` turns them into columns."""
    message_info: Columns = field(default_factory=dict)
    """Per message id (row = id - 1): sender, size_bytes, origin, submitted_at; kept when tracking."""

    # -- routing and submission decisions, for `trace` and teaching ----------------------------------------
    routes: list[dict] = field(default_factory=list)
    """Every AD-site route a Hub used: source, target, path, next_hop, cost, reason."""
    decisions: list[dict] = field(default_factory=list)
    """Every per-domain routing decision: server, domain, reason."""
    submission: dict[str, dict] = field(default_factory=dict)
    """Per Mailbox server: local (its own Hub role, or None) and hubs (the round robin, in order)."""

    # -- what broke, and what the queues and back pressure did ---------------------------------------------
    queue_events: Columns = field(default_factory=dict)
    """Every change of a queue's status: time, station, status, error (indexes into event_texts), next_retry
    (seconds; NaN when none)."""
    event_texts: list[str] = field(default_factory=list)
    pressure_events: Columns = field(default_factory=dict)
    """Every change of a server's back pressure level: time, server (index), level (0 Normal, 1 Medium,
    2 High), disk_percent and version_buckets when it changed."""
    fault_windows: list[dict] = field(default_factory=list)
    """Every time something was down: fault (label), kind, target, start, end (None: still down at the end)."""

    _tracking: TrackingTable | None = field(default=None, repr=False)

    # -- load over time, for peak-hour figures (sim/results/peak.py) -----------------------------------------
    latency_submitted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """When the message of each entry of `latencies` was submitted (same order and length)."""
    load_generated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Messages generated so far (every source) at each of `sample_times`."""
    load_servers: list[str] = field(default_factory=list)
    """The Hubs and Edges whose core-seconds were sampled, in column order of `load_core_seconds`."""
    load_core_seconds: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """Cumulative core-seconds used since the start, one row per sample, one column per `load_servers`."""

    def tracking(self) -> TrackingTable:
        """The message tracking events as columns (converted once, on first use or when pickled)."""
        if self._tracking is None:
            self._tracking = TrackingTable.from_flat(self.tracking_events)
            self.tracking_events = []
        return self._tracking

    def __getstate__(self) -> dict:
        """Pickle columns, never the recorded Python objects."""
        self.tracking()
        return self.__dict__.copy()


def split_place(place: str) -> tuple[str, str]:
    """An in-flight place, "HUB1\\Submission (Ready)", as (where, state): ("HUB1\\Submission", "Ready")."""
    where, _, state = place.rpartition(" (")
    return (where, state.rstrip(")")) if where else (place, "")
