"""What broke and what it did, from a run's record: queue status changes, back pressure, fault windows and
the accounting under faults. Get-Queue at an instant is sim.results.instant.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..formats.clock import start_of
from ..formats.events import FAULT_WINDOWS, PRESSURE, QUEUE_EVENTS
from ..formats.frames import as_frame
from ..formats.record import RunRecord, split_place
from .tables import category

LEVELS = ("Normal", "Medium", "High")


def queue_events(record: RunRecord) -> pd.DataFrame:
    """Every change of a queue's status: time, server, queue, status, last_error, next_retry (seconds)."""
    q, texts = record.queue_events, np.array(record.event_texts or [""], dtype=object)
    servers, queues = (np.asarray(record.stations[name], dtype=object) for name in ("server", "queue"))
    return as_frame(QUEUE_EVENTS, {
        "time": q["time"], "server": category(servers[q["station"]]), "queue": category(queues[q["station"]]),
        "status": category(texts[q["status"]]), "last_error": texts[q["error"]], "next_retry": q["next_retry"],
    }, start_of(record.scenario))  # fmt: skip


def pressure(record: RunRecord) -> pd.DataFrame:
    """Every change of a server's back pressure level, with the resources that moved it."""
    p = record.pressure_events
    names = np.array(record.servers, dtype=object)
    return as_frame(PRESSURE, {
        "time": p["time"], "server": category(names[p["server"]]),
        "level": pd.Categorical(np.array(LEVELS, dtype=object)[p["level"]], categories=LEVELS, ordered=True),
        "disk_percent": p["disk_percent"], "version_buckets": p["version_buckets"],
    }, start_of(record.scenario))  # fmt: skip


def pressure_seconds(record: RunRecord) -> dict[str, dict[str, float]]:
    """Seconds each Hub and Edge spent at Normal, Medium and High back pressure (from 0 to the end)."""
    changes = pressure(record)
    servers = record.server_stats["server"].tolist()
    out = {}
    for server in servers:
        mine = changes[changes["server"] == server]
        times = [0.0, *mine["time"].tolist(), record.end_time]
        levels = ["Normal", *mine["level"].tolist()]
        spent = Counter()
        for level, start, end in zip(levels, times, times[1:]):
            spent[level] += end - start
        out[server] = {level: round(spent[level], 3) for level in LEVELS}
    return out


def fault_windows(record: RunRecord) -> pd.DataFrame:
    """Every time something was down: fault, kind, target, start, end (NaN: still down at the end)."""
    f = record.fault_windows
    return as_frame(FAULT_WINDOWS, {"fault": f["fault"], "kind": category(f["kind"]), "target": category(f["target"]),
                                "start": f["start"], "end": f["end"]}, start_of(record.scenario))  # fmt: skip


def accounting(record: RunRecord) -> dict:
    """How every recipient ended, faults included: NDRs by code, expired, poison, refused and retried,
    and what is still queued, by place and by state."""
    by_code = Counter()
    for status, reason, n in record.outcome_reasons:
        if status == 1:  # NDR
            code = reason.split(" ")[1] if reason.count(" ") else reason
            by_code[code] += n
    places = np.array(record.in_flight_places or [""], dtype=object)
    held = Counter(places[record.in_flight["place"]].tolist()) if len(record.in_flight["place"]) else Counter()
    by_state = Counter()
    for place, n in held.items():
        by_state[split_place(place)[1]] += n
    c = record.counts
    return {
        "poison": c.get("poison", 0),
        "expired": c.get("expired", 0),
        "delay_dsns": c.get("delay_dsns", 0),
        "refused_and_retried": c.get("refused_and_retried", 0),
        "ndr_by_code": dict(sorted(by_code.items())),
        "still_queued_by_place": dict(sorted(held.items())),
        "still_queued_by_state": dict(sorted(by_state.items())),
    }
