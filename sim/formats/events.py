"""The tables of what broke and what it did: queue status changes, back pressure level changes, fault windows.

`*_RECORD` is what the model writes and the RunRecord keeps; the plain name is the DataFrame `Results` exposes
(sim.formats.declare says why).
"""

from __future__ import annotations

from .declare import Column, Table

QUEUE_EVENTS_RECORD = Table("queue_events (record)", "one change of a queue's status", [
    Column("time", "float64", "s", "when it changed"),
    Column("station", "int64", "", "the queue (index into RunRecord.stations)"),
    Column("status", "int64", "", "the new status: Active, Ready, Retry or Suspended (index into event_texts)"),
    Column("error", "int64", "", "LastError (index into RunRecord.event_texts)"),
    Column("next_retry", "float64", "s", "NextRetryTime, from the start of the run (NaN: none)"),
])  # fmt: skip

PRESSURE_EVENTS_RECORD = Table("pressure_events (record)", "one change of a server's back pressure level", [
    Column("time", "float64", "s", "when it changed"),
    Column("server", "int64", "", "the Hub or Edge (index into RunRecord.servers)"),
    Column("level", "int64", "", "0 Normal, 1 Medium, 2 High"),
    Column("disk_percent", "float64", "%", "the queue database drive's use when it changed"),
    Column("version_buckets", "int64", "buckets", "the version buckets in use when it changed"),
])  # fmt: skip

FAULT_WINDOWS_RECORD = Table("fault_windows (record)", "one time something was down", [
    Column("fault", "text", "", "the fault's label in the scenario"),
    Column("kind", "text", "", "what broke: transport, server, site_link, partition, internet or send_connector"),
    Column("target", "text", "", "what was down: a server, a site link, the Internet, a Send connector"),
    Column("start", "float64", "s", "when it went down"),
    Column("end", "float64", "s", "when it came back (NaN: still down at the end)"),
])  # fmt: skip

QUEUE_EVENTS = Table("queue_events", "one change of a queue's status", [
    Column("time", "float64", "s", "when it changed"),
    Column("clock", "datetime64[ms]", "UTC", "time as a clock time", seconds="time"),
    Column("server", "category", "", "the server of the queue"),
    Column("queue", "category", "", "the queue's identity, SERVER\\destination"),
    Column("status", "category", "", "the new status: Active, Ready, Retry or Suspended"),
    Column("last_error", "text", "", "Get-Queue's LastError ('' when none yet)"),
    Column("next_retry", "float64", "s", "NextRetryTime, from the start of the run (NaN: none)"),
    Column("next_retry_clock", "datetime64[ms]", "UTC", "next_retry as a clock time", seconds="next_retry"),
])  # fmt: skip

PRESSURE = Table("pressure", "one change of a server's back pressure level", [
    Column("time", "float64", "s", "when it changed"),
    Column("clock", "datetime64[ms]", "UTC", "time as a clock time", seconds="time"),
    Column("server", "category", "", "the Hub or Edge"),
    Column("level", "category", "", "Normal, Medium or High (ordered)"),
    Column("disk_percent", "float64", "%", "the queue database drive's use when it changed"),
    Column("version_buckets", "int64", "buckets", "the version buckets in use when it changed"),
])  # fmt: skip

FAULT_WINDOWS = Table("fault_windows", "one time something was down", [
    Column("fault", "text", "", "the fault's label in the scenario"),
    Column("kind", "category", "", "what broke: transport, server, site_link, partition, internet or send_connector"),
    Column("target", "category", "", "what was down: a server, a site link, the Internet, a Send connector"),
    Column("start", "float64", "s", "when it went down"),
    Column("start_clock", "datetime64[ms]", "UTC", "start as a clock time", seconds="start"),
    Column("end", "float64", "s", "when it came back (NaN: still down at the end)"),
    Column("end_clock", "datetime64[ms]", "UTC", "end as a clock time", seconds="end"),
])  # fmt: skip
