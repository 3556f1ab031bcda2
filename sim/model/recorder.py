"""Columnar, append-only recording: flat lists and arrays of scalars, DataFrames built once at the end.

How much is kept is the scenario's `record` setting, so a run of a million messages stays small:
- summary: counts, and one float per delivered recipient (for latency percentiles);
- messages: also one row per recipient outcome;
- hops: also one row per message copy per station.
"""

from __future__ import annotations

from array import array

from .message import DELIVERED, Message

LEVELS = ("summary", "messages", "hops")
MESSAGE_INTS = ("message_id", "recipient", "sender", "origin", "destination", "status", "path", "reason")
MESSAGE_FLOATS = ("size_bytes", "submitted_at", "finished_at")
TRACK_COLUMNS = (
    "time",
    "server",
    "event",
    "source",
    "msg",
    "internal",
    "recipients",
    "peer",
    "peer_name",
    "connector",
    "status",
    "reference",
)


class Recorder:
    """Collects what the model reports, in columns."""

    def __init__(self, level: str, warmup: float, tracking: bool = False) -> None:
        self.level = level
        self.warmup = warmup
        self.keep_tracking = tracking
        self.reasons: dict[str, int] = {"": 0}  # interned status texts of NDRs and rejections
        self.outcome_reasons: dict[tuple[int, str], int] = {}
        # message tracking log events, one tuple of TRACK_COLUMNS each (only when tracking)
        self.k_rows: list[tuple] = []
        self.keep_messages = level in ("messages", "hops")
        self.keep_hops = level == "hops"
        self.outcomes = [0, 0, 0]  # recipients delivered, NDR'd, rejected
        self.delivered_in_window = 0  # recipients delivered after warm-up
        self.latencies = array("d")  # delivered recipients submitted after warm-up
        # one row per recipient outcome
        # one row per recipient outcome, row-major: MESSAGE_INTS ints and MESSAGE_FLOATS floats per row
        self.m_ints, self.m_floats = array("q"), array("d")
        self.paths: dict[tuple, int] = {}
        # one row per copy per station
        self.h_id, self.h_station = array("q"), array("q")
        self.h_queued, self.h_started, self.h_finished = array("d"), array("d"), array("d")
        self.stations: list = []
        self._station_ids: dict[int, int] = {}
        # samples taken every sample_interval
        self.s_time, self.s_station, self.s_length, self.s_waiting = array("d"), array("q"), array("q"), array("q")
        self.s_state: list[str] = []
        self.sample_times = array("d")
        self.first_sample: dict[int, int] = {}  # station id -> index of the first sample it was in
        self._active: set[int] = set()  # stations with mail (or stopped) at the last sample
        self.t_time, self.t_server, self.t_count = array("d"), array("q"), array("q")

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
                else:
                    self.latencies.extend([now - submitted] * count)
        if not self.keep_messages:
            return
        path = tuple(msg.path)
        path_id = self.paths.get(path)
        if path_id is None:
            path_id = self.paths[path] = len(self.paths)
        # row-major blocks: the MESSAGE_INTS and MESSAGE_FLOATS of each recipient row
        floats = (msg.size, submitted, now)
        if count == 1:
            self.m_ints.extend((msg.id, recipients[0], msg.sender, msg.origin, dest_server, status, path_id, reason_id))
            self.m_floats.extend(floats)
            return
        msg_id, sender, origin = msg.id, msg.sender, msg.origin
        ints, flts = self.m_ints, self.m_floats
        for recipient in recipients:
            ints.extend((msg_id, recipient, sender, origin, dest_server, status, path_id, reason_id))
            flts.extend(floats)

    def track(
        self,
        now: float,
        server: int,
        event: str,
        source: str,
        msg: Message,
        peer: int = -1,
        peer_name: str = "",
        connector: str = "",
        status: str = "",
        recipients=None,
        reference: str = "",
    ) -> None:
        """One message tracking log event on `server` (TRACK_COLUMNS; sim/tracking.py has the format).

        The copy itself is kept (its id, sender, size never change); what changes per hop is copied.
        """
        self.k_rows.append(
            (
                now,
                server,
                event,
                source,
                msg,
                msg.internal_id,
                msg.recipients if recipients is None else recipients,
                peer,
                peer_name,
                connector,
                status,
                reference,
            )
        )

    def register(self, station) -> int:
        key = id(station)
        if key not in self._station_ids:
            self._station_ids[key] = len(self.stations)
            self.stations.append(station)
        return self._station_ids[key]

    def hop(self, msg: Message, station, now: float) -> None:
        """A copy left a station (only bound when recording hops)."""
        self.h_id.append(msg.id)
        self.h_station.append(self._station_ids[id(station)])
        self.h_queued.append(msg.queued_at)
        self.h_started.append(msg.started_at)
        self.h_finished.append(now)

    def sample(self, now: float, stations, hub_counts: list[tuple[int, int]]) -> None:
        """Queue lengths and states, and each Hub's categorized-message count.

        Sparse: a station gets a row only when it holds mail or is stopped or in Retry, or did at the
        previous sample; an idle station's rows are implied (length 0, Ready) and restored by
        Results.queues. Large organisations have thousands of mostly idle queues.
        """
        index = len(self.sample_times)
        self.sample_times.append(now)
        ids, first, active = self._station_ids, self.first_sample, self._active
        for station in stations:
            sid = ids[id(station)]
            if sid not in first:
                first[sid] = index
            busy = station.length or station.stopped or station.retrying
            if not busy and sid not in active:
                continue
            if busy:
                active.add(sid)
            else:
                active.discard(sid)
            self.s_time.append(now)
            self.s_station.append(sid)
            self.s_length.append(station.length)
            self.s_waiting.append(len(station.queue))
            self.s_state.append(station.state)
        for server, count in hub_counts:
            self.t_time.append(now)
            self.t_server.append(server)
            self.t_count.append(count)
