"""`exsim calibrate --perfmon`: CPU per message from % Processor Time beside the message rate.

End to end (issue 21's "done when"): a scenario with KNOWN stage costs runs a workload whose rate steps hour by
hour; a relog CSV is written from that run's record (processor time from each Hub's cumulative core-seconds per
sample, the message rate from its Submission queue's cumulative entries, plus a constant background the model does
not have), and calibrate must recover the known demand inside the interval it reports. The known demand is the sum
of the stage means a message pays on the Hub (submission + categorizer + delivery: sim.model.pipelines.HUB), by
the Service Demand Law (U = U0 + X D). The regression itself is checked on points whose slope and interval were
worked by hand, and the t quantile against the printed table.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest
import yaml

import sim
from sim.calibrate import CalibrationError
from sim.calibrate.demand import fit_line
from sim.calibrate.stage_costs import path_cost
from sim.calibrate.student import t_quantile
from sim.cli import main
from sim.formats.pdh_csv import CounterPath, PerfmonLog, write_pdh_csv
from sim.formats.tracking_write import write_logs

SUBMIT, CATEGORIZE, DELIVER = 0.010, 0.020, 0.015
KNOWN = SUBMIT + CATEGORIZE + DELIVER  # CPU-seconds per message on the Hub: one recipient, one Mailbox server
CORES = 4
BACKGROUND = 5.0  # % Processor Time no message causes (the OS, monitoring); the model has none, the CSV adds it
SUBMITTED = "Messages Submitted Per Second"


def _exponential(mean: float) -> dict:
    return {"dist": "exponential", "mean": f"{mean * 1000}ms"}


SCENARIO = {
    "name": "known costs", "duration": "6h", "warmup": "0s", "drain": "10m", "sample_interval": "5m", "seed": 7,
    "sites": [{"name": "S", "hubs": [{"name": "HUB1", "cores": CORES}],
               "mailbox_servers": [{"name": "MBX1", "mailboxes": 2000}]}],
    "stages": {"store_driver_submit": _exponential(SUBMIT), "categorizer": _exponential(CATEGORIZE),
               "store_driver_deliver": _exponential(DELIVER), "smtp_receive": _exponential(0.005)},
    "workload": {"sent_per_mailbox_per_day": 40, "diurnal": [0.2] * 8 + [0.5, 1, 2, 3, 1.5, 0.7] + [1] * 10,
                 "start_of_day": "8h", "recipients": {"dist": "constant", "mean": 1}, "size": "50KB"},
}  # fmt: skip
"""One Hub, one Mailbox server, the hourly rate stepping 0.5 : 1 : 2 : 3 : 1.5 : 0.7 over six hours (about
0.5 to 3 messages a second), so throughput varies over the intervals as a working day's does."""


def perfmon_from_record(record, path, background: float = BACKGROUND, rate_counter: str | None = SUBMITTED,
                        processors: bool = True):  # fmt: skip
    """A relog CSV of the run: per sample, each Hub's % Processor Time (core-seconds used in the interval over
    interval x cores, in percent, plus `background`), its Processor(n) instances, and the messages that entered
    its Submission queue per second (`\\MSExchangeTransport Queues(_total)\\Messages Submitted Per Second`)."""
    start = datetime.fromisoformat(record.scenario.start_date) + timedelta(seconds=record.scenario.workload.start_of_day)
    times = [start + timedelta(seconds=float(t)) for t in record.sample_times]
    dt = np.diff(record.sample_times)
    columns = {}
    for column, hub in enumerate(record.load_servers):
        busy = np.diff(record.load_core_seconds[:, column]) / (dt * CORES) * 100.0 + background
        processor = [math.nan, *busy]
        columns[CounterPath(hub, "Processor", "_Total", "% Processor Time")] = processor
        for n in range(CORES if processors else 0):
            columns[CounterPath(hub, "Processor", str(n), "% Processor Time")] = processor
        if rate_counter:
            station = [i for i, (s, q) in enumerate(zip(record.stations["server"], record.stations["station"]))
                       if s == hub and q == "Submission"][0]  # fmt: skip
            rate = np.diff(record.load_entries[:, station]) / dt
            columns[CounterPath(hub, "MSExchangeTransport Queues", "_total", rate_counter)] = [math.nan, *rate]
    return write_pdh_csv(path, PerfmonLog(times, columns))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    result = sim.run(SCENARIO)
    folder = tmp_path_factory.mktemp("perfmon")
    write_logs(result.tracking_log, folder / "tracking")
    return result.record, folder


def test_calibrate_recovers_the_known_cpu_per_message(run, capsys):
    record, folder = run
    csv = perfmon_from_record(record, folder / "counters.csv")
    out = folder / "calibrated.yaml"
    assert main(["calibrate", str(folder / "tracking"), "--out", str(out), "--perfmon", str(csv)]) == 0
    printed = capsys.readouterr().out
    from sim.calibrate.workflow import run_calibration

    outcome = run_calibration([folder / "tracking"], folder / "again.yaml", perfmon=[csv], run=False)
    (hub,) = outcome.measured.hubs
    print(hub.summary())
    assert hub.low <= KNOWN <= hub.high
    assert hub.cores == CORES and hub.fit.n == len(record.sample_times) - 1
    assert "HUB1: " in printed and "ms CPU per message" in printed
