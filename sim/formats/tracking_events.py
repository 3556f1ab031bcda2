"""The model's message tracking events: as the recorder keeps them, as the record expands them, and as the raw
table `Results.tracking_raw` shows them (the input of sim.formats.tracking_format.format_log).

Why three forms: an event must cost the run as little as possible (28 bytes plus 8 per recipient, no Python
object), so the recorder keeps integers and one code per combination of what many events share (`TRACK_KINDS`);
the record expands them into columns when first asked (`TrackingTable`), and the results resolve names and
addresses (`TRACKING_RAW`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .declare import Column, Columns, Table

TRACK_KINDS = Table("tracking kinds", "what many events share: who logged it, what, from whom, with what status", [
    Column("server", "int64", "", "the server that logged it (index into RunRecord.servers)"),
    Column("event", "text", "", "event-id: SUBMIT, RECEIVE, TRANSFER, SEND, DELIVER, FAIL, DSN, DEFER, ..."),
    Column("source", "text", "", "source: STOREDRIVER, SMTP, ROUTING, DSN, AGENT, ..."),
    Column("peer", "int64", "", "the other server of the hop (index into RunRecord.servers; -1: none)"),
    Column("peer_name", "text", "", "the other host's own name, where the model gives one ('' : the peer's)"),
    Column("connector", "text", "", "connector-id"),
    Column("status", "text", "", "recipient-status"),
])  # fmt: skip
TRACK_KIND = TRACK_KINDS.names
"""The recorder keeps each distinct combination once and refers to it by code (sim.model.recorder.Recorder.tracker)."""

TRACK_EVENTS_RECORD = Table("tracking events (record)", "one event as the recorder keeps it", [
    Column("time", "float64", "s", "when it was logged (an array of its own)"),
    Column("kind", "int32", "", "the code of its TRACK_KINDS combination"),
    Column("message_id", "int32", "", "the message"),
    Column("internal_id", "int32", "", "its internal-message-id on that server"),
    Column("recipients_end", "int32", "", "where its recipients end in the one flat array of recipients (they "
           "start where the previous event's end)"),
    Column("reference", "int32", "", "the internal id it references (-1: none)"),
])  # fmt: skip
TRACK_INTS = TRACK_EVENTS_RECORD.named("int32")
"""What the recorder keeps per tracking event besides its time, packed as 32-bit integers."""

TRACKING_RECORD = Table("tracking (record)", "one event, expanded (RunRecord.tracking())", [
    Column("time", "float64", "s", "when it was logged"),
    Column("server", "int64", "", "the server that logged it (index into RunRecord.servers)"),
    Column("event", "int64", "", "event-id (index into TrackingTable.texts)"),
    Column("source", "int64", "", "source (index into texts)"),
    Column("message_id", "int64", "", "the message"),
    Column("internal_id", "int64", "", "its internal-message-id on that server"),
    Column("peer", "int64", "", "the other server of the hop (index into RunRecord.servers; -1: none)"),
    Column("peer_name", "int64", "", "the other host's own name (index into texts; 0: '')"),
    Column("connector", "int64", "", "connector-id (index into texts)"),
    Column("status", "int64", "", "recipient-status (index into texts)"),
    Column("reference", "int64", "", "the internal id it references, as text (index into texts; 0: '')"),
    Column("recipients_start", "int64", "", "where its recipients start in TrackingTable.recipients"),
    Column("recipients_end", "int64", "", "where they end"),
])  # fmt: skip

TRACKING_RAW = Table("tracking_raw", "one tracking event of the model, names and addresses resolved", [
    Column("time_s", "float64", "s", "when it was logged, from the start of the run"),
    Column("server", "category", "", "the server that logged it"),
    Column("role", "category", "", "the role that logged it: Mailbox (SUBMIT), Hub or Edge"),
    Column("event_id", "category", "", "event-id"),
    Column("source", "category", "", "source"),
    Column("internal_message_id", "int64", "", "internal-message-id on that server"),
    Column("message_id", "text", "", "message-id, <00000042@SERVER.domain>"),
    Column("recipients", "list[text]", "", "the recipients' addresses"),
    Column("recipient_status", "category", "", "recipient-status"),
    Column("total_bytes", "int64", "bytes", "the message's size"),
    Column("sender", "category", "", "the sender's address"),
    Column("client_hostname", "category", "", "the sending host of a RECEIVE (an Internet sender's own FQDN, "
           "sim.formats.internet_hosts; '' on other events)"),
    Column("server_hostname", "category", "", "the receiving host of other events ('' on a RECEIVE)"),
    Column("connector_id", "category", "", "connector-id"),
    Column("reference", "category", "", "the internal id it references ('' : none)"),
    Column("subject", "text", "", "message-subject, Message <id>"),
    Column("original_time_s", "float64", "s", "when the message was submitted (message-info's original time)"),
])  # fmt: skip


@dataclass
class TrackingTable:
    """The message tracking events as columns (TRACKING_RECORD): text columns index `texts`; recipients are
    slices of one array."""

    columns: Columns
    texts: list[str]
    recipients: np.ndarray

    @classmethod
    def from_arrays(cls, times: np.ndarray, ints: np.ndarray, recipients: np.ndarray, kinds: list[tuple]
                    ) -> TrackingTable:  # fmt: skip
        """Columns from what the recorder kept (`RecordedTracking`): one time and len(TRACK_INTS) integers per
        event, and the distinct TRACK_KIND combinations, whose texts become codes into `texts`."""
        block = ints.astype(np.int64).reshape(-1, len(TRACK_INTS))  # kept as int32; columns are int64
        texts: dict[str, int] = {"": 0}
        numbers = {c.name for c in TRACK_KINDS if c.dtype == "int64"}  # servers stay indexes; texts become codes
        table = np.array([[text if name in numbers else texts.setdefault(text, len(texts))
                           for name, text in zip(TRACK_KIND, kind)] for kind in kinds] or
                         np.zeros((0, len(TRACK_KIND))), dtype=np.int64).reshape(-1, len(TRACK_KIND))  # fmt: skip
        ints = dict(zip(TRACK_INTS, block.T))
        columns: Columns = {"time": times}
        columns.update({name: table[ints["kind"], i] for i, name in enumerate(TRACK_KIND)})
        columns["message_id"], columns["internal_id"] = ints["message_id"], ints["internal_id"]
        ends = ints["recipients_end"]
        columns["recipients_end"] = ends
        columns["recipients_start"] = np.concatenate(([0], ends[:-1])) if len(ends) else ends
        references = ints["reference"]
        named, codes = np.unique(references, return_inverse=True)
        lookup = np.array([0 if ref < 0 else texts.setdefault(str(ref), len(texts)) for ref in named.tolist()],
                          dtype=np.int64)  # fmt: skip
        columns["reference"] = lookup[codes.reshape(-1)] if len(references) else references
        return cls(TRACKING_RECORD.columns_from(columns), list(texts), recipients)


@dataclass
class RecordedTracking:
    """The tracking events as the recorder kept them (28 bytes an event plus 8 per recipient): `times`,
    `ints` (TRACK_INTS of each event, row-major), `recipients` (one flat array) and `kinds` (the distinct
    TRACK_KIND combinations). `RunRecord.tracking()` expands them into a TrackingTable when first asked."""

    times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    recipients: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    kinds: list[tuple] = field(default_factory=list)
