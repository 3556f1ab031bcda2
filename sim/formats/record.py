"""What one run of an organisation leaves behind, as plain data: the hand-over from the model to Results.

The model fills one `RunRecord` at the end of a run and drops everything live (SimPy, stations,
messages); `sim.results.Results` is built from the record alone. So a result pickles, travels between
processes and Dask workers, and any figure can be traced to the effective scenario, seed and package
versions stored with it. Tables are columns of numpy arrays (their pickled size is the arrays'), each table's
columns declared once in sim.formats (`messages`, `queues`, `events`, `stations`, `routes`,
`tracking_events`); names are kept once in small lists and referred to by index.

It lives in the formats layer because both the model (which fills it) and the results (which read it) may
import this layer, and neither may import the other. Its vocabulary is Exchange's: recipient end states,
Queue Viewer states, message tracking events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..scenario.schema import Scenario
from .addresses import AddressBook
from .declare import Columns
from .events import FAULT_WINDOWS_RECORD, PRESSURE_EVENTS_RECORD, QUEUE_EVENTS_RECORD
from .messages import MESSAGE_INFO_RECORD
from .queues import SAMPLE_PEAKS_RECORD
from .routes import DECISIONS, ROUTES
from .tracking_events import RecordedTracking, TrackingTable

DELIVERED, NDR, REJECTED, POISON = 0, 1, 2, 3
"""The end states a recipient can reach (as codes in `RunRecord.messages["status"]`): delivered, NDR'd
(expired included), rejected during an SMTP session, or held in a Poison queue (never retried)."""
STATUS_NAMES = {DELIVERED: "delivered", NDR: "ndr", REJECTED: "rejected", POISON: "poison"}


@dataclass
class RunRecord:
    """Everything Results needs, and nothing live. Field groups below; each table's columns are declared in
    sim.formats (name, type, unit, meaning), named beside each field."""

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
    """Every recipient still held at the end, and where: a queue, a service, an Outbox, a remote sender
    (sim.formats.messages.IN_FLIGHT_RECORD)."""
    in_flight_places: list[str]

    # -- per-message and per-hop rows (as `record` asks) --------------------------------------------------
    messages: Columns
    """One row per recipient outcome (sim.formats.messages.MESSAGES_RECORD)."""
    paths: list[tuple[int, ...]]
    reasons: list[str]
    hops: Columns
    """One row per copy per station (sim.formats.messages.HOPS_RECORD)."""

    # -- queues and servers -------------------------------------------------------------------------------
    stations: Columns
    """One row per queue or stage, in the order they were made: names, limits and since-warm-up statistics
    (sim.formats.stations.STATIONS)."""
    server_stats: Columns
    """One row per Hub and Edge: cores, core and thread utilisation since warm-up (sim.formats.stations.SERVERS)."""
    sample_times: np.ndarray
    first_sample: np.ndarray
    """Per station, the index of the first sample after it was made (len(sample_times) if never sampled)."""
    samples: Columns
    """Sparse queue samples (sim.formats.queues.SAMPLES_RECORD); a station idle at a sample and at the one before
    has no row (length 0, Ready)."""
    sample_states: list[str]
    categorized: Columns
    """Messages each Hub had categorized at each sample (sim.formats.queues.CATEGORIZED_RECORD)."""
    sample_peaks: Columns = field(default_factory=SAMPLE_PEAKS_RECORD.empty)
    """The most messages a queue held, and had waiting, at once since the previous sample (both ends included),
    where more than the sample shows (sim.formats.queues.SAMPLE_PEAKS_RECORD); at every other (sample, station)
    they are the sampled length and waiting (0 where the station has no row)."""

    # -- message tracking log -----------------------------------------------------------------------------
    tracking_recorded: RecordedTracking = field(default_factory=RecordedTracking, repr=False)
    """The message tracking events as recorded (empty when the log is off); read them through `tracking()`."""
    message_info: Columns = field(default_factory=MESSAGE_INFO_RECORD.empty)
    """Per message id (row = id - 1), kept when tracking (sim.formats.messages.MESSAGE_INFO_RECORD)."""

    # -- routing and submission decisions, for `trace` and teaching ----------------------------------------
    routes: Columns = field(default_factory=ROUTES.empty)
    """Every AD-site route a Hub used (sim.formats.routes.ROUTES)."""
    decisions: Columns = field(default_factory=DECISIONS.empty)
    """Every per-domain routing decision (sim.formats.routes.DECISIONS)."""
    submission: dict[str, dict] = field(default_factory=dict)
    """Per Mailbox server: local (its own Hub role, or None) and hubs (the round robin, in order)."""
    smtp_sessions: list[tuple] = field(default_factory=list)
    """The SMTP sessions the protocol logs show, when a connector logs Verbose (sim.model.protocol)."""

    # -- what broke, and what the queues and back pressure did ---------------------------------------------
    queue_events: Columns = field(default_factory=QUEUE_EVENTS_RECORD.empty)
    """Every change of a queue's status (sim.formats.events.QUEUE_EVENTS_RECORD)."""
    event_texts: list[str] = field(default_factory=list)
    pressure_events: Columns = field(default_factory=PRESSURE_EVENTS_RECORD.empty)
    """Every change of a server's back pressure level (sim.formats.events.PRESSURE_EVENTS_RECORD)."""
    fault_windows: Columns = field(default_factory=FAULT_WINDOWS_RECORD.empty)
    """Every time something was down (sim.formats.events.FAULT_WINDOWS_RECORD)."""

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
