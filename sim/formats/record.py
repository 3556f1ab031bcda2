"""What one run of an organisation leaves behind, as plain data: the hand-over from the model to Results.

The model fills one `RunRecord` at the end of a run and drops everything live (SimPy, stations,
messages); `sim.results.Results` is built from the record alone. So a result pickles, travels between
processes and Dask workers, and any figure can be traced to the effective scenario, seed and package
versions stored with it. Tables are columns of numpy arrays (their pickled size is the arrays');
names are kept once in small lists and referred to by index.

It lives in the formats layer because both the model (which fills it) and the results (which read it) may
import this layer, and neither may import the other. Its vocabulary is Exchange's: recipient end states,
Queue Viewer states, message tracking events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..exchange.addresses import AddressBook
from ..scenario.schema import Scenario

DELIVERED, NDR, REJECTED, POISON = 0, 1, 2, 3
"""The end states a recipient can reach (as codes in `RunRecord.messages["status"]`): delivered, NDR'd
(expired included), rejected during an SMTP session, or held in a Poison queue (never retried)."""
STATUS_NAMES = {DELIVERED: "delivered", NDR: "ndr", REJECTED: "rejected", POISON: "poison"}

Columns = dict[str, np.ndarray]
"""A table as named columns of equal length."""

TRACK_KIND = ("server", "event", "source", "peer", "peer_name", "connector", "status")
"""What an event shares with many others: who logged it, what, from whom and with what status. The recorder
keeps each distinct combination once and refers to it by code (sim.model.recorder.Recorder.tracker)."""
TRACK_INTS = ("kind", "message_id", "internal_id", "recipients_end", "reference")
"""What the recorder keeps per tracking event besides its time, as integers: the code of its TRACK_KIND
combination, the message, its internal id on that server, where its recipients end in one flat array of
recipient ids (they start where the previous event's end), and the internal id it references (-1: none)."""


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
    def from_arrays(cls, times: np.ndarray, ints: np.ndarray, recipients: np.ndarray, kinds: list[tuple]
                    ) -> TrackingTable:  # fmt: skip
        """Columns from what the recorder kept (`RecordedTracking`): one time and len(TRACK_INTS) integers per
        event, and the distinct TRACK_KIND combinations, whose texts become codes into `texts`."""
        block = ints.astype(np.int64).reshape(-1, len(TRACK_INTS))  # kept as int32; columns are int64
        texts: dict[str, int] = {"": 0}
        table = np.array([[text if name in ("server", "peer") else texts.setdefault(text, len(texts))
                           for name, text in zip(TRACK_KIND, kind)] for kind in kinds] or
                         np.zeros((0, len(TRACK_KIND))), dtype=np.int64).reshape(-1, len(TRACK_KIND))  # fmt: skip
        kind = block[:, 0]
        columns: Columns = {"time": times}
        columns.update({name: table[kind, i] for i, name in enumerate(TRACK_KIND)})
        columns["message_id"], columns["internal_id"] = block[:, 1], block[:, 2]
        ends = block[:, 3]
        columns["recipients_end"] = ends
        columns["recipients_start"] = np.concatenate(([0], ends[:-1])) if len(ends) else ends
        references = block[:, 4]
        named, codes = np.unique(references, return_inverse=True)
        lookup = np.array([0 if ref < 0 else texts.setdefault(str(ref), len(texts)) for ref in named.tolist()],
                          dtype=np.int64)  # fmt: skip
        columns["reference"] = lookup[codes.reshape(-1)] if len(references) else references
        return cls(columns, list(texts), recipients)


@dataclass
class RecordedTracking:
    """The tracking events as the recorder kept them (28 bytes an event plus 8 per recipient): `times`,
    `ints` (TRACK_INTS of each event, row-major), `recipients` (one flat array) and `kinds` (the distinct
    TRACK_KIND combinations). `RunRecord.tracking()` expands them into a TrackingTable when first asked."""

    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    recipients: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    kinds: list[tuple] = field(default_factory=list)


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
    """message_id, recipient, origin (server index), place (index into in_flight_places), submitted_at: every
    recipient still held at the end, and where: a queue, a service, an Outbox, a remote sender."""
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
    sample_peaks: Columns = field(default_factory=dict)
    """sample (index into sample_times), station, max_length, max_waiting: the most messages a queue held, and had
    waiting, at once since the previous sample (both ends included), where more than the sample shows; at
    every other (sample, station) they are the sampled length and waiting (0 where the station has no row)."""

    # -- message tracking log -----------------------------------------------------------------------------
    tracking_recorded: RecordedTracking = field(default_factory=RecordedTracking, repr=False)
    """The message tracking events as recorded (empty when the log is off); read them through `tracking()`."""
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

    # -- load over time, for peak-hour figures (sim/results/peak.py) -----------------------------------------
    latency_submitted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """When the message of each entry of `latencies` was submitted (same order and length)."""
    expired_submitted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """When the message of each recipient that expired undelivered was submitted (after warm-up only)."""
    load_generated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Messages generated so far (every source) at each of `sample_times`."""
    load_servers: list[str] = field(default_factory=list)
    """The Hubs and Edges whose core-seconds were sampled, in column order of `load_core_seconds`."""
    load_core_seconds: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """Cumulative core-seconds used since the start, one row per sample, one column per `load_servers`."""
    load_entries: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """Cumulative entries (new messages and retries) of every station since the start, one row per sample, one
    column per station (index into `stations`)."""
    outbox_servers: list[str] = field(default_factory=list)
    """The Mailbox servers whose Outboxes were sampled, in the order of `outbox_samples`' second axis."""
    outbox_samples: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3), dtype=np.int64))
    """Per sample and Mailbox server: messages waiting in its Outbox, messages that began to wait there so far,
    and 1 when no Hub could take its mail (the server down, or no Hub of its site up below High)."""

    def tracking(self) -> TrackingTable:
        """The message tracking events as columns (empty when the tracking log was off), expanded on first use;
        the record keeps (and pickles) only the compact form."""
        table = self.__dict__.get("_tracking_table")
        if table is None:
            kept = self.tracking_recorded
            table = self.__dict__["_tracking_table"] = TrackingTable.from_arrays(
                kept.times, kept.ints, kept.recipients, kept.kinds
            )
        return table

    def __getstate__(self) -> dict:
        """Pickle the compact tracking events, not their expanded columns."""
        state = self.__dict__.copy()
        state.pop("_tracking_table", None)
        return state


def split_place(place: str) -> tuple[str, str]:
    """An in-flight place, "HUB1\\Submission (Ready)", as (where, state): ("HUB1\\Submission", "Ready")."""
    where, _, state = place.rpartition(" (")
    return (where, state.rstrip(")")) if where else (place, "")
