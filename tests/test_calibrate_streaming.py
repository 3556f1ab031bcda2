"""Streaming: memory while reading 2 million generated log lines stays under 300 MB; what the pass remembers
is bounded by a day of mail; clock skew between servers; rates per weekday from two weeks of logs.

The generated logs (`write_days`, also used by benchmarks/bench_calibrate.py): one day of mail is built
once as text, then copied to each day with its dates changed (the day is in each message-id, so every
message-id is unique), one folder per server as Exchange keeps them.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import LOG_FIELDS as FIELDS

import sim
from sim.calibrate.clock import LocalClock
from sim.calibrate.fold import run
from sim.calibrate.tally import USED_FIELDS, Stream, Tally
from sim.formats.tracking_find import find_logs
from sim.formats.tracking_read import RowReader

HEADER = ("\ufeff#Software: Microsoft Exchange Server\r\n#Version: 8.1.240.6\r\n#Log-type: Message Tracking Log\r\n"
          "#Date: {day}T00:00:00.000Z\r\n#Fields: " + FIELDS + "\r\n")  # fmt: skip
LINES_PER_MESSAGE = 3  # SUBMIT on the Mailbox server, RECEIVE and DELIVER on the Hub


def _day(messages: int) -> tuple[str, str]:
    """(Mailbox server text, Hub text) of one day, date 2026-01-01, message-ids <N.2026-01-01@contoso.com>."""
    mailbox, hub = [], []
    for i in range(messages):
        s = i * 86400 // messages
        stamp = f"2026-01-01T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{i % 999:03d}Z"
        later = f"2026-01-01T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{i % 999 + 1:03d}Z"  # delivered 1 ms on
        mid = f"<{i:07d}.2026-01-01@contoso.com>"  # the day in it keeps message-ids unique across days
        to = f"user{(i * 7919) % 20000}@contoso.com;user{(i * 104729) % 20000}@contoso.com"
        size = 1000 + (i * 7717) % 90000
        mailbox.append(f"{stamp},,,10.0.0.3,HUB1,,,STOREDRIVER,SUBMIT,{i},{mid},{to},,{size},2,,,"
                       f"Message {i},user{i % 20000}@contoso.com,user{i % 20000}@contoso.com,{stamp}\r\n")  # fmt: skip
        hub.append(f"{stamp},10.0.0.5,MBX1,,,,,STOREDRIVER,RECEIVE,{i},{mid},{to},,{size},2,,,Message {i},"
                   f"user{i % 20000}@contoso.com,user{i % 20000}@contoso.com,{stamp}\r\n")  # fmt: skip
        hub.append(f"{later},,,10.0.0.5,MBX1,,,STOREDRIVER,DELIVER,{i},{mid},{to},,{size},2,,,Message {i},"
                   f"user{i % 20000}@contoso.com,user{i % 20000}@contoso.com,{stamp}\r\n")  # fmt: skip
    return "".join(mailbox), "".join(hub)


def write_days(folder: Path, lines: int, days: int = 30) -> int:
    """Write about `lines` event lines over `days` days (MBX1 and HUB1); returns the lines written."""
    per_day = lines // (days * LINES_PER_MESSAGE)
    mailbox, hub = _day(per_day)
    for server in ("MBX1", "HUB1"):
        (folder / server).mkdir(parents=True, exist_ok=True)
    for d in range(days):
        day = (date(2026, 1, 1) + timedelta(days=d)).isoformat()
        for server, prefix, text in (("MBX1", "MSGTRKM", mailbox), ("HUB1", "MSGTRK", hub)):
            body = text.replace("2026-01-01", day)
            path = folder / server / f"{prefix}{day.replace('-', '')}-1.LOG"
            path.write_text(HEADER.format(day=day) + body, encoding="utf-8", newline="")
    return per_day * LINES_PER_MESSAGE * days


# -- the tests ---------------------------------------------------------------------------------------------

MEMORY_LIMIT_MB = 300
# The child's own peak: VmHWM of its address space. Not ru_maxrss: Linux carries the parent's peak across fork
# and exec into it (pytest itself may be 300 MB by then).
PEAK = ("import re, sys, sim; c = sim.calibrate(sys.argv[1]); "
        "print(c.rows, re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))")  # fmt: skip


def test_two_million_lines_are_read_in_under_300_mb(tmp_path):
    """The issue's figure: memory while reading 2 million generated log lines stays under 300 MB (peak
    resident memory of a fresh process, imports included; benchmarks/bench_calibrate.py sets it beside the
    whole-table reader)."""
    lines = write_days(tmp_path, 2_000_000)
    done = subprocess.run([sys.executable, "-c", PEAK, str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows, peak_kib = map(int, done.stdout.split())
    assert rows == lines >= 1_999_000
    assert peak_kib / 1024 < MEMORY_LIMIT_MB


def test_entries_are_forgotten_after_a_day_so_memory_follows_one_day(tmp_path, monkeypatch):
    """Entries live 12 to 24 hours of log time (two generations swapped every 12 hours, at slice ends: with
    64-row batches a slice is about 1.5 hours here)."""
    monkeypatch.setattr(Stream, "batch", 64)
    write_days(tmp_path, 30_000, days=10)  # 1,000 messages a day, spread evenly
    tally = Tally(find_logs([tmp_path]), LocalClock())
    run(tally, RowReader(required=USED_FIELDS))
    remembered = len(tally.origins) + len(tally.older)
    assert 500 <= remembered <= 1_000 + 64  # between 12 and 24 hours of entries (and a slice), never ten days
    assert sum(tally.outcomes.values()) == 2 * 10_000  # yet every delivery found its entry in time
    assert (-3, 0) not in tally.outcomes


def test_a_hub_clock_minutes_behind_still_finds_each_entry(tmp_path, monkeypatch):
    """A DELIVER logged before its SUBMIT because the Hub's clock is behind: its entry is waited for 5 minutes
    of log time (the most Kerberos lets clocks differ), no longer. One row a batch, so the two servers' rows
    interleave row by row."""
    monkeypatch.setattr(Stream, "batch", 1)
    header = HEADER.format(day="2026-01-01").lstrip("\ufeff")
    submit = "2026-01-01T{t}.000Z,,,,MBX1,,,STOREDRIVER,SUBMIT,1,<{i}@x>,,,,,,,s,a@x,a@x,\r\n"
    deliver = "2026-01-01T{t}.500Z,,,,MBX1,,,STOREDRIVER,DELIVER,1,<{i}@x>,b{i}@contoso.com,,100,1,,,s,a@x,a@x,\r\n"
    (tmp_path / "MBX1").mkdir()
    (tmp_path / "HUB1").mkdir()
    (tmp_path / "MBX1" / "MSGTRKM20260101-1.LOG").write_text(
        header + "".join(submit.format(t=t, i=i) for i, t in ((1, "08:10:00"), (2, "09:03:00"), (3, "09:30:00")))
    )
    (tmp_path / "HUB1" / "MSGTRK20260101-1.LOG").write_text(  # message 2 three minutes early, 3 twenty, 4 never
        header + "".join(deliver.format(t=t, i=i) for i, t in ((1, "08:10:00"), (2, "09:00:00"), (3, "09:10:00"),
                                                                (4, "09:20:00"))))  # fmt: skip
    calibration = sim.calibrate(tmp_path)
    assert calibration.shares["all"].in_site == 2  # messages 1 and 2
    assert calibration.unknown_origin == 2  # 3: twenty minutes, more than clocks can differ; 4: no SUBMIT at all


def test_two_weeks_give_a_rate_for_each_weekday_and_server(tmp_path):
    write_days(tmp_path, 42_000, days=14)  # 1,000 messages a day, evenly spread, from Thursday 2026-01-01
    calibration = sim.calibrate(tmp_path)
    weekday = calibration.submissions.weekday()
    assert weekday == pytest.approx([1000] * 7, rel=0.002)  # each weekday seen twice, 1,000 a day
    (mailbox,) = calibration.mailbox_servers
    assert (mailbox.name, mailbox.source) == ("MBX1", "SUBMIT")
    assert mailbox.curve.weekday() == pytest.approx([1000] * 7, rel=0.002)
    assert calibration.submissions.per_day() == pytest.approx(1000, rel=0.002)
    assert calibration.busiest_hour[1] in (41, 42)  # 1,000 a day spread evenly: 41 or 42 in any hour
