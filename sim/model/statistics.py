"""Since-warm-up statistics of stations and servers, each named for exactly what it measures.

A message waits for a thread, then (holding it) for a core, then is served on the core for the time
drawn. So a station's table keeps the two waits apart, reports the drawn service time, and gives
two utilisations: of its threads (busy threads / limit) and of its server's cores (the share of all
the server's core-seconds this station used). A server's table gives its core utilisation and the
utilisation of each thread limit it has.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .station import COUNTERS, SUMS, UNBOUNDED, Station

if TYPE_CHECKING:
    from .roles.transport import TransportServer


def _per(total: float, count: float) -> float:
    return total / count if count else 0.0


def window(station: Station) -> dict[str, float]:
    """Every counter and sum of `station` since warm-up."""
    now = station.totals()
    return {name: value - base for name, value, base in zip(COUNTERS + SUMS, now, station.baseline)}


def station_row(station: Station, span: float) -> dict:
    """One row of the station table: what arrived, what it waited for, how busy its threads and cores were."""
    w = window(station)
    starts = w["starts"]
    thread_wait, core_wait = _per(w["thread_wait"], starts), _per(w["core_wait"], starts)
    bounded = station.limit < UNBOUNDED
    cores = station.cpu.cores if station.cpu is not None else 0
    return {
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
        "completions": int(w["completions"]),  # messages handed on
        "mean_wait_s": thread_wait + core_wait,  # the whole queueing delay before service
        "mean_thread_wait_s": thread_wait,
        "mean_core_wait_s": core_wait,
        "mean_service_s": _per(w["service_sum"], w["completions"] + w["returned"] + w["deferrals"]),  # drawn, on a core
        "mean_queue_length": _per(w["area_q"], span),  # messages waiting for a thread
        "mean_core_queue_length": _per(w["area_busy"] - w["area_cores"], span),  # holding a thread, waiting for a core
        "mean_busy_threads": _per(w["area_busy"], span),
        "thread_utilisation": _per(w["area_busy"], span * station.limit) if bounded else math.nan,
        "core_utilisation": _per(w["area_cores"], span * cores) if cores else 0.0,  # share of the server's cores
        "max_queue_length": station.max_length,  # most messages waiting for a thread at once
    }


def server_row(server: TransportServer, span: float) -> dict:
    """One row of the server table: cores and the utilisation of every thread limit of one Hub or Edge."""
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
    return row
