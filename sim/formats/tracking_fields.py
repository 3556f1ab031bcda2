"""The Exchange 2007 message tracking log's format: its 21 fields, the kinds of event, header lines and file names.

Why a module of its own: the formatter (sim.formats.tracking_format), the file writer
(sim.formats.tracking_write) and the readers (sim.formats.tracking_read, tracking_frame) all need these, and
none of them imports another.
"""

from __future__ import annotations

FIELDS: tuple[str, ...] = (
    "date-time",
    "client-ip",
    "client-hostname",
    "server-ip",
    "server-hostname",
    "source-context",
    "connector-id",
    "source",
    "event-id",
    "internal-message-id",
    "message-id",
    "recipient-address",
    "recipient-status",
    "total-bytes",
    "recipient-count",
    "related-recipient-address",
    "reference",
    "message-subject",
    "sender-address",
    "return-path",
    "message-info",
)
"""The 21 Exchange 2007 fields in file order (E2010 appends five more; we write 2007 only)."""

INT_FIELDS: tuple[str, ...] = ("internal-message-id", "total-bytes", "recipient-count")
"""Fields held as integers; every other field is text ("" when blank)."""

EXTRA_COLUMNS: tuple[str, ...] = ("server", "role")
"""Leading columns of `format_log`'s output: which log a row belongs to. `write_logs` turns them into the
folder and file name and does not write them as fields."""

EVENT_IDS = frozenset({"SUBMIT", "RECEIVE", "TRANSFER", "SEND", "DELIVER", "FAIL", "DSN", "DEFER", "EXPAND",
                       "RESOLVE", "REDIRECT", "POISONMESSAGE", "BADMAIL", "DUPLICATEDELIVER"})  # fmt: skip
"""The event-id values of an Exchange 2007 tracking log."""
SOURCES = frozenset({"STOREDRIVER", "SMTP", "ROUTING", "DSN", "AGENT", "ADMIN", "GATEWAY", "PICKUP"})
"""The source values of an Exchange 2007 tracking log."""
ROLES = frozenset({"Mailbox", "Hub", "Edge"})
"""The roles that keep a tracking log (the `role` column of `format_log`'s output)."""
ORIGINAL_TIME_EVENTS = ("SUBMIT", "RECEIVE", "DELIVER")
"""Exchange 2007 puts the message's original arrival time in message-info on these events."""

HEADER_SOFTWARE = "#Software: Microsoft Exchange Server"
# 8.1.240.6 is the build of Exchange Server 2007 SP1 (RTM was 8.0.685.24): the version these logs imitate.
HEADER_VERSION = "#Version: 8.1.240.6"
HEADER_LOG_TYPE = "#Log-type: Message Tracking Log"


def log_file_name(role: str, day: str) -> str:
    """`MSGTRKM<yyyymmdd>-1.LOG` for the Mailbox role, `MSGTRK<yyyymmdd>-1.LOG` for Hub and Edge (day is
    `yyyy-mm-dd`). The `-1` is the file's sequence number within the day: we never roll over on size."""
    prefix = "MSGTRKM" if role == "Mailbox" else "MSGTRK"
    return f"{prefix}{day.replace('-', '')}-1.LOG"
