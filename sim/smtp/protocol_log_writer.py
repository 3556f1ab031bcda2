"""The writer of Exchange 2007 SMTP protocol logs: one per kind (Receive or Send), shared by the sessions it numbers.

The format (fields, header, lines, file names) is sim.formats.protocol_log. `ProtocolLogWriter` takes events of
both kinds; `exsim smtpd` and `sim.smtp.transcript.session` write Receive logs through it, and a run's Send and
Receive logs are written through it by sim.smtp.run_logs. `ProtocolLogSession` numbers the events of one SMTP
session.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..formats.protocol_log import FOLDERS, MAX_FILE_SIZE, RECEIVE, SEND, LogEvent, append, log_path
from ..formats.session_id import session_id, ticks


def sim_clock(start_date: str, now: Callable[[], float]) -> Callable[[], datetime]:
    """A clock for simulated sessions: the scenario's start_date (UTC midnight) plus `now()` seconds."""
    origin = datetime.strptime(start_date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return lambda: origin + timedelta(seconds=now())


def wall_clock() -> datetime:
    """The real time in UTC (a live endpoint's clock)."""
    return datetime.now(timezone.utc)


class ProtocolLogWriter:
    """Appends events of one kind to the day's file under OUT/ProtocolLog/SmtpReceive (or SmtpSend), the next one
    of the day once a file has reached `max_file_size`.

    Thread-safe; each event is written and flushed at once, so a trainer can `tail -f` the file while
    `exsim smtpd` serves. A session's id is its start's .NET ticks (sim.formats.session_id), plus the sessions
    this writer already started in the same tick."""

    def __init__(self, out: str | Path, kind: str = RECEIVE, max_file_size: int = MAX_FILE_SIZE) -> None:
        if kind not in FOLDERS:
            raise ValueError(f"kind must be {RECEIVE!r} or {SEND!r}, got {kind!r}")
        self.out = Path(out)
        self.kind = kind
        self.folder = self.out / "ProtocolLog" / FOLDERS[kind][0]
        self._tick, self._in_tick = -1, 0
        self.max_file_size = max_file_size
        self._instance: dict[str, int] = {}  # the day's file now written, by yyyymmdd
        self._lock = threading.Lock()
        self.files: list[Path] = []

    def path_for(self, moment: datetime) -> Path:
        """The file for events on `moment`'s UTC day: RECVyyyymmdd-n.LOG (or SEND...), the first one of the day
        below the size cap."""
        day = log_path(self.out, self.kind, moment).name[4:12]
        instance = self._instance.get(day, 1)
        path = log_path(self.out, self.kind, moment, instance)
        while path.exists() and path.stat().st_size >= self.max_file_size:
            instance += 1
            path = log_path(self.out, self.kind, moment, instance)
        self._instance[day] = instance
        return path

    def write(self, event: LogEvent) -> None:
        """Append one event to its day's file, creating the file with its header when needed."""
        with self._lock:
            path = self.path_for(event.time)
            if append(path, self.kind, event):
                self.files.append(path)

    def next_session_id(self, start: datetime) -> str:
        """The id of a session starting at `start`: its ticks, plus the sessions already started in that tick."""
        tick = ticks(start)
        with self._lock:
            self._in_tick = self._in_tick + 1 if tick == self._tick else 0
            self._tick = tick
            n = self._in_tick
        return session_id(start, n)

    def session(
        self,
        connector_id: str,
        local: str,
        remote: str,
        clock: Callable[[], datetime] = wall_clock,
        start: datetime | None = None,
        session_id: str | None = None,
    ) -> ProtocolLogSession:
        """A new session on this log (Receive: the client is `remote`; Send: the remote server is) that starts at
        `start` (default: the clock's now): its id (`session_id` when the caller knows it already: a run's Receive
        sessions take the id the tracking log gives them), and the time of its first event."""
        start = start or clock()
        sid = session_id or self.next_session_id(start)
        return ProtocolLogSession(self, connector_id, sid, local, remote, clock, start)


class ProtocolLogSession:
    """The events of one SMTP session, numbered in order: `connect`, `sent`, `received`, `info`, `disconnect`.

    `sent` and `received` are from the logging server's side: in a Receive log the server receives
    commands and sends replies; in a Send log it sends commands and receives replies."""

    def __init__(
        self,
        writer: ProtocolLogWriter,
        connector_id: str,
        session_id: str,
        local: str,
        remote: str,
        clock: Callable[[], datetime],
        start: datetime | None = None,
    ) -> None:
        self.writer = writer
        self.connector_id = connector_id
        self.session_id = session_id
        self.local = local
        self.remote = remote
        self.clock = clock
        self._sequence = itertools.count()
        self._start = start  # the time of the first event
        self.closed = False

    def _event(self, event: str, data: str = "", context: str = "") -> None:
        if self.closed:
            return
        moment, self._start = self._start or self.clock(), None
        self.writer.write(
            LogEvent(
                moment,
                self.connector_id,
                self.session_id,
                next(self._sequence),
                self.local,
                self.remote,
                event,
                data,
                context,
            )
        )

    def connect(self) -> None:
        """`+`: the connection opened."""
        self._event("+")

    def sent(self, lines: list[str] | str) -> None:
        """`>`: each line the logging server sent (a multi-line reply is one event a line)."""
        for line in [lines] if isinstance(lines, str) else lines:
            self._event(">", line)

    def received(self, line: str) -> None:
        """`<`: a line the logging server received."""
        self._event("<", line)

    def info(self, data: str, context: str = "") -> None:
        """`*`: information, e.g. the session's permissions or a certificate."""
        self._event("*", data, context)

    def infos(self, events: list[tuple[str, str]]) -> None:
        """`*` events in order, each (data, context)."""
        for data, context in events:
            self._event("*", data, context)

    def disconnect(self, context: str = "Local") -> None:
        """`-`: the connection closed (Local, Remote or Remote(SocketError)); later events are dropped."""
        self._event("-", "", context)
        self.closed = True
