"""Bad logs (issue 13, point 4): a malformed line is counted and named by file and line number, never fatal
unless --strict; a folder with no tracking logs, or another kind of log in place of one, is one clear line
and exit status 2, with no traceback. A byte-order mark, mixed line ends and an empty file are no problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LOG_FIELDS as FIELDS

import sim
from sim.calibrate import CalibrationError
from sim.cli import main

HEADER = ("#Software: Microsoft Exchange Server\r\n#Version: 8.1.240.6\r\n#Log-type: Message Tracking Log\r\n"
          "#Date: 2026-01-05T08:00:00.000Z\r\n#Fields: " + FIELDS + "\r\n")  # fmt: skip


def receive(n: int, t: str = "08:00:00.100", subject: str = "s") -> str:
    return (f"2026-01-05T{t}Z,10.0.0.5,MBX1,,,,,STOREDRIVER,RECEIVE,{n},<m{n}@x>,u{n}@contoso.com,,1000,1,,,"
            f"{subject},a@contoso.com,a@contoso.com,2026-01-05T08:00:00.000Z")  # fmt: skip


def deliver(n: int) -> str:
    return (f"2026-01-05T08:00:00.900Z,,,10.0.0.5,MBX1,,,STOREDRIVER,DELIVER,{n},<m{n}@x>,u{n}@contoso.com,,1000,1,,,"
            f"s,a@contoso.com,a@contoso.com,2026-01-05T08:00:00.000Z")  # fmt: skip


def write(folder: Path, server: str, text: str | bytes, name: str = "MSGTRK20260105-1.LOG") -> Path:
    path = folder / server / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.fixture
def damaged(tmp_path) -> tuple[Path, Path]:
    """HUB1's log: a BOM, then lines 6-13 with CRLF, LF and CR ends, good and malformed."""
    lines = [
        (receive(1), "\r\n"),  # 6 good
        (deliver(1), "\n"),  # 7 good, LF
        (receive(2).rsplit(",", 1)[0], "\r"),  # 8 one field short, CR
        (receive(3, t="25:00:00.000"), "\r\n"),  # 9 no such hour
        (receive(4).replace(",1000,", ",12kB,", 1), "\r\n"),  # 10 total-bytes not a whole number
        (receive(5, t="08:30:00.000", subject='"Budget, Q3 ""final"""'), "\r\n"),  # 11 good: quoted, doubled quotes
        (receive(6).replace("u6@", "u\x006@"), "\r\n"),  # 12 NUL bytes
        (receive(7, subject='"never closed'), "\r\n"),  # 13 the quote runs to the end of the file
    ]
    text = "\ufeff" + HEADER + "".join(line + end for line, end in lines)
    return tmp_path, write(tmp_path, "HUB1", text)


def test_malformed_lines_are_counted_and_named_and_the_rest_is_read(damaged):
    folder, path = damaged
    calibration = sim.calibrate(folder)
    assert calibration.rows == 3  # lines 6, 7 and 11
    assert calibration.problems == [
        f"{path}, line 8: 20 fields where the #Fields: line names 21",
        f"{path}, line 9: date-time is not a date and time such as 2026-01-05T08:00:00.000Z",
        f"{path}, line 10: total-bytes is not a whole number",
        f"{path}, line 12: NUL bytes in the line (a damaged or partly written file)",
        f"{path}, line 13: a quoted field is never closed",
    ]
    assert calibration.problem_count == 5 and calibration.lines == 13
    assert calibration.recipients.n == 2  # the RECEIVEs of lines 6 and 11


def test_the_report_names_each_malformed_line_and_the_run_goes_on(damaged, tmp_path, capsys):
    folder, path = damaged
    out, report = tmp_path / "out.yaml", tmp_path / "report.html"
    assert main(["calibrate", str(folder), "--out", str(out), "--report", str(report), "--no-run"]) == 0
    assert "5 malformed lines skipped" in capsys.readouterr().out
    page = report.read_text()
    assert f"{path}, line 12: NUL bytes" in page and "5 malformed lines skipped:" in page


