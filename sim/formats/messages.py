"""The tables of messages: one row per recipient outcome, per copy per station, per recipient still held.

Each table twice where the record and the results differ: `*_RECORD` is what the recorder writes and the
RunRecord keeps (integers: codes and indexes into the record's lists of names), the plain name is the DataFrame
`Results` exposes (names and addresses resolved, clock times beside the seconds). sim.formats.declare says why.
"""

from __future__ import annotations

from .declare import Column, Table

SERVER_INDEX = "index into RunRecord.servers"

MESSAGES_RECORD = Table("messages (record)", "one recipient's end: delivered, NDR'd, rejected or poison", [
    Column("message_id", "int64", "", "the message (ids count from 1; the copies of one message share it)"),
    Column("recipient", "int64", "", "the recipient's address (a code of RunRecord.addresses)"),
    Column("sender", "int64", "", "the sender's address (a code of RunRecord.addresses)"),
    Column("origin", "int64", "", f"where the message came from ({SERVER_INDEX})"),
    Column("destination", "int64", "", f"where the recipient's copy ended ({SERVER_INDEX}; -1: nowhere)"),
    Column("status", "int64", "", "the end state: DELIVERED, NDR, REJECTED or POISON (sim.formats.record)"),
    Column("path", "int64", "", "the servers the copy passed (index into RunRecord.paths)"),
    Column("reason", "int64", "", "the NDR or rejection text (index into RunRecord.reasons; 0: none)"),
    Column("size_bytes", "float64", "bytes", "the message's size"),
    Column("submitted_at", "float64", "s", "when the message was submitted, from the start of the run"),
    Column("finished_at", "float64", "s", "when the recipient reached its end state"),
])  # fmt: skip

HOPS_RECORD = Table("hops (record)", "one copy of a message through one station", [
    Column("message_id", "int64", "", "the message"),
    Column("station", "int64", "", "the queue or stage (index into RunRecord.stations)"),
    Column("queued_at", "float64", "s", "when the copy entered the station"),
    Column("started_at", "float64", "s", "when it took a thread"),
    Column("core_at", "float64", "s", "when, holding the thread, it took a core"),
    Column("finished_at", "float64", "s", "when its service ended"),
])  # fmt: skip

IN_FLIGHT_RECORD = Table("in_flight (record)", "one recipient still held at the end of the run", [
    Column("message_id", "int64", "", "the message"),
    Column("recipient", "int64", "", "the recipient's address (a code of RunRecord.addresses)"),
    Column("origin", "int64", "", f"where the message came from ({SERVER_INDEX})"),
    Column("place", "int64", "", "where it is held and in which state (index into RunRecord.in_flight_places)"),
    Column("submitted_at", "float64", "s", "when the message was submitted"),
])  # fmt: skip

MESSAGE_INFO_RECORD = Table("message_info (record)", "one message (row = id - 1), kept with the tracking log", [
    Column("message_id", "int64", "", "the message"),
    Column("sender", "int64", "", "the sender's address (a code of RunRecord.addresses)"),
    Column("origin", "int64", "", f"where the message came from ({SERVER_INDEX})"),
    Column("size_bytes", "float64", "bytes", "the message's size"),
    Column("submitted_at", "float64", "s", "when the message was submitted"),
])  # fmt: skip

MESSAGES = Table("messages", "one recipient's end (record: messages or hops)", [
    Column("message_id", "int64", "", "the message (ids count from 1; the copies of one message share it)"),
    Column("recipient", "text", "", "the recipient's address"),
    Column("sender", "text", "", "the sender's address"),
    Column("origin_server", "category", "", "where the message came from: a Mailbox server, Internet, a smart "
           "host or an SMTP client population"),
    Column("origin_site", "category", "", "the AD site (or pseudo-site) of origin_server"),
    Column("destination_server", "category", "", "where the recipient's copy ended ('' for nowhere)"),
    Column("destination_site", "category", "", "the site of destination_server"),
    Column("size_bytes", "float64", "bytes", "the message's size"),
    Column("submitted_at", "float64", "s", "when the message was submitted, from the start of the run"),
    Column("submitted_clock", "datetime64[ms]", "UTC", "submitted_at as a clock time", seconds="submitted_at"),
    Column("delivered_at", "float64", "s", "when the recipient was delivered (NaN unless delivered)"),
    Column("delivered_clock", "datetime64[ms]", "UTC", "delivered_at as a clock time", seconds="delivered_at"),
    Column("finished_at", "float64", "s", "when the recipient reached its end state"),
    Column("latency_s", "float64", "s", "delivered_at - submitted_at (NaN unless delivered)"),
    Column("status", "category", "", "delivered, ndr, rejected or poison"),
    Column("reason", "category", "", "the NDR or rejection text ('' when delivered)"),
    Column("hops", "int64", "servers", "servers the copy passed after the first"),
    Column("path", "category", "", "the servers the copy passed, SERVER>SERVER>..."),
])  # fmt: skip

HOPS = Table("hops", "one copy of a message through one station (record: hops)", [
    Column("message_id", "int64", "", "the message"),
    Column("server", "category", "", "the server of the station"),
    Column("station", "category", "", "the queue or stage"),
    Column("queued_at", "float64", "s", "when the copy entered the station"),
    Column("queued_clock", "datetime64[ms]", "UTC", "queued_at as a clock time", seconds="queued_at"),
    Column("started_at", "float64", "s", "when it took a thread"),
    Column("core_at", "float64", "s", "when, holding the thread, it took a core"),
    Column("finished_at", "float64", "s", "when its service ended"),
    Column("wait_s", "float64", "s", "the whole wait before service: core_at - queued_at"),
    Column("thread_wait_s", "float64", "s", "the wait for a thread: started_at - queued_at"),
    Column("core_wait_s", "float64", "s", "the wait for a core, holding a thread: core_at - started_at"),
    Column("service_s", "float64", "s", "the service on a core: finished_at - core_at"),
])  # fmt: skip

IN_FLIGHT = Table("in_flight", "one recipient still held at the end of the run", [
    Column("message_id", "int64", "", "the message"),
    Column("recipient", "text", "", "the recipient's address"),
    Column("origin_server", "category", "", "where the message came from"),
    Column("held_by", "category", "", "where it is held: a queue (SERVER\\destination), a service, an Outbox, a "
           "remote sender"),
    Column("state", "category", "", "the holder's Get-Queue status (Retry for mail a sender keeps to try again)"),
])  # fmt: skip
