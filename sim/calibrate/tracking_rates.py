"""Message rates per Performance Monitor interval from the tracking logs of the same server and hours.

For a counter log with processor time and no Exchange rate counter: a RECEIVE event is logged once for each
message a Hub or Edge commits to its queue database, whether it came by SMTP or from a Mailbox server's Store
Driver (TechNet cc539064, "Description of Message Tracking Log Fields"; DOMAIN.md 8), the same messages
`\\MSExchangeTransport Queues(_total)\\Messages Submitted Per Second` counts. The events of each interval
(previous sample, this sample] over its length give the rate the counter would have shown.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable
from datetime import timezone

from ..formats.tracking_find import NotATrackingLog, find_logs
from ..formats.tracking_read import RowReader
from .names import canonical
from .organisation import CalibrationError
from .perfmon import MachineSeries

RECEIVE = "RECEIVE"
LABEL = "tracking log RECEIVE events"


def receive_times(paths: list[str | os.PathLike]) -> dict[str, list[float]]:
    """The sorted times (seconds since the epoch, UTC) of every RECEIVE event, per server (canonical name)."""
    try:
        logs = find_logs(paths)
    except NotATrackingLog as error:
        raise CalibrationError(str(error)) from None
    reader = RowReader()
    out: dict[str, list[float]] = {}
    for log in logs:
        times = out.setdefault(canonical(log.server), [])
        for batch_times, columns in reader.batches(log, ["event-id"]):
            times += [t for t, event in zip(batch_times, columns["event-id"]) if event == RECEIVE]
    for times in out.values():
        times.sort()
    return out


def rates_from(times: list[float], ends: list[float]) -> list[float]:
    """Events per second in each interval (ends[i-1], ends[i]]; NaN for the first, which has no start."""
    out = [float("nan")]
    for start, end in zip(ends, ends[1:]):
        count = bisect.bisect_right(times, end) - bisect.bisect_right(times, start)
        out.append(count / (end - start) if end > start else float("nan"))
    return out


def tracking_rates(paths: list[str | os.PathLike]) -> Callable[[MachineSeries], tuple[list[float], str] | None]:
    """A function giving a machine's rates from the tracking logs under `paths` (read once, when first asked)."""
    cache: dict[str, list[float]] = {}
    loaded = False

    def rates(series: MachineSeries) -> tuple[list[float], str] | None:
        nonlocal loaded
        if not loaded:
            cache.update(receive_times(paths))
            loaded = True
        times = cache.get(canonical(series.machine))
        if not times:
            return None
        ends = [t.replace(tzinfo=timezone.utc).timestamp() for t in series.times]
        if bisect.bisect_right(times, ends[-1]) == bisect.bisect_right(times, ends[0]):
            return None  # the tracking logs hold none of those hours: no rate to read, rather than a rate of 0
        return rates_from(times, ends), LABEL

    return rates
