"""Exchange 2007 SMTP protocol logs: the SMTP Receive and SMTP Send logs an administrator reads on a server.

The format, as Exchange writes it (E2007 aa997624(v=exchg.80) for where and when; the header and fields
as seen in Exchange 2010/2013 logs, the same CSV layout; `#Version: 8.0.0.0` for 2007 is UNCONFIRMED):

    #Software: Microsoft Exchange Server
    #Version: 8.0.0.0
    #Log-type: SMTP Receive Protocol Log          (or: SMTP Send Protocol Log)
    #Date: 2026-01-05T09:00:00.000Z
    #Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context
    2026-01-05T09:00:00.000Z,HUB1\\Client HUB1,08DE2C8F00000001,0,10.0.0.11:587,192.168.10.50:50123,+,,

- event: `+` connect, `-` disconnect, `<` a line the logging server received, `>` a line it sent, `*`
  information (permissions granted, a certificate). So in a Receive log `<` is the client's command and
  `>` the reply; in a Send log `>` is the command and `<` the remote server's reply.
- connector-id is SERVER\\Connector name; session-id 16 hexadecimal digits; sequence-number counts from 0
  within a session; every line of a multi-line reply is its own event.
- Files: one a day, `ProtocolLog/SmtpReceive/RECVyyyymmdd-1.LOG` and `ProtocolLog/SmtpSend/SENDyyyymmdd-1.LOG`
  under the output folder (Exchange's TransportRoles\\Logs\\ProtocolLog\\...). Decision: the `-1` file
  grows without the 10 MB roll-over to `-2` (a rehearsal writes far less).
- Decision (UNCONFIRMED wording): credentials are logged as `<authentication information>` (the text
  Exchange's SmtpResponse class uses for logged AUTH blobs); disconnect contexts are `Local` (the server
  closed), `Remote` (the client closed) and `Remote(SocketError)` (reset or broken).

`ProtocolLogWriter` takes events of both kinds; `exsim smtpd` and `sim.smtp.transcript.session` write
Receive logs through it, and a run can write Send logs with `ProtocolLogWriter(out, SEND)`.
"""

from __future__ import annotations

import csv
import io
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

RECEIVE = "SMTP Receive Protocol Log"
SEND = "SMTP Send Protocol Log"
FIELDS = (
    "date-time",
    "connector-id",
    "session-id",
    "sequence-number",
    "local-endpoint",
    "remote-endpoint",
    "event",
    "data",
    "context",
)
VERSION = "8.0.0.0"
FOLDERS = {RECEIVE: ("SmtpReceive", "RECV"), SEND: ("SmtpSend", "SEND")}
CREDENTIALS = "<authentication information>"

RIGHT_NAMES = {
    "ms-Exch-SMTP-Submit": "SMTPSubmit",
    "ms-Exch-SMTP-Accept-Any-Recipient": "SMTPAcceptAnyRecipient",
    "ms-Exch-SMTP-Accept-Any-Sender": "SMTPAcceptAnySender",
    "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender": "SMTPAcceptAuthoritativeDomainSender",
    "ms-Exch-Bypass-Anti-Spam": "BypassAntiSpam",
    "ms-Exch-Accept-Headers-Routing": "AcceptRoutingHeaders",
    "ms-Exch-Accept-Headers-Organization": "AcceptOrgHeaders",
    "ms-Exch-Accept-Headers-Forest": "AcceptForestHeaders",
}
"""How the `*` 'Set Session Permissions' event names the extended rights (as in Exchange 2010 logs; UNCONFIRMED for 2007)."""
_RIGHT_ORDER = list(RIGHT_NAMES)


def log_time(moment: datetime) -> str:
    """2026-01-05T09:00:00.123Z: UTC with milliseconds, as the logs write it."""
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def permissions_text(rights: frozenset[str] | set[str]) -> str:
    """The data of a 'Set Session Permissions' event: the rights' log names in Exchange's order."""
    return " ".join(RIGHT_NAMES[r] for r in _RIGHT_ORDER if r in rights)


