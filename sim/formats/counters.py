"""The performance counters table: what Performance Monitor would have logged on each Hub and Edge, per sample.

Long form, one row per (sample, server, counter), so counters of different servers and objects sit in one table
and filter like every other; `sim.results.counters` names the counters as Exchange 2007 does (object, instance,
counter) and computes them from the run's record; `sim.formats.pdh_csv` writes them as relog's CSV.
"""

from __future__ import annotations

from .declare import Column, Table

COUNTERS = Table("counters", "one performance counter of one Hub or Edge at one sample", [
    Column("time", "float64", "s", "when the sample was taken (a rate: the end of the interval it covers)"),
    Column("clock", "datetime64[ms]", "UTC", "time as a clock time", seconds="time"),
    Column("server", "category", "", "the Hub or Edge (the machine of the counter path)"),
    Column("object", "category", "", "the performance object, e.g. MSExchangeTransport Queues"),
    Column("instance", "category", "", "the instance, e.g. _total (Processor: _Total)"),
    Column("counter", "category", "", "the counter, e.g. Submission Queue Length"),
    Column("value", "float64", "", "the counter's value in its own unit (messages, messages/s or %); NaN where it "
           "has none (a rate at the first sample)"),
])  # fmt: skip
