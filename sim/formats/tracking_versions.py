"""The message tracking log's fields and event ids in each Exchange version, 2007 to 2016, with their sources.

Why: `exsim calibrate` reads the logs an organisation keeps, often from several versions at once while it
plans a move. The reader maps every file by the names of its own `#Fields:` line (never by position), and
this table says which version a file's field list is, which of its fields and events the Exchange 2007 model
has no use for (counted and reported per file, never refused).

Sources (Microsoft documentation):
- Exchange 2007: "Message Tracking", https://learn.microsoft.com/previous-versions/office/exchange-server-2007/bb124375(v=exchg.80)
  (21 fields; `reference` is already one of them);
- Exchange 2010: "Message Tracking" / "Understanding Message Tracking", dd335139 (v=exchg.141): the 2007 fields,
  then directionality, tenant-id, original-client-ip, original-server-ip, custom-data (26);
- Exchange 2013: "Message tracking", https://learn.microsoft.com/exchange/message-tracking-exchange-2013-help:
  network-message-id inserted after message-id (27, as build 15.00.1104 writes them: sample in
  awslabs/kinesis-agent-windows, ExchangeLogParserTest);
- Exchange 2016 (and 2013 CU later builds, 2019): "Message tracking in Exchange Server",
  https://learn.microsoft.com/exchange/mail-flow/transport-logs/message-tracking, "Fields in the message tracking
  logs": transport-traffic-type, log-id and schema-version appended (30, as build 15.01.2375 writes them);
  "Event types in the message tracking log" for the event ids.
"""

from __future__ import annotations

from .tracking_fields import EVENT_IDS as EXCHANGE_2007_EVENTS
from .tracking_fields import FIELDS as EXCHANGE_2007_FIELDS

EXCHANGE_2010_FIELDS: tuple[str, ...] = (*EXCHANGE_2007_FIELDS, "directionality", "tenant-id", "original-client-ip",
                                         "original-server-ip", "custom-data")  # fmt: skip
_AT = EXCHANGE_2010_FIELDS.index("message-id") + 1
EXCHANGE_2013_FIELDS: tuple[str, ...] = (*EXCHANGE_2010_FIELDS[:_AT], "network-message-id", *EXCHANGE_2010_FIELDS[_AT:])
EXCHANGE_2016_FIELDS: tuple[str, ...] = (*EXCHANGE_2013_FIELDS, "transport-traffic-type", "log-id", "schema-version")

VERSIONS: dict[str, tuple[str, ...]] = {
    "Exchange 2007": EXCHANGE_2007_FIELDS,
    "Exchange 2010": EXCHANGE_2010_FIELDS,
    "Exchange 2013": EXCHANGE_2013_FIELDS,
    "Exchange 2016": EXCHANGE_2016_FIELDS,
}
"""Each version's `#Fields:` line, in file order (2019 writes the 2016 list)."""

KNOWN_FIELDS = frozenset(EXCHANGE_2016_FIELDS)
"""Every field any version writes: a field outside it is unknown (reported, kept, never used)."""

EXCHANGE_2010_EVENTS = EXCHANGE_2007_EVENTS | frozenset({
    "HADISCARD", "HARECEIVE", "HAREDIRECT", "HAREDIRECTFAIL", "INITMESSAGECREATED", "MODERATIONEXPIRE",
    "MODERATORAPPROVE", "MODERATORREJECT", "MODERATORSALLNDR", "PROCESSMEETINGMESSAGE", "RESUBMIT", "SUBMITDEFER",
    "NOTIFYMAPI", "PROCESS", "THROTTLE", "SUPPRESSED",
})  # fmt: skip
EXCHANGE_2013_EVENTS = EXCHANGE_2010_EVENTS | frozenset({
    "AGENTINFO", "DROP", "DUPLICATEEXPAND", "DUPLICATEREDIRECT", "LOAD", "NOTIFYSHADOW", "RESUBMITDEFER",
    "RESUBMITFAIL", "SENDEXTERNAL", "SUBMITFAIL", "CLIENTSUBMISSION", "DELIVERFAIL",
})  # fmt: skip
KNOWN_EVENTS = EXCHANGE_2013_EVENTS
"""Every event id Exchange 2007 to 2016 documents: the 2007 ones are the model's, the rest are counted only."""


def version_of(fields: tuple[str, ...] | list[str]) -> str:
    """The version whose `#Fields:` line this is, or "other" (a field list no version writes as such)."""
    names = tuple(fields)
    for version, known in VERSIONS.items():
        if names == known:
            return version
    return "other"


def beyond_2007(fields: tuple[str, ...] | list[str]) -> tuple[list[str], list[str]]:
    """(fields later versions add, which the 2007 model ignores; fields no version writes), in file order."""
    later = [f for f in fields if f in KNOWN_FIELDS and f not in EXCHANGE_2007_FIELDS]
    unknown = [f for f in fields if f not in KNOWN_FIELDS]
    return later, unknown