def sim_clock(start_date: str, now: Callable[[], float]) -> Callable[[], datetime]:
    """A clock for simulated sessions: the scenario's start_date (UTC midnight) plus `now()` seconds."""
    origin = datetime.strptime(start_date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return lambda: origin + timedelta(seconds=now())


def wall_clock() -> datetime:
    """The real time in UTC (a live endpoint's clock)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class LogEvent:
    """One line of a protocol log: the 9 fields."""

    time: datetime
    connector_id: str
    session_id: str
    sequence: int
    local: str
    remote: str
    event: str
    data: str = ""
    context: str = ""

    def row(self) -> list[str]:
        """The 9 fields as text, in FIELDS order."""
        return [
            log_time(self.time),
            self.connector_id,
            self.session_id,
            str(self.sequence),
            self.local,
            self.remote,
            self.event,
            self.data,
            self.context,
        ]


def format_event(event: LogEvent) -> str:
    """One CSV line (fields holding commas or quotes are quoted, as Exchange does), without the newline."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(event.row())
    return buffer.getvalue()


def header(kind: str, first: datetime) -> list[str]:
    """The five `#` lines that open a log file of `kind` (RECEIVE or SEND)."""
    return [
        "#Software: Microsoft Exchange Server",
        f"#Version: {VERSION}",
        f"#Log-type: {kind}",
        f"#Date: {log_time(first)}",
        "#Fields: " + ",".join(FIELDS),
    ]


class ProtocolLogWriter:
    """Appends events of one kind to one file a day under OUT/ProtocolLog/SmtpReceive (or SmtpSend).

    Thread-safe; each event is written and flushed at once, so a trainer can `tail -f` the file while
    `exsim smtpd` serves. `first_session` seeds the 16-digit session ids (a live endpoint uses the time)."""

    def __init__(self, out: str | Path, kind: str = RECEIVE, first_session: int = 1) -> None:
        if kind not in FOLDERS:
            raise ValueError(f"kind must be {RECEIVE!r} or {SEND!r}, got {kind!r}")
        folder, self.prefix = FOLDERS[kind]
        self.kind = kind
        self.folder = Path(out) / "ProtocolLog" / folder
        self._ids = itertools.count(first_session)
        self._lock = threading.Lock()
        self.files: list[Path] = []

    def path_for(self, moment: datetime) -> Path:
        """The file for events on `moment`'s UTC day: RECVyyyymmdd-1.LOG (or SEND...)."""
        day = moment.astimezone(timezone.utc) if moment.tzinfo else moment
        return self.folder / f"{self.prefix}{day.strftime('%Y%m%d')}-1.LOG"

    def write(self, event: LogEvent) -> None:
        """Append one event to its day's file, creating the file with its header when needed."""
        path = self.path_for(event.time)
        with self._lock:
            new = not path.exists()
            if new:
                self.folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8", newline="") as handle:
                if new:
                    handle.write("\r\n".join(header(self.kind, event.time)) + "\r\n")
                    self.files.append(path)
                handle.write(format_event(event) + "\r\n")

    def next_session_id(self) -> str:
        """A new 16-digit hexadecimal session id."""
        return f"{next(self._ids) & 0xFFFFFFFFFFFFFFFF:016X}"

    def session(
        self, connector_id: str, local: str, remote: str, clock: Callable[[], datetime] = wall_clock
    ) -> ProtocolLogSession:
        """A new session on this log (Receive: the client is `remote`; Send: the remote server is)."""
        return ProtocolLogSession(self, connector_id, self.next_session_id(), local, remote, clock)


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
    ) -> None:
        self.writer = writer
        self.connector_id = connector_id
        self.session_id = session_id
        self.local = local
        self.remote = remote
        self.clock = clock
        self._sequence = itertools.count()
        self.closed = False

    def _event(self, event: str, data: str = "", context: str = "") -> None:
        if self.closed:
            return
        self.writer.write(
            LogEvent(
                self.clock(),
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

    def disconnect(self, context: str = "Local") -> None:
        """`-`: the connection closed (Local, Remote or Remote(SocketError)); later events are dropped."""
        self._event("-", "", context)
        self.closed = True
