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
import re
from datetime import datetime, timedelta

import numpy as np
import pytest
import yaml

import sim
from sim.calibrate import CalibrationError
from sim.calibrate.demand import fit_line
from sim.calibrate.stage_costs import path_cost
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
    start = datetime.fromisoformat(record.scenario.start_date) + timedelta(
        seconds=record.scenario.workload.start_of_day
    )
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


@pytest.fixture(scope="module")
def calibrated(run):
    """calibrate on the run's tracking logs and the CSV written from its record, with the report (not run)."""
    from sim.calibrate.workflow import run_calibration

    record, folder = run
    csv = perfmon_from_record(record, folder / "counters.csv")
    outcome = run_calibration([folder / "tracking"], folder / "s.yaml", perfmon=[csv], run=False,
                              report=folder / "report.html")  # fmt: skip
    return outcome, folder


def test_calibrate_recovers_the_known_cpu_per_message(run, calibrated):
    record, _folder = run
    (hub,) = calibrated[0].measured.hubs
    assert hub.low <= KNOWN <= hub.high
    assert hub.cores == CORES and hub.fit.n == len(record.sample_times) - 1


WIDTH = 0.05
"""The interval's half-width may be at most 5% of the known demand. Why 5%: a Hub saturates at cores / D messages a
second, so a 5% error in D moves the sizing answer by 5%, less than one Hub in the sites exsim models (one Hub of
two to eight is 12-50% of the capacity); the stand-in costs it replaces are not known to within a factor of two.
The run gives about 70 five-minute intervals over a throughput range of 0 to 3 messages a second, ample for it."""


def test_the_interval_is_narrow_enough_to_size_with(calibrated):
    (hub,) = calibrated[0].measured.hubs
    assert (hub.high - hub.low) / 2 <= WIDTH * KNOWN
    assert hub.background == pytest.approx(BACKGROUND, abs=0.5)  # the intercept is the background added


def test_the_command_line_recovers_the_known_cpu_per_message(calibrated, capsys):
    """`exsim calibrate LOGS --perfmon CSV` prints the demand the stages are scaled to with its interval: the
    known demand is inside it."""
    _outcome, folder = calibrated
    args = ["calibrate", str(folder / "tracking"), "--out", str(folder / "cli.yaml"), "--perfmon"]
    assert main([*args, str(folder / "counters.csv")]) == 0
    printed = capsys.readouterr().out
    assert "CPU per message: HUB1: " in printed
    found = re.search(r"Stage costs scaled to ([\d.]+) ms CPU per message \(95% interval ([\d.]+) to ([\d.]+) ms\)",
                      printed)  # fmt: skip
    demand, low, high = (float(v) / 1000 for v in found.groups())
    assert low <= KNOWN <= high and low < demand < high


def test_without_a_rate_counter_the_tracking_logs_give_the_rate(run):
    record, folder = run
    from sim.calibrate.workflow import run_calibration

    csv = perfmon_from_record(record, folder / "no-rate.csv", rate_counter=None, processors=False)
    outcome = run_calibration([folder / "tracking"], folder / "t.yaml", perfmon=[csv], run=False, cores=CORES)
    (hub,) = outcome.measured.hubs
    assert hub.rate_from == "tracking log RECEIVE events" and hub.cores_from == "--cores"
    assert hub.low <= KNOWN <= hub.high and (hub.high - hub.low) / 2 <= WIDTH * KNOWN


def test_the_written_scenario_carries_the_measured_cost_in_the_stand_in_proportions(calibrated):
    from sim.scenario.schema import Stages

    outcome, folder = calibrated
    text = (folder / "s.yaml").read_text()
    scenario = sim.load_scenario(yaml.safe_load(text))
    cal, measured = outcome.calibration, outcome.measured
    # the path of a user's message at the logs' mean size and recipients costs what the counters measured
    assert path_cost(scenario.stages, cal.sizes.mean / 1024, cal.recipients.mean) == pytest.approx(measured.demand,
                                                                                                    rel=1e-4)  # fmt: skip
    stand_in, written = Stages(), scenario.stages
    k = written.categorizer.mean_value / stand_in.categorizer.mean_value
    for name in ("store_driver_submit", "smtp_receive", "store_driver_deliver"):
        assert getattr(written, name).mean_value == pytest.approx(k * getattr(stand_in, name).mean_value, rel=1e-4)
    assert written.store_driver_deliver.per_kb == pytest.approx(k * stand_in.store_driver_deliver.per_kb, rel=1e-4)
    assert written.smtp_send == stand_in.smtp_send  # session time, not core time: untouched
    assert "The counters do not separate stages" in text


