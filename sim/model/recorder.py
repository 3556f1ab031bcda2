"""Columnar, append-only recording: flat arrays and tuples of scalars, handed over as columns at the end.

How much is kept is the scenario's `record` setting, so a run of a million messages stays small:
- summary: counts, and one float per delivered recipient (for latency percentiles);
- messages: also one row per recipient outcome;
- hops: also one row per message copy per station.
The message tracking log (`tracking_log: true`) keeps one row of scalars per event. The recorder holds
ids and scalars only, never a station or a message, so what it hands over (`columns`) is plain data.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable

import numpy as np

from ..formats.declare import Columns
from ..formats.events import PRESSURE_EVENTS_RECORD, QUEUE_EVENTS_RECORD
from ..formats.messages import HOPS_RECORD, MESSAGE_INFO_RECORD, MESSAGES_RECORD
from ..formats.queues import CATEGORIZED_RECORD, SAMPLE_PEAKS_RECORD, SAMPLES_RECORD
from ..formats.record import DELIVERED, RecordedTracking
from ..formats.tracking_events import TRACK_EVENTS_RECORD
from .message import Message

LEVELS = ("summary", "messages", "hops")
MESSAGE_INTS, MESSAGE_FLOATS = MESSAGES_RECORD.named("int64"), MESSAGES_RECORD.named("float64")
PEAK_INTS = SAMPLE_PEAKS_RECORD.named("int32")
Tracker = Callable[..., None]
# A row goes into its typed array as the bytes of one struct.pack (array.frombytes): a third of the time of
# array.extend over a tuple, which converts item by item. Native formats, so the bytes are the array's own; the
# layouts come from the declarations (sim.formats) once, at import, and each call packs in the declared order.
_MESSAGE_INTS, _MESSAGE_FLOATS = MESSAGES_RECORD.struct("int64").pack, MESSAGES_RECORD.struct("float64").pack
_TRACK_INTS = TRACK_EVENTS_RECORD.struct("int32").pack
_INFO_INTS, _INFO_FLOATS = MESSAGE_INFO_RECORD.struct("int64").pack, MESSAGE_INFO_RECORD.struct("float64").pack
_PEAK_INTS = SAMPLE_PEAKS_RECORD.struct("int32").pack
Logger = Callable[..., None]


class Recorder:
    """Collects what the model reports, in columns."""

    def __init__(self, level: str, warmup: float, tracking: bool = False) -> None:
        self.level = level
        self.warmup = warmup
        self.keep_tracking = tracking
        self.keep_messages = level in ("messages", "hops")
        self.keep_hops = level == "hops"
        self.reasons: dict[str, int] = {"": 0}  # interned status texts of NDRs and rejections
        self.outcome_reasons: dict[tuple[int, str], int] = {}
        self.outcomes = [0, 0, 0, 0]  # recipients delivered, NDR'd, rejected, poison
        self.expired = self.delay_dsns = self.refused_and_retried = 0  # see RunRecord.counts
        self.q_time, self.q_station, self.q_status, self.q_error = array("d"), array("q"), array("q"), array("q")
        self.q_next = array("d")
        self.texts: dict[str, int] = {}
        self.p_time, self.p_server, self.p_level = array("d"), array("q"), array("q")
        self.p_disk, self.p_buckets = array("d"), array("q")
        self.fault_windows: list[dict] = []
        self.delivered_in_window = 0  # recipients delivered after warm-up
        self.latencies = array("d")  # delivered recipients submitted after warm-up
        self.latency_submitted = array("d")  # when each of those recipients' message was submitted
        self.expired_submitted = array("d")  # when each recipient that expired was submitted (after warm-up)
        # one row per recipient outcome, row-major: MESSAGE_INTS ints and MESSAGE_FLOATS floats per row
        self.m_ints, self.m_floats = array("q"), array("d")
        self.paths: dict[tuple, int] = {}
        # one row per copy per station
        self.h_id, self.h_station = array("q"), array("q")
        self.h_queued, self.h_started, self.h_core, self.h_finished = array("d"), array("d"), array("d"), array("d")
        # samples taken every sample_interval
        self.s_time, self.s_station, self.s_length, self.s_waiting = array("d"), array("q"), array("q"), array("q")
        self.s_state = array("q")
        # the most held and waiting since the previous sample, where more than at the sample (else implied): PEAK_INTS
        # per row, row-major, 32-bit (16 bytes a row; a queue past 2**31 messages would need terabytes first)
        self.peaks = array("i")
        self.states: dict[str, int] = {}
        self.sample_times = array("d")
        self.first_sample: dict[int, int] = {}  # station id -> index of the first sample it was in
        self._active: set[int] = set()  # stations with mail (or stopped) at the last sample
        self.t_time, self.t_server, self.t_count = array("d"), array("q"), array("q")
        self.load_generated = array("q")  # messages generated so far, at each sample
        self.load_servers: list[str] = []  # Hubs and Edges whose core-seconds are sampled, in order
        self.load_core_seconds = array("d")  # their cumulative core-seconds, row-major by sample
        self.load_entries = array("q")  # every station's cumulative entries (sim.results.overload), by sample
        self.load_entry_counts = array("q")  # how many stations each sample's row of load_entries has
        self.outbox_servers: list[str] = []  # Mailbox servers whose Outboxes are sampled, in order
        self.outbox_rows = array("q")  # per sample and server: messages waiting, entered so far, blocked (0/1)
        # message tracking log: each event's time, its TRACK_INTS (row-major), the recipients it names (one flat
        # array), its TRACK_KIND combinations by code; and each message's constants
        # 32-bit codes, ids and recipient positions: half the memory of 64-bit ones. They reach 2**31 only past
        # about 100 million messages in one run, which would need over 100 GB (the estimate refuses it first).
        # Recipients stay 64-bit: an address outside the organisation is coded above 2**32.
        self.k_time, self.k_ints, self.k_recipients = array("d"), array("i"), array("q")
        self.kinds = Codes()
        self.i_ints, self.i_floats = array("q"), array("d")  # id, sender, origin; size, submitted_at
        self.stations_registered = 0

    # -- outcomes -----------------------------------------------------------------------------------------
    def finished(self, msg: Message, dest_server: int, now: float, status: int = DELIVERED, reason: str = "") -> None:
        """Every recipient of this copy reached an end state (delivered, NDR or rejected)."""
        recipients = msg.recipients
        count = len(recipients)
        self.outcomes[status] += count
        reason_id = 0
        if reason:
            reason_id = self.reasons.setdefault(reason, len(self.reasons))
            key = (status, reason)
            self.outcome_reasons[key] = self.outcome_reasons.get(key, 0) + count
        submitted = msg.submitted_at
        if status == DELIVERED:
            warmup = self.warmup
            if now >= warmup:
                self.delivered_in_window += count
            if submitted >= warmup:
                if count == 1:
                    self.latencies.append(now - submitted)
                    self.latency_submitted.append(submitted)
                else:
                    self.latencies.extend([now - submitted] * count)
                    self.latency_submitted.extend([submitted] * count)
        if not self.keep_messages:
            return
        path = tuple(msg.path)
        path_id = self.paths.get(path)
        if path_id is None:
            path_id = self.paths[path] = len(self.paths)
        # row-major blocks: the MESSAGE_INTS and MESSAGE_FLOATS of each recipient row
        floats = _MESSAGE_FLOATS(msg.size, submitted, now)
        if count == 1:
            self.m_ints.frombytes(
                _MESSAGE_INTS(msg.id, recipients[0], msg.sender, msg.origin, dest_server, status, path_id, reason_id)
            )
            self.m_floats.frombytes(floats)
            return
        msg_id, sender, origin = msg.id, msg.sender, msg.origin
        ints, flts = self.m_ints, self.m_floats
        for recipient in recipients:
            ints.frombytes(_MESSAGE_INTS(msg_id, recipient, sender, origin, dest_server, status, path_id, reason_id))
            flts.frombytes(floats)

    def expire(self, msg: Message) -> None:
        """The recipients of `msg` expired undelivered (MessageExpirationTimeout): counted, and when submitted after
        warm-up, kept with their submission time so windowed latency figures count them as never delivered."""
        count = len(msg.recipients)
        self.expired += count
        if msg.submitted_at >= self.warmup:
            self.expired_submitted.extend([msg.submitted_at] * count)

    # -- message tracking log -------------------------------------------------------------------------------
    def birth_hook(self) -> Callable[[Message], None] | None:
        """What a source calls with each new message: `born` when the tracking log is kept, else None."""
        return self.born if self.keep_tracking else None

    def born(self, msg: Message) -> None:
        """A new message: keep what the tracking log shows of it on every row (sender, size, origin, time)."""
        self.i_ints.frombytes(_INFO_INTS(msg.id, msg.sender, msg.origin))
        self.i_floats.frombytes(_INFO_FLOATS(msg.size, msg.submitted_at))

    def tracker(self, server: int, clock) -> Tracker | None:
        """A function logging tracking events on `server`, or None when the log is off.

        track(event, source, msg, peer=-1, peer_name="", connector="", status="", recipients=None,
        reference=-1): the event's time, then its TRACK_INTS in one typed array, the recipients appended to
        one flat array, and the combination of server, event, source, peer and texts as one code (a run has
        few distinct ones): an event costs 28 bytes plus 8 per recipient, and no Python object.
        """
        if not self.keep_tracking:
            return None
        add_time, add_ints, add_recipients, flat, kinds = self._tracking_appenders()

        def track(event: str, source: str, msg: Message, peer: int = -1, peer_name: str = "", connector: str = "",
                  status: str = "", recipients=None, reference: int = -1) -> None:  # fmt: skip
            add_recipients(msg.recipients if recipients is None else recipients)
            add_time(clock.now)
            kind = kinds[(server, event, source, peer, peer_name, connector, status)]
            add_ints(_TRACK_INTS(kind, msg.id, msg.internal_id, len(flat), reference))

        return track

    def logger(
        self, server: int, clock, event: str, source: str, connector: str = "", status: str = ""
    ) -> Logger | None:
        """A `track` for one kind of event (the hot ones: SUBMIT, RECEIVE, SEND, DELIVER; a delay DSN), or None.

        log(msg, peer=-1, reference=-1) records exactly what track(event, source, msg, peer=peer, connector=...,
        status=..., reference=reference) would: the code of the combination is looked up in the same `kinds` the
        first time a peer is seen (so codes are handed out in the same order), then kept per peer.
        """
        if not self.keep_tracking:
            return None
        add_time, add_ints, add_recipients, flat, kinds = self._tracking_appenders()
        codes: dict[int, int] = {}

        def log(msg: Message, peer: int = -1, reference: int = -1) -> None:
            add_recipients(msg.recipients)
            add_time(clock.now)
            kind = codes.get(peer)
            if kind is None:
                kind = codes[peer] = kinds[(server, event, source, peer, "", connector, status)]
            add_ints(_TRACK_INTS(kind, msg.id, msg.internal_id, len(flat), reference))

        return log

    def _tracking_appenders(self) -> tuple:
        """What a tracking closure binds as locals (hot path): the appenders of the time, integer and recipient
        arrays, the recipient array itself (its length ends an event's recipients) and the combination codes."""
        return self.k_time.append, self.k_ints.frombytes, self.k_recipients.extend, self.k_recipients, self.kinds

    @property
    def tracking_events(self) -> int:
        """Tracking log events recorded so far."""
        return len(self.k_time)

    def tracking_recorded(self) -> RecordedTracking:
        """The tracking events as kept, as numpy arrays over the recorded ones (no copy)."""
        return RecordedTracking(_view(self.k_time, np.float64), _view(self.k_ints, np.int32),
                                _view(self.k_recipients, np.int64), list(self.kinds))  # fmt: skip

    # -- stations -------------------------------------------------------------------------------------------
    def register(self) -> int:
        """A new station: its id in every station-indexed column."""
        self.stations_registered += 1
        return self.stations_registered - 1

    def hop(self, msg: Message, station, now: float) -> None:
        """A copy left a station (only bound when recording hops)."""
        self.h_id.append(msg.id)
        self.h_station.append(station.sid)
        self.h_queued.append(msg.queued_at)
        self.h_started.append(msg.started_at)
        self.h_core.append(msg.core_at)
        self.h_finished.append(now)

    def sample(self, now: float, stations: Iterable, hub_counts: list[tuple[int, int]]) -> None:
        """Queue lengths and states, the most each queue held and had waiting since the previous sample (the
        interval closed at both ends: Station.close_interval), and each Hub's categorized-message count.

        Sparse: a station gets a row only when it holds mail or is stopped or in Retry, or did at the
        previous sample; an idle station's rows are implied (length 0, Ready) and restored by
        Results.queues. Large organisations have thousands of mostly idle queues. The interval's maxima get
        a row of their own (16 bytes) only where they exceed what the sample shows: a queue that served a
        message between two samples and is empty at both.
        """
        index = len(self.sample_times)
        self.sample_times.append(now)
        first, active, states, add_peak = self.first_sample, self._active, self.states, self.peaks.frombytes
        for station in stations:
            sid = station.sid
            if sid not in first:
                first[sid] = index
            length = station.length  # a property: read once
            if station.peak_length or station.carry_length:  # it held mail since the previous sample
                waiting = len(station.queue)
                most, most_waiting = station.close_interval(length, waiting)
                if most > length or most_waiting > waiting:
                    add_peak(_PEAK_INTS(index, sid, most, most_waiting))
            busy = length or station.stopped or station.retrying
            if not busy and sid not in active:
                continue
            if busy:
                active.add(sid)
            else:
                active.discard(sid)
            self.s_time.append(now)
            self.s_station.append(sid)
            self.s_length.append(length)
            self.s_waiting.append(len(station.queue))
            self.s_state.append(states.setdefault(station.state, len(states)))
        for server, count in hub_counts:
            self.t_time.append(now)
            self.t_server.append(server)
            self.t_count.append(count)

    # -- queue status and back pressure ---------------------------------------------------------------------
    def queue_event(self, now: float, station: int, status: str, error: str, next_retry: float | None) -> None:
        """A queue's status changed (Get-Queue's Status, LastError and NextRetryTime)."""
        texts = self.texts
        self.q_time.append(now)
        self.q_station.append(station)
        self.q_status.append(texts.setdefault(status, len(texts)))
        self.q_error.append(texts.setdefault(error, len(texts)))
        self.q_next.append(float("nan") if next_retry is None else next_retry)

    def pressure_event(self, now: float, server: int, level: int, disk_percent: float, buckets: int) -> None:
        """A server's back pressure level changed."""
        self.p_time.append(now)
        self.p_server.append(server)
        self.p_level.append(level)
        self.p_disk.append(disk_percent)
        self.p_buckets.append(buckets)

    def queue_event_columns(self) -> tuple[Columns, list[str]]:
        """The queue status changes as columns, and the texts they index."""
        columns = {"time": _floats(self.q_time), "station": _ints(self.q_station), "status": _ints(self.q_status),
                   "error": _ints(self.q_error), "next_retry": _floats(self.q_next)}  # fmt: skip
        return QUEUE_EVENTS_RECORD.columns_from(columns), list(self.texts)

    def pressure_columns(self) -> Columns:
        """The back pressure level changes as columns."""
        return PRESSURE_EVENTS_RECORD.columns_from({
            "time": _floats(self.p_time), "server": _ints(self.p_server), "level": _ints(self.p_level),
            "disk_percent": _floats(self.p_disk), "version_buckets": _ints(self.p_buckets)})  # fmt: skip

    def sample_load(self, generated: int, core_seconds: dict[str, float], entries: list[int]) -> None:
        """At each sample: messages generated so far, each Hub's and Edge's cumulative core-seconds, and each
        station's cumulative entries (new messages and retries, in station id order).

        Called right after `sample`, so row i belongs to sample_times[i]; Results derives arrivals, core
        utilisation and entries per interval (the busiest hour, the overload test) from the differences.
        """
        if not self.load_servers:
            self.load_servers = list(core_seconds)
        self.load_generated.append(generated)
        self.load_core_seconds.extend(core_seconds.values())
        self.load_entries.extend(entries)
        self.load_entry_counts.append(len(entries))

    def sample_outboxes(self, mailbox_servers: Iterable) -> None:
        """At each sample, right after `sample_load`: each Outbox's waiting messages, the messages that began to
        wait there so far, and whether no Hub could take its mail (sim.results.overload tests their growth)."""
        if not self.outbox_servers:
            self.outbox_servers = [server.name for server in mailbox_servers]
        rows = self.outbox_rows
        for server in mailbox_servers:
            outbox = server.outbox
            rows.extend((len(outbox.waiting), outbox.entered, server.outbox_blocked))

    def outbox_columns(self) -> np.ndarray:
        """The Outbox samples as a (samples x servers x 3) matrix: waiting, entered, blocked."""
        return _ints(self.outbox_rows).reshape(-1, max(len(self.outbox_servers), 1), 3)

    def entries_columns(self) -> np.ndarray:
        """Cumulative entries as a (samples x stations) matrix; a station made later had none before."""
        matrix = np.zeros((len(self.load_entry_counts), self.stations_registered), dtype=np.int64)
        flat, at = _ints(self.load_entries), 0
        for row, count in enumerate(self.load_entry_counts):
            matrix[row, :count] = flat[at : at + count]
            at += count
        return matrix

    # -- hand-over -------------------------------------------------------------------------------------------
    def message_columns(self) -> Columns:
        """The recipient-outcome rows as columns (views of the MESSAGE_INTS and MESSAGE_FLOATS blocks: no copy)."""
        return MESSAGES_RECORD.from_blocks({"int64": _view(self.m_ints, np.int64),
                                            "float64": _view(self.m_floats, np.float64)})  # fmt: skip

    def hop_columns(self) -> Columns:
        """The per-copy, per-station rows as columns."""
        return HOPS_RECORD.columns_from({
            "message_id": _ints(self.h_id), "station": _ints(self.h_station), "queued_at": _floats(self.h_queued),
            "started_at": _floats(self.h_started), "core_at": _floats(self.h_core),
            "finished_at": _floats(self.h_finished),
        })  # fmt: skip

    def sample_columns(self) -> tuple[Columns, list[str], np.ndarray]:
        """(sparse sample rows, the state names their codes index, first sample index per station)."""
        first = np.full(self.stations_registered, len(self.sample_times), dtype=np.int64)
        for sid, index in self.first_sample.items():
            first[sid] = index
        rows = SAMPLES_RECORD.columns_from({
            "time": _floats(self.s_time), "station": _ints(self.s_station), "length": _ints(self.s_length),
            "waiting": _ints(self.s_waiting), "state": _ints(self.s_state),
        })  # fmt: skip
        return rows, list(self.states), first

    def peak_columns(self) -> Columns:
        """The interval maxima that exceed their sample's values (PEAK_INTS), as int32 views (no copy)."""
        return SAMPLE_PEAKS_RECORD.from_blocks({"int32": _view(self.peaks, np.int32)})

    def categorized_columns(self) -> Columns:
        """Each Hub's cumulative categorized count at each sample."""
        return CATEGORIZED_RECORD.columns_from(
            {"time": _floats(self.t_time), "server": _ints(self.t_server), "cumulative": _ints(self.t_count)}
        )

    def message_info_columns(self) -> Columns:
        """Per message (row = id - 1): what the tracking log shows of it on every row."""
        return MESSAGE_INFO_RECORD.from_blocks({"int64": np.array(self.i_ints, dtype=np.int64),
                                                "float64": np.array(self.i_floats, dtype=np.float64)})  # fmt: skip


class Codes(dict):
    """Values to codes, handing out the next code to a value seen for the first time (`codes[value]`)."""

    def __missing__(self, value) -> int:
        code = self[value] = len(self)
        return code


def _view(values: array, dtype) -> np.ndarray:
    """A numpy array over a typed array's memory (no copy): the recorder is done with it."""
    return np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype=dtype)


def _ints(values: array) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _floats(values: array) -> np.ndarray:
    return np.array(values, dtype=np.float64)
