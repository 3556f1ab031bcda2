"""Issue 21, point 3: crashes and misreadings of `exsim calibrate` on real logs, each fixed and pinned here.

Stray quotes affect only their own row; Mailbox-server logs alone calibrate; one definition of the busiest hour;
the median of identical sizes is that size; an hour with rows is never called absent; durations are exact; the
error for logs with no Mailbox server says what was found; bad input is exit 2 and one line through the real
command line (`python -m sim`), never a traceback. Expected values are counted by hand from the rows written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import LOG_FIELDS

import sim
from sim.calibrate import CalibrationError, scenario_text
from sim.calibrate.derive import Curve
from sim.calibrate.histograms import LogBins
from sim.formats.tracking_find import log_file
from sim.formats.tracking_read import RowReader

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("#Software: Microsoft Exchange Server\r\n#Version: 8.1.240.6\r\n#Log-type: Message Tracking Log\r\n"
          "#Date: 2026-01-05T08:00:00.000Z\r\n#Fields: " + LOG_FIELDS + "\r\n")  # fmt: skip


def submit(n: int, t: str, subject: str = "s", size: int = 3750195, count: int = 1) -> str:
    """A SUBMIT as the simulator writes it: server-hostname the Hub notified, size and recipients stated."""
    return (f"2026-01-05T{t}Z,,,10.0.0.4,HUB1,,,STOREDRIVER,SUBMIT,{n},<m{n}@MBX1>,u{n}@contoso.com,,{size},{count},,,"
            f"{subject},a@contoso.com,a@contoso.com,2026-01-05T{t}Z")  # fmt: skip


def write(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / "MBX1" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(r + "\r\n" for r in rows), encoding="utf-8", newline="")
    return path


def read_all(path: Path) -> tuple[list[list[str]], RowReader]:
    reader = RowReader()
    return [fields for _t, fields, _c, _ in reader.rows(log_file(path))], reader


def test_stray_quotes_in_two_consecutive_rows_read_both_rows(tmp_path):
    path = write(tmp_path, "MSGTRKM20260105-1.LOG",
                 [submit(1, "08:00:00.000", 'a 5" disk'), submit(2, "08:00:01.000", 'and 3" more'),
                  submit(3, "08:00:02.000")])  # fmt: skip
    rows, reader = read_all(path)
    assert [r[17] for r in rows] == ['a 5" disk', 'and 3" more', "s"] and reader.problem_count == 0


def test_a_stray_quote_affects_only_its_own_row(tmp_path):
    """Line 6 opens a quoted field it never closes; lines 7 to 31 (25 rows) are read, line 6 alone is a problem."""
    rows = [submit(1, "08:00:00.000", '"never closed')] + [submit(n, f"08:{n:02d}:00.000") for n in range(2, 27)]
    path = write(tmp_path, "MSGTRKM20260105-1.LOG", rows)
    read, reader = read_all(path)
    assert len(read) == 25 and reader.problem_count == 1
    assert [p.line for p in reader.problems] == [6] and reader.problems[0].reason == "a quoted field is never closed"


def test_a_quoted_field_over_a_line_break_still_joins_the_next_line(tmp_path):
    path = write(tmp_path, "MSGTRKM20260105-1.LOG", [submit(1, "08:00:00.000", '"line one,\r\nline two"'),
                                                      submit(2, "08:01:00.000")])  # fmt: skip
    read, reader = read_all(path)
    assert [r[17] for r in read] == ["line one,\nline two", "s"] and reader.problem_count == 0


def test_mailbox_server_logs_alone_calibrate(tmp_path):
    """MBX1's SUBMITs name HUB1 (a Hub of its site, DOMAIN.md 1.1) and state size and recipients."""
    write(tmp_path, "MSGTRKM20260105-1.LOG", [submit(1, "08:00:00.000", count=2), submit(2, "09:00:00.000")])
    calibration = sim.calibrate(tmp_path)
    roles = {s.name: s.roles for s in calibration.organisation.servers.values()}
    assert roles == {"MBX1": ("mailbox",), "HUB1": ("hub",)}
    assert calibration.entry_source == "SUBMIT" and calibration.recipients.counts == {1: 1, 2: 1}
    text = scenario_text(calibration)
    assert "No message's end is in the logs" in text
    # every message is 3,750,195 bytes = 3662.3 KB: the median too (it was 3657.1 KB, a bin's middle)
    assert "mean 3662.3 KB, median 3662.3 KB" in text


def test_the_median_and_quantiles_of_identical_values_are_that_value():
    bins = LogBins(1.0, fit=True)
    bins.add_many(np.full(7, 3750195.0))
    assert [bins.quantile(p) for p in (0.01, 0.5, 0.99)] == [3750195.0] * 3