def test_the_report_shows_the_fit(calibrated):
    from matplotlib.figure import Figure

    from sim.calibrate import plots

    outcome, folder = calibrated
    page = (folder / "report.html").read_text()
    assert "CPU per message (performance counters)" in page and "HUB1" in page
    (hub,) = outcome.measured.hubs
    fig = plots.cpu_fit(hub)
    (ax,) = fig.axes
    assert isinstance(fig, Figure) and len(ax.collections) == 2 and len(ax.lines) == 1  # points, band; the line
    assert len(ax.collections[0].get_offsets()) == hub.fit.n


# -- the regression, worked by hand ------------------------------------------------------------------------


def test_the_fit_matches_a_hand_calculation():
    """x = 1, 2, 3, 4 and y = 3, 5, 8, 9: mean x 2.5, mean y 6.25, Sxx = 5, Sxy = 10.5, so the slope is 2.1 and
    the intercept 6.25 - 2.1 x 2.5 = 1.0. Residuals -0.1, -0.2, 0.7, -0.4: SSE 0.70, s^2 = 0.70 / 2 = 0.35, the
    slope's standard error sqrt(0.35 / 5) = 0.264575; t(0.975, 2) = 4.303 (printed t table), half-width 1.1384.
    SST = 22.75, R^2 = 1 - 0.70 / 22.75 = 0.969231."""
    fit = fit_line([1, 2, 3, 4], [3, 5, 8, 9])
    assert fit.n == 4 and fit.slope == pytest.approx(2.1) and fit.intercept == pytest.approx(1.0)
    assert fit.half_width == pytest.approx(4.302653 * math.sqrt(0.07), rel=1e-6)
    assert fit.half_width == pytest.approx(1.1384, abs=1e-4)
    assert fit.r2 == pytest.approx(1 - 0.70 / 22.75)
    line, low, high = fit.band(np.array([2.5]))  # at the mean of x the band is t s / sqrt(n)
    assert line[0] == pytest.approx(6.25) and high[0] - line[0] == pytest.approx(4.302653 * math.sqrt(0.35 / 4))


def test_the_demand_is_the_slope_times_cores_over_100():
    """% Processor Time is a share of all cores: at 8 cores, a slope of 2.1 %/(message/s) is 0.021 x 8 = 0.168
    CPU-seconds per message."""
    from sim.calibrate.demand import server_demand

    demand = server_demand("HUB1", [1, 2, 3, 4], [3, 5, 8, 9], 8, "--cores", "test")
    assert demand.seconds == pytest.approx(0.168)
    assert demand.low == pytest.approx((2.1 - 1.13838) * 8 / 100, rel=1e-4)


def test_the_data_that_cannot_decide_is_refused():
    with pytest.raises(CalibrationError, match="too few to fit"):
        fit_line([1, 2], [3, 5])
    with pytest.raises(CalibrationError, match="the same in every interval"):
        fit_line([2, 2, 2, 2], [3, 5, 8, 9])
    from sim.calibrate.demand import server_demand

    with pytest.raises(CalibrationError, match="reaches zero or below"):
        server_demand("HUB1", [1, 2, 3, 4], [5, 3, 6, 4], 4, "--cores", "test")


def test_the_first_accepted_rate_counter_is_read(tmp_path):
    from sim.calibrate.perfmon import read_machines, read_perfmon

    times = [datetime(2026, 1, 5, 8, m) for m in range(4)]
    columns = {CounterPath("HUB1", "Processor", "_Total", "% Processor Time"): [math.nan, 1.0, 2.0, 3.0],
               CounterPath("HUB1", "MSExchangeTransport Queues", "_total",
                           "Messages Queued For Delivery Per Second"): [math.nan, 1.0, 2.0, 3.0]}  # fmt: skip
    (machine,) = read_machines(write_pdh_csv(tmp_path / "a.csv", PerfmonLog(times, dict(columns))))
    assert machine.rate_from.endswith("Messages Queued For Delivery Per Second") and machine.cores is None
    columns[CounterPath("HUB1", "MSExchangeTransport Queues", "_total", SUBMITTED)] = [math.nan, 9.0, 9.0, 9.0]
    (machine,) = read_machines(write_pdh_csv(tmp_path / "b.csv", PerfmonLog(times, columns)))
    assert machine.rate_from.endswith(SUBMITTED) and machine.rates[1:] == [9.0, 9.0, 9.0]
    (tmp_path / "a.csv").unlink()
    assert [m.rates[1:] for m in read_perfmon([tmp_path])] == [[9.0, 9.0, 9.0]]  # a folder: the *.csv in it


# -- bad input through the command line: exit 2, one line, no traceback -------------------------------------


def _exit_2_one_line(args: list[str], capsys) -> str:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    return captured.err


def _log(path, columns: dict, rows: int = 4):
    times = [datetime(2026, 1, 5, 8, 0) + timedelta(minutes=5 * i) for i in range(rows)]
    return write_pdh_csv(path, PerfmonLog(times, {CounterPath.parse(k): v[:rows] for k, v in columns.items()}))


