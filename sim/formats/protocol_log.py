"""Exchange 2007 SMTP protocol logs: the SMTP Receive and SMTP Send logs an administrator reads on a server.

The format, as Exchange writes it (E2007 aa997624(v=exchg.80) for where and when; the header and fields
as seen in Exchange 2010/2013 logs, the same CSV layout; docs/exchange/protocol-log.md has the sources):

    #Software: Microsoft Exchange Server
    #Version: 8.1.240.6                             (sim.formats.version: the build the tracking log names too)
    #Log-type: SMTP Receive Protocol Log          (or: SMTP Send Protocol Log)
    #Date: 2026-01-05T09:00:00.000Z
    #Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context
    2026-01-05T09:00:00.000Z,HUB1\\Client HUB1,08DE2C8F00000001,0,10.0.0.11:587,192.168.10.50:50123,+,,

- event: `+` connect, `-` disconnect, `<` a line the logging server received, `>` a line it sent, `*`
  information (permissions granted, a certificate). So in a Receive log `<` is the client's command and
  `>` the reply; in a Send log `>` is the command and `<` the remote server's reply.
- connector-id is SERVER\\Connector name in a Receive log, the connector's name alone in a Send log;
  session-id 16 upper-case hexadecimal digits of .NET ticks (sim.formats.session_id); sequence-number counts
  from 0 within a session; every line of a multi-line reply is its own event.
- Encoding: UTF-8 with a byte order mark and CRLF, as the tracking log is written (Exchange writes both through
  one log writer; a byte dump of a real protocol log was not found: UNCONFIRMED). `read_events` reads files with
  and without the mark.
- After STARTTLS's 220 a Receive log shows the certificate it sends (`certificate_events`), a Send log the one it
  received (`received_certificate_events`), as Exchange 2013/2016 logs do (Microsoft KB 4495258; a 2019 Send
  log); 2007's lines are UNCONFIRMED. The `TLS protocol SP_PROT_... negotiation succeeded` line of 2013+ is not
  written.
- Files: `ProtocolLog/SmtpReceive/RECVyyyymmdd-n.LOG` and `ProtocolLog/SmtpSend/SENDyyyymmdd-n.LOG` under the
  output folder (Exchange's TransportRoles\\Logs\\ProtocolLog\\...): `n` starts at 1 each day and counts up
  when a file has reached MAX_FILE_SIZE, 10 MB by default (E2007 aa997624; the instance number as the tracking
  log's, MSGTRKyyyymmdd-nnnn.log in cc539075).
- Decision (UNCONFIRMED wording): credentials are logged as `<authentication information>` (the text
  Exchange's SmtpResponse class uses for logged AUTH blobs); disconnect contexts are `Local` (the server
  closed), `Remote` (the client closed) and `Remote(SocketError)` (reset or broken).

Here is the format alone (fields, header, event lines, file names, how a line is appended); the writer that
numbers sessions and serves several threads is sim.smtp.protocol_log_writer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .version import EXCHANGE_BUILD

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
VERSION = EXCHANGE_BUILD
BOM = "\ufeff"
FOLDERS = {RECEIVE: ("SmtpReceive", "RECV"), SEND: ("SmtpSend", "SEND")}
CREDENTIALS = "<authentication information>"
MAX_FILE_SIZE = 10 * 1024 * 1024
"""A file's size cap before the day's next one is opened (Set-TransportServer's protocol log default, aa997624)."""

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


def log_path(out: str | Path, kind: str, moment: datetime, instance: int = 1) -> Path:
    """The file for events of `kind` on `moment`'s UTC day: OUT/ProtocolLog/SmtpReceive/RECVyyyymmdd-1.LOG (or
    SmtpSend/SEND...); `instance` counts the day's files from 1."""
    if kind not in FOLDERS:
        raise ValueError(f"kind must be {RECEIVE!r} or {SEND!r}, got {kind!r}")
    folder, prefix = FOLDERS[kind]
    day = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return Path(out) / "ProtocolLog" / folder / f"{prefix}{day.strftime('%Y%m%d')}-{instance}.LOG"


def append(path: Path, kind: str, event: LogEvent) -> bool:
    """Append one event to a log file of `kind`, creating it (and its folder) with its byte order mark and header
    when it does not exist yet; True when it was created. Lines end in CRLF, as on Windows."""
    new = not path.exists()
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="") as handle:
        if new:
            handle.write(BOM + "\r\n".join(header(kind, event.time)) + "\r\n")
        handle.write(format_event(event) + "\r\n")
    return new


def read_events(path: str | Path) -> Iterator[dict[str, str]]:
    """The events of a protocol log file as dicts keyed by FIELDS, the `#` lines skipped; a file with or without a
    UTF-8 byte order mark. ValueError names the file and line of a row without the 9 fields."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        numbered = ((n, line) for n, line in enumerate(handle, 1) if not line.startswith("#"))
        for n, line in numbered:
            row = next(csv.reader([line]))
            if len(row) != len(FIELDS):
                raise ValueError(f"{path}, line {n}: {len(row)} fields, expected the {len(FIELDS)} of a protocol log")
            yield dict(zip(FIELDS, row, strict=True))


@dataclass(frozen=True)
class Certificate:
    """What a protocol log shows of a TLS certificate."""

    subject: str
    issuer: str
    serial: str
    thumbprint: str
    alternate_names: tuple[str, ...] = ()


def certificate_events(certificate: Certificate) -> list[tuple[str, str]]:
    """(data, context) of the `*` events a Receive log writes after STARTTLS's 220: the certificate it sends
    (KB 4495258's lines; the last one's context, garbled in the KB, is the wording asked of issue 21:
    UNCONFIRMED; names joined by a comma and a space: UNCONFIRMED)."""
    return [
        ("", "Sending certificate"),
        (certificate.subject, "Certificate subject"),
        (certificate.issuer, "Certificate issuer name"),
        (certificate.serial, "Certificate serial number"),
        (certificate.thumbprint, "Certificate thumbprint"),
        (", ".join(certificate.alternate_names), "Certificate subject alternate names"),
    ]


def received_certificate_events(certificate: Certificate) -> list[tuple[str, str]]:
    """(data, context) of the `*` events a Send log writes after the remote server's 220 to STARTTLS: the
    certificate it received (an Exchange 2013 Send log of 2019: `*,,Received certificate` then the thumbprint)."""
    return [("", "Received certificate"), (certificate.thumbprint, "Certificate thumbprint")]
