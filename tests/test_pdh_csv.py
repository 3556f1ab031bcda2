"""The PDH-CSV 4.0 file relog writes (sim.formats.pdh_csv): read a file written by hand in relog's layout, write
one and read it back, refuse what is not one with the file and line."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from sim.formats.pdh_csv import CounterPath, NotAPerfmonLog, PerfmonLog, read_pdh_csv, write_pdh_csv

# relog -f csv output, in its layout: all fields quoted, CRLF, bias in minutes (Pacific: UTC-8 = 480), a single
# space where a counter had no value.
RELOG = (
    '"(PDH-CSV 4.0) (Pacific Standard Time)(480)","\\\\HUB01\\Processor(_Total)\\% Processor Time",'
    '"\\\\HUB01\\MSExchangeTransport Queues(_total)\\Aggregate Delivery Queue Length (All Queues)"\r\n'
    '"03/01/2008 09:00:00.000","12.5","0"\r\n'
    '"03/01/2008 09:00:15.000"," ","7"\r\n'
    '"03/01/2008 09:00:30.000","25.25","14"\r\n'
)


def test_a_relog_file_reads_with_its_zone_paths_and_missing_values(tmp_path):
    path = tmp_path / "hub.csv"
    path.write_bytes(RELOG.encode("ascii"))
    log = read_pdh_csv(path)
    assert (log.zone, log.bias_minutes) == ("Pacific Standard Time", 480)
    cpu = CounterPath("HUB01", "Processor", "_Total", "% Processor Time")
    queue = CounterPath("HUB01", "MSExchangeTransport Queues", "_total", "Aggregate Delivery Queue Length (All Queues)")
    assert list(log.columns) == [cpu, queue]
    assert log.times[1] == datetime(2008, 3, 1, 9, 0, 15)
    assert log.utc_times()[0] == datetime(2008, 3, 1, 17, 0, 0)  # 09:00 PST is 17:00 UTC
    assert log.columns[cpu][0] == 12.5 and math.isnan(log.columns[cpu][1]) and log.columns[cpu][2] == 25.25
    assert log.columns[queue] == [0.0, 7.0, 14.0]
    assert list(log.find(object="processor", counter="% processor time")) == [cpu]  # Windows ignores case


def test_written_as_relog_writes_and_read_back(tmp_path):
    cpu = CounterPath("HUB01", "Processor", "_Total", "% Processor Time")
    log = PerfmonLog([datetime(2008, 3, 1, 9, 0, 0), datetime(2008, 3, 1, 9, 0, 15)], {cpu: [12.5, math.nan]})
    path = write_pdh_csv(tmp_path / "out.csv", log)
    raw = path.read_bytes()
    assert raw.startswith(b'"(PDH-CSV 4.0) (Coordinated Universal Time)(0)","\\\\HUB01\\Processor(_Total)\\')
    assert b'\r\n"03/01/2008 09:00:15.000"," "\r\n' in raw
    again = read_pdh_csv(path)
    assert again.times == log.times and again.columns[cpu][0] == 12.5 and math.isnan(again.columns[cpu][1])


def test_a_bom_is_read_too(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + RELOG.encode("ascii"))
    assert read_pdh_csv(path).bias_minutes == 480


@pytest.mark.parametrize(
    "text, where",
    [
        ("Date,Value\r\n1,2\r\n", "line 1"),  # not a PDH header
        (RELOG + '"03/01/2008 09:00:45.000","1"\r\n', "line 5"),  # one value short
        (RELOG + '"yesterday","1","2"\r\n', "line 5"),
        ('"(PDH-CSV 4.0) (UTC)(0)","not a path"\r\n', "not a counter path"),
    ],
)
def test_what_is_not_a_relog_file_is_refused_naming_file_and_line(tmp_path, text, where):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="ascii", newline="")
    with pytest.raises(NotAPerfmonLog, match=r"bad\.csv") as caught:
        read_pdh_csv(path)
    assert where in str(caught.value) and "\n" not in str(caught.value)
