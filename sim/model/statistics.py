"""Since-warm-up statistics of stations and servers, each named for exactly what it measures.

A message waits for a thread, then (holding it) for a core, then is served on the core for the time
drawn. So a station's table keeps the two waits apart, reports the drawn service time, and gives
two utilisations: of its threads (busy threads / limit) and of its server's cores (the share of all
the server's core-seconds this station used). A server's table gives its core utilisation and the
utilisation of each thread limit it has.

Names, one definition each (README "Station statistics"): the **queue length** is Get-Queue's MessageCount,
every message the queue holds (waiting, in service, or set aside until its retry timer); **waiting** means
waiting for a thread. Every mean wait is over every message that left the waiting line (it took a thread, or
left unserved: expired or resubmitted), so Little's law holds: mean_waiting = (messages that left the waiting
line per second) x mean_thread_wait_s, and mean_queue_length = (messages that left the queue per second) x
mean_time_in_queue_s, up to the messages held at the window's two ends.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..formats.stations import SERVERS, STATIONS
from .station import COUNTERS, UNBOUNDED, Station

if TYPE_CHECKING:
    from .roles.transport import TransportServer

SUMS = ("thread_wait", "left_wait", "core_wait", "service_sum", "in_queue", "area_q", "area_core_q", "area_busy",
        "area_cores", "area_held")  # fmt: skip
"""What `totals` reports after COUNTERS: the per-message sums, then the areas under the curves (see totals)."""


def _per(total: float, count: float) -> float:
    return total / count if count else 0.0


def totals(station: Station) -> tuple:
    """Every counter and sum of `station` so far (COUNTERS then SUMS), brought up to now.

    The areas are sums over messages of the time spent in each state (sim.model.station's docstring):
    area_q (waiting for a thread) = waits of messages that took a thread or left unserved + the waits so far of
    those waiting; area_core_q = waits for a core, ended and so far (none without a Cpu); area_busy (threads
    held) = area_core_q + time on a core (served, abandoned, and so far); area_cores = that time on cores alone
    (none for a stage on no cores, an SMTP session); area_held (the queue length) = area_q + area_busy + the time
    messages spent set aside. `in_queue` is the time in the queue that ended so far (every part of a stay is
    counted when it ends), the numerator of mean_time_in_queue_s.
    """
    now = station.env.now
    waiting = holding = on_core = aside = 0.0
    for msg in station.queue:
        waiting += now - msg.queued_at
    for msg in station.in_service:
        if msg.token is None:  # holding a thread, waiting for a core
            holding += now - msg.started_at
        else:
            on_core += now - msg.core_at
    for msg in station.aside_messages():
        aside += now - msg.queued_at
    core_time = station.service_sum + station.abandoned + on_core
    area_q = station.thread_wait + station.left_wait + waiting
    area_core_q = station.core_wait + holding
    area_busy = area_core_q + core_time
    area_cores = core_time if station.cpu is not None else 0.0
    ended = (station.thread_wait + station.left_wait + station.core_wait + station.service_sum + station.abandoned
             + station.aside_time)  # fmt: skip
    return (*(getattr(station, name) for name in COUNTERS), station.thread_wait, station.left_wait, station.core_wait,
            station.service_sum, ended, area_q, area_core_q, area_busy, area_cores,
            area_q + area_busy + station.aside_time + aside)  # fmt: skip


def mark_warmup(station: Station) -> None:
    """Start the statistics window of `station` here: counters, sums and the largest counts restart from now.

    The sample interval under way keeps its largest counts from before warm-up aside (`carry_*`), so the
    queue samples stay whole while the station table starts from what the station holds now."""
    station.baseline = totals(station)
    station.carry_length = max(station.carry_length, station.peak_length)
    station.carry_waiting = max(station.carry_waiting, station.peak_waiting)
    station.peak_length = station.max_length = station.length
    station.peak_waiting = station.max_waiting = len(station.queue)


def window(station: Station) -> dict[str, float]:
    """Every counter and sum of `station` since warm-up."""
    now = totals(station)
    base = station.baseline or (0,) * len(now)
    return {name: value - before for name, value, before in zip(COUNTERS + SUMS, now, base)}


def station_row(station: Station, span: float) -> dict:
    """One row of the station table (sim.formats.stations.STATIONS, which checks it): what arrived and left, what
    it waited for, how full and busy it was."""
    w = window(station)
    left_waiting = w["starts"] + w["unserved"]  # took a thread, or left the waiting line unserved
    left = w["completions"] + w["expired"] + w["resubmitted"]  # left the queue, each exactly one way
    thread_wait = _per(w["thread_wait"] + w["left_wait"], left_waiting)
    core_wait = _per(w["core_wait"], left_waiting)
    bounded = station.limit < UNBOUNDED
    cores = station.cpu.cores if station.cpu is not None else 0
    return STATIONS.row(
        {
            "server": station.server,
            "queue": station.identity,
            "station": station.name,
            "delivery_type": station.delivery_type,
            "next_hop": station.next_hop,
            "threads": station.limit if bounded else None,
            "arrivals": int(w["arrivals"]),  # new messages; retries, returns and restarts are counted apart
            "retries": int(w["requeued"]),  # deferred messages trying again
            "returned": int(w["returned"]),  # served but their next hop went down: back to the head
            "restarts": int(w["restarts"]),  # services abandoned by a stopped Transport service, redone
            "deferrals": int(w["deferrals"]),  # services answered 4xx: the message waits for its retry timer
            "completions": int(w["completions"]),  # messages served and handed on
            "expired": int(w["expired"]),  # messages that left the queue by expiry (MessageExpirationTimeout)
            "resubmitted": int(w["resubmitted"]),  # messages that left unserved for the Categorizer (a route came back)
            "mean_wait_s": thread_wait + core_wait,  # the whole queueing delay before service
            "mean_thread_wait_s": thread_wait,
            "mean_core_wait_s": core_wait,
            "mean_service_s": _per(
                w["service_sum"], w["completions"] + w["returned"] + w["deferrals"]
            ),  # drawn, on a core
            "mean_time_in_queue_s": _per(w["in_queue"], left),  # from arrival to leaving: waits, services, set aside
            "mean_queue_length": _per(w["area_held"], span),  # messages held: waiting, in service or set aside
            "mean_waiting": _per(w["area_q"], span),  # messages waiting for a thread
            "mean_core_queue_length": _per(w["area_core_q"], span),  # holding a thread, waiting for a core
            "mean_busy_threads": _per(w["area_busy"], span),
            "thread_utilisation": _per(w["area_busy"], span * station.limit) if bounded else math.nan,
            "core_utilisation": _per(w["area_cores"], span * cores) if cores else 0.0,  # share of the server's cores
            "max_queue_length": max(station.max_length, station.peak_length),  # most messages held at once
            "max_waiting": max(station.max_waiting, station.peak_waiting),  # most messages waiting for a thread at once
        }
    )


def server_row(server: TransportServer, span: float) -> dict:
    """One row of the server table (sim.formats.stations.SERVERS, which checks it and orders its columns): cores
    and the utilisation of every thread limit of one Hub or Edge."""
    cpu = server.cpu
    core_seconds = cpu.core_seconds()
    row = {
        "server": server.name,
        "role": server.role,
        "site": server.site,
        "cores": cpu.cores,
        "core_utilisation": _per(core_seconds, span * cpu.cores),
        "mean_busy_cores": _per(core_seconds, span),
    }
    for label, stations, capacity in server.thread_limits():
        busy = sum(window(station)["area_busy"] for station in stations)
        row[f"{label}_utilisation"] = _per(busy, span * capacity)
    return SERVERS.row(row)
