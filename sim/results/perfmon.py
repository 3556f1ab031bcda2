"""A run's performance counters as Performance Monitor logs: one relog-style CSV per Hub and Edge.

One file per server (`perfmon/<SERVER>.csv`), as a Data Collector Set on that server exported with
`relog <log.blg> -f csv` gives: each file opens alone in Performance Monitor or PAL, and a tool reading one
machine's processor time beside its message rates (`exsim calibrate --perfmon`) needs no filtering by machine.
Times are the clock time of the run's day (sim.formats.clock.start_of) in zone "Coordinated Universal Time",
bias 0; the layout is sim.formats.pdh_csv's.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ..formats.pdh_csv import CounterPath, PerfmonLog, write_pdh_csv
from .counters import CounterLog


def logs(log: CounterLog, start) -> dict[str, PerfmonLog]:
    """One PerfmonLog per server: its counters as `\\\\SERVER\\Object(Instance)\\Counter` columns."""
    base = start.replace(tzinfo=None)
    times = [base + timedelta(seconds=round(float(t), 3)) for t in log.times.tolist()]
    return {
        server.server: PerfmonLog(times, {CounterPath(server.server, k.object, k.instance, k.counter): v
                                          for k, v in server.values.items()})
        for server in log.servers
    }  # fmt: skip


def write(log: CounterLog, start, folder: Path | str) -> list[Path]:
    """Write `folder/<SERVER>.csv` for every Hub and Edge; returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_pdh_csv(folder / f"{server}.csv", one) for server, one in logs(log, start).items()]
