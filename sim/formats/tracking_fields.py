"""The Exchange 2007 message tracking log's format: its 21 fields declared as a table (`TRACKING_LOG`: name, type,
unit, meaning), the kinds of event, header lines and file names.

Why a module of its own: the formatter (sim.formats.tracking_format), the file writer
(sim.formats.tracking_write) and the readers (sim.formats.tracking_read, tracking_frame) all need these, and
none of them imports another.
"""

from __future__ import annotations

from .declare import Column, Table
from .version import EXCHANGE_BUILD


def _field(name: str, meaning: str, dtype: str = "category", unit: str = "") -> Column:
    return Column(name, dtype, unit, meaning)


TRACKING_LOG = Table("tracking_log", "one event in one server's log (Results.tracking_log, format_log's output)", [
    _field("server", "which server's log the row belongs to (the folder `write_logs` writes it into)"),
    _field("role", "Mailbox, Hub or Edge: with the day, which file (MSGTRKM for Mailbox, MSGTRK otherwise)"),
    _field("date-time", "when, UTC: yyyy-mm-ddThh:mm:ss.fffZ", "text", "UTC"),
    _field("client-ip", "the submitting or sending host's IP address (made up, stable: tracking_format.ip_plan)"),
    _field("client-hostname", "the submitting or sending host (the logging server on SUBMIT, SEND, DELIVER)"),
    _field("server-ip", "the receiving or destination host's IP address ('' on SUBMIT and DELIVER)"),
    _field("server-hostname", "the receiving or destination host (the logging server on RECEIVE)"),
    _field("source-context", "SUBMIT: the mailbox database, mailbox, event and client; SMTP RECEIVE: the session id",
           "text"),
    _field("connector-id", "the Receive or Send connector, SERVER\\Name"),
    _field("source", "STOREDRIVER, SMTP, ROUTING, DSN, AGENT, ..."),
    _field("event-id", "SUBMIT, RECEIVE, TRANSFER, SEND, DELIVER, FAIL, DSN, DEFER, ..."),
    _field("internal-message-id", "the message's id in that server's queue database (blank on SUBMIT)", "Int64"),
    _field("message-id", "the Message-ID header, <id@host>", "text"),
    _field("recipient-address", "the recipients, separated by ;", "text"),
    _field("recipient-status", "the SMTP reply of a SEND, FAIL, DEFER or DSN; To per recipient on STOREDRIVER RECEIVE"),
    _field("total-bytes", "the message's size (blank on SUBMIT)", "Int64", "bytes"),
    _field("recipient-count", "how many recipients recipient-address lists (blank on SUBMIT)", "Int64", "recipients"),
    _field("related-recipient-address", "the address a redirect or expansion relates to ('' here)"),
    _field("reference", "the internal id of the message this one came from (a TRANSFER's original)"),
    _field("message-subject", "the subject", "text"),
    _field("sender-address", "the envelope sender"),
    _field("return-path", "the return path (the sender here; blank on SUBMIT)"),
    _field("message-info", "the original arrival time on SEND and DELIVER, flags on RECEIVE ('' otherwise)", "text"),
])  # fmt: skip
"""The tracking log as a table: two leading columns saying which log a row belongs to, then the 21 fields."""

EXTRA_COLUMNS: tuple[str, ...] = TRACKING_LOG.names[:2]
"""Leading columns of `format_log`'s output: which log a row belongs to. `write_logs` turns them into the
folder and file name and does not write them as fields."""

FIELDS: tuple[str, ...] = TRACKING_LOG.names[2:]
"""The 21 Exchange 2007 fields in file order (E2010 appends five more; we write 2007 only)."""

INT_FIELDS: tuple[str, ...] = TRACKING_LOG.named("Int64")
"""Fields held as integers (missing where blank); every other field is text ("" when blank)."""

EVENT_IDS = frozenset({"SUBMIT", "RECEIVE", "TRANSFER", "SEND", "DELIVER", "FAIL", "DSN", "DEFER", "EXPAND",
                       "RESOLVE", "REDIRECT", "POISONMESSAGE", "BADMAIL", "DUPLICATEDELIVER"})  # fmt: skip
"""The event-id values of an Exchange 2007 tracking log."""
SOURCES = frozenset({"STOREDRIVER", "SMTP", "ROUTING", "DSN", "AGENT", "ADMIN", "GATEWAY", "PICKUP"})
"""The source values of an Exchange 2007 tracking log."""
ROLES = frozenset({"Mailbox", "Hub", "Edge"})
"""The roles that keep a tracking log (the `role` column of `format_log`'s output)."""

HEADER_SOFTWARE = "#Software: Microsoft Exchange Server"
# EXCHANGE_BUILD (8.1.240.6, Exchange Server 2007 SP1; RTM was 8.0.685.24): the one build every log exsim writes
# names, the protocol logs too (sim.formats.version).
HEADER_VERSION = f"#Version: {EXCHANGE_BUILD}"
HEADER_LOG_TYPE = "#Log-type: Message Tracking Log"


def log_file_name(role: str, day: str) -> str:
    """`MSGTRKM<yyyymmdd>-1.LOG` for the Mailbox role, `MSGTRK<yyyymmdd>-1.LOG` for Hub and Edge (day is
    `yyyy-mm-dd`). The `-1` is the file's sequence number within the day: we never roll over on size."""
    prefix = "MSGTRKM" if role == "Mailbox" else "MSGTRK"
    return f"{prefix}{day.replace('-', '')}-1.LOG"
