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

Here is the format alone (fields, header, event lines, file names, how a line is appended); the writer that
numbers sessions and serves several threads is sim.smtp.protocol_log_writer.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone
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


def log_path(out: str | Path, kind: str, moment: datetime) -> Path:
    """The file for events of `kind` on `moment`'s UTC day: OUT/ProtocolLog/SmtpReceive/RECVyyyymmdd-1.LOG (or
    SmtpSend/SEND...)."""
    if kind not in FOLDERS:
        raise ValueError(f"kind must be {RECEIVE!r} or {SEND!r}, got {kind!r}")
    folder, prefix = FOLDERS[kind]
    day = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return Path(out) / "ProtocolLog" / folder / f"{prefix}{day.strftime('%Y%m%d')}-1.LOG"


def append(path: Path, kind: str, event: LogEvent) -> bool:
    """Append one event to a log file of `kind`, creating it (and its folder) with its header when it does not
    exist yet; True when it was created. Lines end in CRLF, as on Windows."""
    new = not path.exists()
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="") as handle:
        if new:
            handle.write("\r\n".join(header(kind, event.time)) + "\r\n")
        handle.write(format_event(event) + "\r\n")
    return new
