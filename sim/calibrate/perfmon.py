"""Processor time and message rates per server from Performance Monitor logs (`relog -f csv`, PDH-CSV 4.0).

What is read, by the names Windows and Exchange 2007 give the counters (docs/exchange/capacity-planning.md
lists them with sources):
- `\\Processor(_Total)\\% Processor Time`: the share of time all the server's processors were busy, averaged
  over them, so 100% is every core busy (Windows' Processor object); `\\Processor(n)` instances, one per
  logical processor, give the core count;
- the message rate, from the first entry of RATE_COUNTERS the log holds for that machine; a log with none
  takes the rate from the tracking logs' RECEIVE events of the same server and hours (sim.calibrate.tracking_rates).
A rate counter and % Processor Time are both averages over the interval that ends at their sample (PDH computes
each from two raw samples), so the pair in one row describes the same interval; relog's first row, which has
no interval before it, is blank and left out.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..formats.pdh_csv import NotAPerfmonLog, PerfmonLog, read_pdh_csv
from .organisation import CalibrationError

PROCESSOR = ("Processor", "% Processor Time")
TOTAL = "_Total"
TRANSPORT_INSTANCE = "_total"
RATE_COUNTERS: list[tuple[tuple[str, str], ...]] = [
    (("MSExchangeTransport Queues", "Messages Submitted Per Second"),),
    (("MSExchangeTransport Queues", "Messages Queued For Delivery Per Second"),),
    (("MSExchangeTransport Queues", "Messages Completed Delivery Per Second"),),
    (("MSExchangeTransport SmtpReceive", "Messages Received/sec"),
     ("MSExchange Store Driver", "Outbound: Submitted Mail Items Per Second")),
]  # fmt: skip
"""Accepted message rates, first found: messages entering the Submission queue (every message the server takes,
once); messages put into delivery queues; messages that left them; messages received by SMTP plus messages the
Store Driver submitted from Mailbox servers (both needed: either alone misses the other's mail). Each is read in
its `_total` instance."""


@dataclass
class MachineSeries:
    """One machine's intervals: end times (UTC), % Processor Time, messages per second, and where each came from."""

    machine: str
    times: list[datetime]
    utilisation: list[float]
    rates: list[float] = field(default_factory=list)
    rate_from: str = ""
    cores: int | None = None
    """Processor(n) instances in the log (None when it has only _Total)."""
    source: str = ""


def rate_name(entry: tuple[tuple[str, str], ...]) -> str:
    """`\\Object(_total)\\Counter` (+ ...) for an entry of RATE_COUNTERS."""
    return " + ".join(f"\\{obj}({TRANSPORT_INSTANCE})\\{counter}" for obj, counter in entry)


def _rate(log: PerfmonLog, machine: str) -> tuple[list[float], str] | None:
    for entry in RATE_COUNTERS:
        parts = [log.find(object=obj, counter=counter, instance=TRANSPORT_INSTANCE, machine=machine)
                 for obj, counter in entry]  # fmt: skip
        if all(parts):
            columns = [next(iter(p.values())) for p in parts]
            return [sum(values) for values in zip(*columns)], rate_name(entry)
    return None


def _cores(log: PerfmonLog, machine: str) -> int | None:
    found = log.find(object=PROCESSOR[0], counter=PROCESSOR[1], machine=machine)
    instances = {p.instance for p in found if p.instance and p.instance.lower() != TOTAL.lower()}
    return len(instances) or None


def read_machines(path: str | os.PathLike) -> list[MachineSeries]:
    """Every machine of one log with a `\\Processor(_Total)\\% Processor Time` column, with its rate where the log
    has one. CalibrationError (one line, the file and the fix) for a file that is no PDH-CSV or has no processor time."""
    try:
        log = read_pdh_csv(path)
    except NotAPerfmonLog as error:
        raise CalibrationError(f"--perfmon {error}") from None
    processor = log.find(object=PROCESSOR[0], counter=PROCESSOR[1], instance=TOTAL)
    if not processor:
        raise CalibrationError(f"--perfmon {path}: no \\Processor(_Total)\\% Processor Time counter; add it to the "
                               "data collector set (or relog -c) and export again")  # fmt: skip
    times = log.utc_times()
    out = []
    for counter_path, values in processor.items():
        series = MachineSeries(counter_path.machine, times, list(values), cores=_cores(log, counter_path.machine),
                               source=str(path))  # fmt: skip
        found = _rate(log, counter_path.machine)
        if found:
            series.rates, series.rate_from = found
        out.append(series)
    return out


def expand(paths: list[str | os.PathLike]) -> list[Path]:
    """The CSV files given, a folder standing for the *.csv in it (as `exsim run --out DIR` writes DIR/perfmon/)."""
    out: list[Path] = []
    for path in map(Path, paths):
        found = sorted(p for p in path.glob("*") if p.suffix.lower() == ".csv") if path.is_dir() else [path]
        if not found:
            raise CalibrationError(f"--perfmon {path}: a folder with no .csv file; give relog's CSV export")
        out += found
    return out


def read_perfmon(paths: list[str | os.PathLike],
                 tracking_rates: Callable[[MachineSeries], tuple[list[float], str] | None] | None = None,
                 ) -> list[MachineSeries]:  # fmt: skip
    """Every machine of the logs (files, or folders of them), each with a message rate: from its counters, else from `tracking_rates` (the
    tracking logs of the same server and hours); CalibrationError names a machine that has neither."""
    machines: dict[str, MachineSeries] = {}
    for path in expand(paths):
        for series in read_machines(path):
            key = series.machine.lower()
            if key in machines:
                raise CalibrationError(f"--perfmon {path}: {series.machine} is also in {machines[key].source}; give "
                                       "each server's counters once (relog can merge logs: relog a.blg b.blg -f csv)")  # fmt: skip
            machines[key] = series
    for series in machines.values():
        if not series.rates and tracking_rates is not None:
            found = tracking_rates(series)
            if found:
                series.rates, series.rate_from = found
        if not series.rates:
            wanted = "; ".join(rate_name(e) for e in RATE_COUNTERS)
            raise CalibrationError(f"--perfmon {series.source}: {series.machine} has no message rate counter ({wanted}) "
                                   "and no tracking log RECEIVE events in those hours; add one to the log")  # fmt: skip
    return list(machines.values())


def finite_pairs(series: MachineSeries) -> tuple[list[float], list[float]]:
    """The (rate, utilisation) pairs where both were sampled (relog writes a blank where a counter had none)."""
    pairs = [(x, u) for x, u in zip(series.rates, series.utilisation) if not (math.isnan(x) or math.isnan(u))]
    return [p[0] for p in pairs], [p[1] for p in pairs]
