"""The tables of stations and servers since warm-up: the record keeps them as these columns and `Results` shows
them as they are (`result.stations`, `result.servers`). sim.model.statistics makes each row, checked here.

Names, one definition each (README "Station statistics"): the queue length is Get-Queue's MessageCount, every
message the queue holds (waiting, in service, or set aside until its retry timer); waiting means waiting for a
thread; a mean wait is over every message that left the waiting line.
"""

from __future__ import annotations

from .declare import Column, Table


def _counts(*named: tuple[str, str]) -> list[Column]:
    return [Column(name, "int64", "messages", meaning) for name, meaning in named]


STATIONS = Table("stations", "one queue or stage, in the order they were made; statistics since warm-up", [
    Column("server", "text", "", "the server of the station"),
    Column("queue", "text", "", "the queue's identity, SERVER\\destination"),
    Column("station", "text", "", "the destination part: a Mailbox server, an AD site, a domain, Submission, ..."),
    Column("delivery_type", "text", "", "Get-Queue's DeliveryType (Stage for a stage Exchange does not list)"),
    Column("next_hop", "text", "", "Get-Queue's NextHopDomain"),
    Column("threads", "float64", "threads", "its thread limit (NaN: unbounded)"),
    *_counts(
        ("arrivals", "new messages (retries, returns and restarts are counted apart)"),
        ("retries", "deferred messages trying again"),
        ("returned", "served, but their next hop went down: back to the head"),
        ("restarts", "services abandoned by a stopped Transport service, redone"),
        ("deferrals", "services answered 4xx: the message waits for its retry timer"),
        ("completions", "messages served and handed on"),
        ("expired", "messages that left the queue by expiry (MessageExpirationTimeout)"),
        ("resubmitted", "messages that left unserved for the Categorizer (a route came back)"),
    ),
    Column("mean_wait_s", "float64", "s", "the whole queueing delay before service: thread wait + core wait"),
    Column("mean_thread_wait_s", "float64", "s", "the mean wait for a thread"),
    Column("mean_core_wait_s", "float64", "s", "the mean wait for a core, holding a thread"),
    Column("mean_service_s", "float64", "s", "the mean service time drawn, on a core"),
    Column("mean_time_in_queue_s", "float64", "s", "from arrival to leaving: waits, services, set aside"),
    Column("mean_queue_length", "float64", "messages", "messages held: waiting, in service or set aside"),
    Column("mean_waiting", "float64", "messages", "messages waiting for a thread"),
    Column("mean_core_queue_length", "float64", "messages", "messages holding a thread, waiting for a core"),
    Column("mean_busy_threads", "float64", "threads", "threads held"),
    Column("thread_utilisation", "float64", "ratio", "mean_busy_threads / threads (NaN: unbounded)"),
    Column("core_utilisation", "float64", "ratio", "its share of all its server's core-seconds"),
    Column("max_queue_length", "int64", "messages", "the most messages held at once"),
    Column("max_waiting", "int64", "messages", "the most messages waiting for a thread at once"),
])  # fmt: skip


def _thread_limit(name: str, what: str) -> Column:
    return Column(f"{name}_utilisation", "float64", "ratio", f"busy {what} / their limit (NaN: none on the server)",
                  optional=True)  # fmt: skip


SERVERS = Table("servers", "one Hub or Edge; statistics since warm-up", [
    Column("server", "text", "", "the Hub or Edge"),
    Column("role", "text", "", "Hub or Edge"),
    Column("site", "text", "", "its AD site (Perimeter for an Edge)"),
    Column("cores", "int64", "cores", "its processor cores"),
    Column("core_utilisation", "float64", "ratio", "core-seconds used / (span x cores)"),
    Column("mean_busy_cores", "float64", "cores", "cores busy on average"),
    _thread_limit("submission_threads", "Store Driver submission threads"),
    _thread_limit("categorizer_threads", "categorizer threads"),
    _thread_limit("delivery_threads", "mailbox delivery threads"),
    _thread_limit("outbound_connections", "outbound SMTP connections"),
])  # fmt: skip