def test_one_definition_of_the_busiest_hour():
    """Monday 09:00 10 and Tuesday 09:00 50 submissions over a whole hour each: hour 9 runs at 60 / 2 h = 30/h;
    Monday 10:00 30 in the half hour observed: 60/h. The busiest hour of the day is 10:00 (60/h), although the
    calendar hour with the most submissions is Tuesday 09:00."""
    counts, exposure = [0] * 168, [0.0] * 168
    for cell, n, seconds in ((9, 10, 3600.0), (24 + 9, 50, 3600.0), (10, 30, 1800.0)):
        counts[cell], exposure[cell] = n, seconds
    assert Curve(counts, exposure, (0.0, 1.0)).busiest() == (10, pytest.approx(60.0))


def test_durations_are_exact(tmp_path):
    """Submissions from 08:30:00.000 to 10:29:00.000: 1 h 59 min from 08:30 (it was 3 h from 08:00)."""
    write(tmp_path, "MSGTRKM20260105-1.LOG", [submit(1, "08:30:00.000"), submit(2, "10:29:00.000")])
    text = scenario_text(sim.calibrate(tmp_path))
    assert "start_of_day: 8h30m\n" in text and "duration: 1h59m  #" in text


def test_logs_without_a_mailbox_server_say_what_they_hold(tmp_path):
    sample = ROOT / "tests" / "data" / "calibrate" / "e2010" / "EDGE1"
    with pytest.raises(CalibrationError) as raised:
        sim.calibrate(sample)
    message = str(raised.value)
    assert "found: EDGE1 (edge)" in message and "Edges'" not in message


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "calibrate", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip


def test_bad_input_through_the_command_line_is_exit_2_and_one_line(tmp_path):
    """A log whose every row is malformed; logs with no Mailbox server (another kind of log given by path:
    test_calibrate_real_logs; in-process: test_calibrate_bad_logs)."""
    broken = write(tmp_path / "b", "MSGTRKM20260105-1.LOG", ['2026-01-05T08:00:00.000Z,"x', "2026-01-05T08:00:01.000Z,a",
                                                              submit(3, "25:00:00.000")])  # fmt: skip
    edge = ROOT / "tests" / "data" / "calibrate" / "e2010" / "EDGE1"
    for given, says in ((broken.parent.parent, "hold no event rows (1 files, 3 malformed lines)"),
                        (edge, "the logs show no Mailbox server")):  # fmt: skip
        done = _cli(str(given), "--out", str(tmp_path / "o.yaml"))
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1 and says in done.stderr and done.stdout == ""


def test_the_terminal_names_the_first_malformed_lines(tmp_path, capsys):
    """Lines 6 (a quote never closed), 8 (too few fields), 9, 10 (no such hour): four problems, three named."""
    rows = [submit(1, "08:00:00.000", '"open'), submit(2, "08:30:00.000"), submit(3, "08:40:00.000").rsplit(",", 2)[0],
            submit(4, "25:00:00.000"), submit(5, "26:00:00.000"), submit(6, "09:30:00.000")]  # fmt: skip
    path = write(tmp_path, "MSGTRKM20260105-1.LOG", rows)
    from sim.cli import main

    assert main(["calibrate", str(tmp_path), "--out", str(tmp_path / "o.yaml")]) == 0
    out = capsys.readouterr().out
    assert "4 malformed lines skipped" in out and f"  skipped: {path}, line 6: a quoted field is never closed" in out
    assert f"  skipped: {path}, line 8: 19 fields where the #Fields: line names 21" in out
    assert f"  skipped: {path}, line 9: date-time is not" in out and "line 10" not in out
    assert "  and 1 more (the report names up to 50)" in out


def test_a_run_too_thin_to_read_back_leaves_the_report_without_the_comparison(tmp_path, monkeypatch):
    from sim.calibrate import workflow

    def thin(*_args, **_kwargs):
        raise CalibrationError("the mail in the logs spans 0 s")

    monkeypatch.setattr(workflow, "simulate", thin)
    write(tmp_path, "MSGTRKM20260105-1.LOG", [submit(1, "08:00:00.000"), submit(2, "09:00:00.000")])
    outcome = workflow.run_calibration([tmp_path], tmp_path / "o.yaml", report=tmp_path / "r.html")
    assert outcome.rows == [] and (tmp_path / "r.html").exists()
    assert "The calibrated scenario's run is not compared: its own logs: the mail in the logs spans 0 s." in (
        outcome.summary()
    )
