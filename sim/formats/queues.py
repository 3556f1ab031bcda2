"""The tables of queues over time: samples every sample_interval, the most held in between, Hubs' categorized
counts, and the 5-minute load and arrival bins the figures read.

`*_RECORD` is what the recorder writes and the RunRecord keeps; the plain name is the DataFrame `Results`
exposes (sim.formats.declare says why).
"""

from __future__ import annotations

from .declare import Column, Table

SAMPLES_RECORD = Table("samples (record)", "one station at one sample, when it held mail or was stopped or in "
                       "Retry, or was at the sample before (an idle station's rows are implied: 0, Ready)", [
    Column("time", "float64", "s", "when the sample was taken"),
    Column("station", "int64", "", "the queue or stage (index into RunRecord.stations)"),
    Column("length", "int64", "messages", "the queue length (Get-Queue's MessageCount)"),
    Column("waiting", "int64", "messages", "messages waiting for a thread"),
    Column("state", "int64", "", "Ready, Active, Retry or Suspended (index into RunRecord.sample_states)"),
])  # fmt: skip

SAMPLE_PEAKS_RECORD = Table("sample_peaks (record)", "the most one station held, and had waiting, since the sample "
                            "before, where more than the sample shows", [
    Column("sample", "int32", "", "the sample (index into RunRecord.sample_times)"),
    Column("station", "int32", "", "the queue or stage (index into RunRecord.stations)"),
    Column("max_length", "int32", "messages", "the most messages held at once"),
    Column("max_waiting", "int32", "messages", "the most messages waiting for a thread at once"),
])  # fmt: skip

CATEGORIZED_RECORD = Table("categorized (record)", "one Hub at one sample", [
    Column("time", "float64", "s", "when the sample was taken"),
    Column("server", "int64", "", "the Hub (index into RunRecord.servers)"),
    Column("cumulative", "int64", "messages", "messages the Hub had categorized so far"),
])  # fmt: skip

QUEUES = Table("queues", "one queue or stage at one sample (every station, from the first sample after it was made)", [
    Column("time", "float64", "s", "when the sample was taken"),
    Column("clock", "datetime64[ms]", "UTC", "time as a clock time", seconds="time"),
    Column("server", "category", "", "the server of the queue"),
    Column("queue", "category", "", "the queue's identity, SERVER\\destination"),
    Column("delivery_type", "category", "", "Get-Queue's DeliveryType (Stage for a stage Exchange does not list)"),
    Column("length", "int64", "messages", "the queue length (MessageCount: waiting, in service or set aside)"),
    Column("waiting", "int64", "messages", "messages waiting for a thread"),
    Column("max_length", "int64", "messages", "the most messages held at once since the sample before (exact)"),
    Column("max_waiting", "int64", "messages", "the most messages waiting at once since the sample before"),
    Column("state", "category", "", "Ready, Active, Retry or Suspended"),
])  # fmt: skip

THROUGHPUT = Table("throughput", "one Hub at one sample", [
    Column("time", "float64", "s", "when the sample was taken"),
    Column("clock", "datetime64[ms]", "UTC", "time as a clock time", seconds="time"),
    Column("server", "category", "", "the Hub"),
    Column("cumulative", "int64", "messages", "messages the Hub had categorized so far"),
    Column("messages", "int64", "messages", "messages it categorized since the sample before"),
    Column("per_hour", "float64", "messages/h", "those messages as an hourly rate"),
])  # fmt: skip

LOAD = Table("load", "one Hub or Edge in one 5-minute bin", [
    Column("time", "float64", "s", "the start of the bin"),
    Column("clock", "datetime64[ms]", "UTC", "time as a clock time", seconds="time"),
    Column("server", "category", "", "the Hub or Edge"),
    Column("cores", "int64", "cores", "the server's cores"),
    Column("busy_cores", "float64", "cores", "cores busy on average over the bin"),
    Column("core_utilisation", "float64", "ratio", "busy_cores / cores"),
])  # fmt: skip

ARRIVALS = Table("arrivals", "one 5-minute bin", [
    Column("time", "float64", "s", "the start of the bin"),
    Column("clock", "datetime64[ms]", "UTC", "time as a clock time", seconds="time"),
    Column("messages", "float64", "messages", "messages entering the organisation in the bin (every source)"),
    Column("per_hour", "float64", "messages/h", "those messages as an hourly rate"),
])  # fmt: skip