CPU = "\\\\HUB1\\Processor(_Total)\\% Processor Time"
RATE = f"\\\\HUB1\\MSExchangeTransport Queues(_total)\\{SUBMITTED}"


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_text("date,value\n1,2\n") and p, "line 1: not a Performance Monitor CSV"),
        (lambda p: _log(p, {RATE: [math.nan, 1, 2, 3]}), "no \\Processor(_Total)\\% Processor Time counter"),
        (lambda p: _log(p, {CPU.replace("HUB1", "HUB9"): [math.nan, 1, 2, 3]}), "HUB9 has no message rate counter"),
        (lambda p: _log(p, {CPU: [math.nan, 1], RATE: [math.nan, 1]}, rows=2), "1 interval(s) with both counters"),
        (lambda p: _log(p, {CPU: [math.nan, 1, 2, 3], RATE: [math.nan, 2, 2, 2]}), "the same in every interval"),
        (lambda p: _log(p, {CPU.replace("HUB1", "MBX1"): [math.nan, 1, 2, 3],
                            RATE.replace("HUB1", "MBX1"): [math.nan, 1, 2, 3]}), "none of the machines"),
    ],
    ids=["not-pdh-csv", "no-processor", "no-rate", "one-interval", "constant-rate", "no-hub"],
)  # fmt: skip
def test_bad_counter_logs_are_exit_2_with_one_line(run, tmp_path, capsys, make, expected):
    _record, folder = run
    csv = make(tmp_path / "counters.csv")
    err = _exit_2_one_line(["calibrate", str(folder / "tracking"), "--out", str(tmp_path / "o.yaml"),
                            "--perfmon", str(csv)], capsys)  # fmt: skip
    assert err.startswith("exsim: calibrate: ") and expected in err


@pytest.mark.parametrize("extra, expected", [(["--cores", "0"], "--cores 0: give the logical processors"),
                                             (["--cores", "4"], "--cores: it says how many processors")])  # fmt: skip
def test_bad_cores_are_exit_2_with_one_line(run, tmp_path, capsys, extra, expected):
    _record, folder = run
    perfmon = ["--perfmon", str(tmp_path / "x.csv")] if extra[1] == "0" else []
    err = _exit_2_one_line(["calibrate", str(folder / "tracking"), "--out", str(tmp_path / "o.yaml"), *extra,
                            *perfmon], capsys)  # fmt: skip
    assert expected in err


def test_two_hubs_each_recover_the_known_demand_and_the_scenario_gets_their_weighted_figure(tmp_path):
    """Two Hubs share the site's mail (round robin): each Hub's fit covers the known demand, and the figure the
    stages are scaled to is the two demands weighted by the messages each handled (here about half each)."""
    from sim.calibrate.workflow import run_calibration

    two = {**SCENARIO, "duration": "4h", "seed": 11}
    two["sites"] = [{"name": "S", "hubs": [{"name": "HUB1", "cores": CORES}, {"name": "HUB2", "cores": CORES}],
                     "mailbox_servers": [{"name": "MBX1", "mailboxes": 2000}]}]  # fmt: skip
    result = sim.run(two)
    write_logs(result.tracking_log, tmp_path / "tracking")
    csv = perfmon_from_record(result.record, tmp_path / "two.csv")
    measured = run_calibration([tmp_path / "tracking"], tmp_path / "two.yaml", perfmon=[csv], run=False).measured
    assert sorted(d.server for d in measured.hubs) == ["HUB1", "HUB2"]
    for hub in measured.hubs:
        assert hub.low <= KNOWN <= hub.high and (hub.high - hub.low) / 2 <= WIDTH * KNOWN
    weights = [np.mean(d.rates) for d in measured.hubs]
    expected = np.dot(weights, [d.seconds for d in measured.hubs]) / sum(weights)
    assert measured.demand == pytest.approx(expected) and measured.low <= KNOWN <= measured.high


def test_exsims_own_counters_calibrate_back_to_the_known_cost(tmp_path, capsys):
    """The whole loop through the commands a user types: `exsim run --out` writes the Hub's counters as relog does
    (sim.results.perfmon) beside its tracking logs, and `exsim calibrate --perfmon` on them recovers the known
    demand inside its printed interval. Those counters carry no background and only Processor(_Total), so the
    cores are given."""
    scenario = tmp_path / "known.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    assert (out / "perfmon" / "HUB1.csv").exists()
    capsys.readouterr()
    args = ["calibrate", str(out / "tracking"), "--out", str(tmp_path / "s.yaml"), "--perfmon", str(out / "perfmon")]
    assert main([*args, "--cores", str(CORES)]) == 0
    printed = capsys.readouterr().out
    found = re.search(r"Stage costs scaled to ([\d.]+) ms CPU per message \(95% interval ([\d.]+) to ([\d.]+) ms\)",
                      printed)  # fmt: skip
    demand, low, high = (float(v) / 1000 for v in found.groups())
    assert low <= KNOWN <= high and (high - low) / 2 <= WIDTH * KNOWN
