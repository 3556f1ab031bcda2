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


class Recorder:
    """Collects what the model reports, in columns."""

    def __init__(self, level: str, warmup: float) -> None:
        self.level = level
        self.warmup = warmup
        self.keep_messages = level in ("messages", "hops")
        self.keep_hops = level == "hops"
        self.outcomes = [0, 0, 0]                  # recipients delivered, NDR'd, rejected
        self.delivered_in_window = 0               # recipients delivered after warm-up
        self.latencies = array("d")                # delivered recipients submitted after warm-up
        # one row per recipient outcome
        self.m_id, self.m_rcpt, self.m_sender, self.m_origin = array("q"), array("q"), array("q"), array("q")
        self.m_dest, self.m_size, self.m_status, self.m_path = array("q"), array("d"), array("b"), array("q")
        self.m_submitted, self.m_finished = array("d"), array("d")
        self.paths: dict[tuple, int] = {}
        # one row per copy per station
        self.h_id, self.h_station = array("q"), array("q")
        self.h_queued, self.h_started, self.h_finished = array("d"), array("d"), array("d")
        self.stations: list = []
        self._station_ids: dict[int, int] = {}
        # samples taken every sample_interval
        self.s_time, self.s_station, self.s_length, self.s_waiting = array("d"), array("q"), array("q"), array("q")
        self.s_state: list[str] = []
        self.t_time, self.t_server, self.t_count = array("d"), array("q"), array("q")

    def finished(self, msg: Message, dest_server: int, now: float, status: int = DELIVERED) -> None:
        """Every recipient of this copy reached an end state (delivered, NDR or rejected)."""
        count = len(msg.recipients)
        self.outcomes[status] += count
        if status == DELIVERED:
            if now >= self.warmup:
                self.delivered_in_window += count
            if msg.submitted_at >= self.warmup:
                latency = now - msg.submitted_at
                self.latencies.extend([latency] * count)
        if not self.keep_messages:
            return
        path = tuple(msg.path)
        path_id = self.paths.get(path)
        if path_id is None:
            path_id = self.paths[path] = len(self.paths)
        for recipient in msg.recipients:
            self.m_id.append(msg.id)
            self.m_rcpt.append(recipient)
            self.m_sender.append(msg.sender)
            self.m_origin.append(msg.origin)
            self.m_dest.append(dest_server)
            self.m_size.append(msg.size)
            self.m_submitted.append(msg.submitted_at)
            self.m_finished.append(now)
            self.m_status.append(status)
            self.m_path.append(path_id)

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
        """Queue lengths and states of every station, and each Hub's categorized-message count."""
        for station in stations:
            self.s_time.append(now)
            self.s_station.append(self._station_ids[id(station)])
            self.s_length.append(station.length)
            self.s_waiting.append(len(station.queue))
            self.s_state.append(station.state)
        for server, count in hub_counts:
            self.t_time.append(now)
            self.t_server.append(server)
            self.t_count.append(count)