def test_strict_stops_at_the_first_malformed_line_with_exit_2(damaged, tmp_path, capsys):
    folder, path = damaged
    assert main(["calibrate", str(folder), "--out", str(tmp_path / "o.yaml"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert err == f"exsim: calibrate: {path}, line 8: 20 fields where the #Fields: line names 21 " \
                  "(--strict stops at the first malformed line)\n"  # fmt: skip


def test_byte_order_marks_and_mixed_line_ends_read_every_row(tmp_path):
    """Two logs joined end to end (each with its BOM and header), CRLF, LF and CR ends mixed."""
    one = "\ufeff" + HEADER + receive(1) + "\r\n" + deliver(1) + "\n"
    two = "\ufeff" + HEADER + receive(2, t="08:10:00.000") + "\r" + deliver(2) + "\r\n"
    write(tmp_path, "HUB1", one + two)
    calibration = sim.calibrate(tmp_path)
    assert (calibration.rows, calibration.problem_count, calibration.lines) == (4, 0, 14)
    assert calibration.shares["all"].in_site == 2


def test_an_empty_file_is_named_and_skipped_unless_strict(tmp_path, capsys):
    write(tmp_path, "HUB1", HEADER + receive(1) + "\r\n" + deliver(1) + "\r\n" + receive(2, t="09:00:00.000") + "\r\n")
    empty = write(tmp_path, "HUB2", b"")
    calibration = sim.calibrate(tmp_path)
    assert calibration.rows == 3 and calibration.problems == [f"{empty}: empty file (no header and no rows)"]
    assert main(["calibrate", str(tmp_path), "--out", str(tmp_path / "o.yaml"), "--strict"]) == 2
    assert capsys.readouterr().err.startswith(f"exsim: calibrate: {empty}: empty file")


def _exit_2_one_line(args: list[str], capsys) -> str:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "Traceback" not in captured.err
    return captured.err


def test_a_protocol_log_in_place_of_a_tracking_log_is_exit_2(tmp_path, capsys):
    write(tmp_path, "HUB1", HEADER + receive(1) + "\r\n")
    protocol = write(
        tmp_path, "HUB2",
        "#Software: Microsoft Exchange Server\r\n#Version: 8.1.240.6\r\n#Log-type: SMTP Receive Protocol Log\r\n"
        "#Date: 2026-01-05T08:00:00.000Z\r\n#Fields: date-time,connector-id,session-id,sequence-number,"
        "local-endpoint,remote-endpoint,event,data,context\r\n"
        "2026-01-05T08:00:00.000Z,HUB2\\Default HUB2,08CC1,0,10.0.0.4:25,10.0.0.9:1234,+,,\r\n",
    )  # fmt: skip
    err = _exit_2_one_line(["calibrate", str(tmp_path), "--out", str(tmp_path / "o.yaml")], capsys)
    assert err.startswith(
        f"exsim: calibrate: {protocol}: this is a SMTP Receive Protocol Log, not a Message Tracking Log"
    )
    assert not (tmp_path / "o.yaml").exists()


def test_another_products_log_under_a_tracking_log_name_is_exit_2(tmp_path, capsys):
    """An Exchange 2003 tracking log (tab-separated, no #Fields: line) renamed MSGTRK...: nothing to trust."""
    other = write(tmp_path, "EX2003", "# Message Tracking Log File\r\n# Exchange System Attendant Version 6.5.7638.1\r\n"
                  "# Date\tTime\tclient-ip\tClient-hostname\tPartner-Name\tServer-hostname\r\n"
                  "2003-4-19\t8:0:0 GMT\t10.0.0.5\tMBX1\t-\tHUB1\r\n")  # fmt: skip
    err = _exit_2_one_line(["calibrate", str(tmp_path), "--out", str(tmp_path / "o.yaml")], capsys)
    assert err.startswith(f"exsim: calibrate: {other}: no #Fields: header line before the first row")


def test_a_folder_without_tracking_logs_says_what_it_found_instead(tmp_path, capsys):
    write(tmp_path, "HUB1", "#Software: Microsoft Exchange Server\r\n#Log-type: SMTP Receive Protocol Log\r\n",
          name="RECV20260105-1.LOG")  # fmt: skip
    err = _exit_2_one_line(["calibrate", str(tmp_path), "--out", str(tmp_path / "o.yaml")], capsys)
    assert err == (f"exsim: calibrate: {tmp_path}: no message tracking logs (MSGTRK*.LOG); found 1 SMTP Receive "
                   "Protocol Log instead: give the MessageTracking folder of each server\n")  # fmt: skip
    err = _exit_2_one_line(["calibrate", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o.yaml")], capsys)
    assert "nowhere: no such file or folder" in err


def test_logs_with_only_header_lines_or_a_few_seconds_of_mail_are_exit_2(tmp_path, capsys):
    write(tmp_path, "HUB1", HEADER)
    err = _exit_2_one_line(["calibrate", str(tmp_path), "--out", str(tmp_path / "o.yaml")], capsys)
    assert "the tracking logs hold no event rows (1 files, 0 malformed lines)" in err
    write(tmp_path, "HUB1", HEADER + receive(1) + "\r\n" + deliver(1) + "\r\n")
    err = _exit_2_one_line(["calibrate", str(tmp_path), "--out", str(tmp_path / "o.yaml")], capsys)
    assert "the mail in the logs spans 0 s, too little to tell a rate" in err


@pytest.mark.parametrize(
    "option, text, expected",
    [
        ("--sites", "server,site\nHUB1\n", "line 2: expected 'server,site', e.g. SEA-HUB1,Seattle"),
        ("--sites", "server,site\nHUB1,Main\n", "no site for MBX1 (seen in the logs); add a line 'MBX1,SITE'"),
        ("--timezone", "Mars/Olympus_Mons", "--timezone: unknown time zone 'Mars/Olympus_Mons'"),
    ],
)
def test_bad_options_are_exit_2(tmp_path, capsys, option, text, expected):
    write(tmp_path, "HUB1", HEADER + receive(1) + "\r\n" + deliver(1) + "\r\n" + receive(2, t="09:00:00.000") + "\r\n")
    value = text
    if option == "--sites":
        value = str(tmp_path / "sites.csv")
        Path(value).write_text(text)
    err = _exit_2_one_line(["calibrate", str(tmp_path / "HUB1"), "--out", str(tmp_path / "o.yaml"), option, value],
                           capsys)  # fmt: skip
    assert expected in err


def test_the_python_api_raises_one_line_errors(tmp_path):
    with pytest.raises(CalibrationError, match="no message tracking logs"):
        sim.calibrate(tmp_path)


def test_a_quoted_field_may_hold_a_line_break_and_later_lines_keep_their_numbers(tmp_path):
    broken = receive(2, t="08:20:00.000", subject='"Line one,\r\nline two"')  # physical lines 7 and 8
    text = HEADER + receive(1) + "\r\n" + broken + "\r\n" + receive(3, t="08:40:00.000").rsplit(",", 1)[0] + "\r\n"
    path = write(tmp_path, "HUB1", text)
    calibration = sim.calibrate(tmp_path)
    assert calibration.rows == 2 and calibration.recipients.n == 2
    assert calibration.problems == [f"{path}, line 9: 20 fields where the #Fields: line names 21"]
