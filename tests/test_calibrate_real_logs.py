"""Logs in the shapes real Exchange 2007 to 2016 servers write (tests/data/calibrate/real, README there) are read
whole, each file by the names of its own #Fields: line, and what the 2007 model does not use is reported per file.

Expected values are counted by hand from the fixture files:
e2007/EX2007 (one server, Mailbox and Hub roles), 14 rows: 3 SUBMITs (12:29:07.390, 12:41:10.125, 13:05:00.000),
  A1 2 recipients 4,000 bytes delivered 12:29:08.400; B1 from mail.example.org received 12:35:00.000
  (message-info 12:34:59.000), delivered 12:35:00.600; A2 1 recipient 9,000 bytes sent to mx.example.net
  12:41:12.500; A3 1 recipient 2,500 bytes, FAIL 550 5.1.1; a TRANSFER, a DSN and a RESOLVE.
migration (one organisation on 2016-04-05), 48 rows: E14MBX 4 (NOTIFYMAPI, 3 SUBMIT naming E14HUB), E14HUB 8,
  E15 and E16 18 each (MSGTRKMS 5, MSGTRK 11, MSGTRKMD 2).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.calibrate import CalibrationError, scenario_text
from sim.formats.tracking_find import find_logs

REAL = Path(__file__).parent / "data" / "calibrate" / "real"


@pytest.fixture(scope="module")
def e2007():
    return sim.calibrate(REAL / "e2007")


@pytest.fixture(scope="module")
def migration():
    return sim.calibrate(REAL / "migration")


def test_an_exchange_2007_single_server_is_read_whole(e2007):
    assert (e2007.files, e2007.rows, e2007.problem_count) == (2, 14, 0)
    [server] = e2007.organisation.servers.values()
    assert (server.name, server.roles) == ("EX2007", ("mailbox", "hub"))
    # SUBMIT leaves recipients and size empty in 2007: they come from the three STOREDRIVER RECEIVEs
    assert e2007.entry_source == "STOREDRIVER RECEIVE" and e2007.recipients.counts == {1: 2, 2: 1}
    assert e2007.sizes.n == 3 and e2007.sizes.mean == pytest.approx((4000 + 9000 + 2500) / 3)
    assert e2007.sizes.quantile(0.5) == pytest.approx(4000, rel=0.01)  # 1% bins (sim.calibrate.histograms)
    shares = e2007.shares["all"]
    assert (shares.in_site, shares.other_sites, shares.internet, shares.ndr) == (2, 0, 1, 1)
    assert e2007.ndr_codes == {"5.1.1": 1} and e2007.unknown_share == pytest.approx(0.25)
    latency = {path: bins.quantile(0.5) for path, bins in e2007.latency.items()}
    assert latency == pytest.approx({"SITE1 -> SITE1": 1.010, "Internet -> SITE1": 1.600, "SITE1 -> Internet": 2.375},
                                    rel=0.01)  # fmt: skip
    assert e2007.other_events == {"RESOLVE": 1}


def test_durations_are_exact_to_the_minute_and_a_thin_hour_is_not_called_absent(e2007):
    text = scenario_text(e2007)
    # first submission 12:29:07.390, last entry 13:05:00.500 (A3's STOREDRIVER RECEIVE): 12:29 to 13:06
    assert "start_of_day: 12h29m\n" in text and "duration: 37m  #" in text
    # hour 13 holds one SUBMIT but only 13:00:00 to 13:05:00.500 of it: 300.5 s, under the 10 minutes a rate needs
    assert "# 13:00  1.000  1 submission in the 5m0.5s of it the logs cover, too little for a rate" in text
    assert "# 14:00  1.000  not in the logs: the mean weight" in text


def test_a_folder_mixing_2010_2013_and_2016_reads_every_file_by_its_field_names(migration):
    assert (migration.files, migration.rows, migration.problem_count) == (8, 48, 0)
    roles = {s.name: s.roles for s in migration.organisation.servers.values()}
    assert roles == {"E14HUB": ("hub",), "E14MBX": ("mailbox",), "E15": ("mailbox", "hub"), "E16": ("mailbox", "hub")}
    # in the sender's site: M2's 2 (E14), gina and hans, ida on E15 and on E16 (3 each); M4 to the Internet
    shares = migration.shares["all"]
    assert (shares.in_site, shares.internet, shares.ndr) == (8, 1, 0)
    # the recipients of the 7 STOREDRIVER RECEIVEs: M2 2, M3 1, M4 1, and on E15 and E16 1 and 3
    assert migration.recipients.counts == {1: 4, 2: 1, 3: 2}
    notes = {line.split(": ", 1)[0].rsplit("/", 2)[-2] + "/" + line.split(": ", 1)[0].rsplit("/", 1)[-1]:
             line.split(": ", 1)[1] for line in migration.files_read}  # fmt: skip
    assert notes["E14HUB/MSGTRK20160405-35.LOG"].startswith("Exchange 2010 field list (26 fields)")
    assert notes["E15/MSGTRK2016040509-1.LOG"].startswith("Exchange 2013 field list (27 fields)")
    assert notes["E16/MSGTRKMS2016040509-1.LOG"].startswith("Exchange 2016 field list (30 fields)")
    assert notes["E16/MSGTRK2016040509-1.LOG"].endswith(
        "7 rows of events the model does not use (AGENTINFO 2, DROP 1, HAREDIRECT 2, HAREDIRECTFAIL 1, SENDEXTERNAL 1)"
    )
    assert "9 fields later than Exchange 2007, not used (network-message-id," in notes["E16/MSGTRKMD2016040509-1.LOG"]


def test_unknown_fields_and_events_are_counted_not_refused(tmp_path):
    source = (REAL / "migration" / "E16" / "MSGTRKMD2016040509-1.LOG").read_text(encoding="utf-8-sig")
    head, _, rows = source.partition("#Fields: ")
    fields, _, rows = rows.partition("\n")
    rows = rows.replace(",STOREDRIVER,DELIVER,", ",STOREDRIVER,FROBNICATE,", 1)
    text = head + "#Fields: " + fields.rstrip("\r") + ",x-future-field\r\n"
    text += "".join(line + ",42\r\n" for line in rows.splitlines() if line)
    (tmp_path / "E16").mkdir()
    (tmp_path / "E16" / "MSGTRKMD2016040509-1.LOG").write_text(text, encoding="utf-8")
    calibration = sim.calibrate(tmp_path)  # the DELIVER left names E16 as Mailbox server: a scenario still
    assert calibration.rows == 2 and calibration.problem_count == 0
    [note] = calibration.files_read
    assert note.split(": ", 1)[1] == (
        "a field list of no one version (31 fields, read by name); 9 fields later than Exchange 2007, not used "
        "(network-message-id, directionality, tenant-id, original-client-ip, original-server-ip, custom-data, "
        "transport-traffic-type, log-id, schema-version); 1 unknown fields, not used (x-future-field); 1 rows of "
        "events the model does not use (FROBNICATE 1); 1 of them of unknown events (FROBNICATE)"
    )


def test_mailbox_logs_alone_say_that_no_end_is_logged_and_keep_the_default_sizes():
    """E14MBX alone: 3 SUBMITs naming E14HUB (so a site with a Hub), no size stated, no message's end."""
    calibration = sim.calibrate(REAL / "migration" / "E14MBX")
    roles = {s.name: s.roles for s in calibration.organisation.servers.values()}
    assert roles == {"E14MBX": ("mailbox",), "E14HUB": ("hub",)}
    assert calibration.entry_source == "" and calibration.ends == 0
    text = scenario_text(calibration)
    assert "No message's end is in the logs" in text and "\n  size:" not in text and "\n  recipients:" not in text


def test_a_file_given_by_path_is_read_by_its_log_type_whatever_its_name(tmp_path):
    renamed = tmp_path / "EX2007" / "tracking-export.log"
    renamed.parent.mkdir()
    renamed.write_bytes((REAL / "e2007" / "EX2007" / "MSGTRK20100419-1.LOG").read_bytes())
    assert [log.path for log in find_logs([renamed])] == [renamed]
    assert [log.path for log in find_logs([tmp_path])] == [renamed]  # in a folder too
    other = tmp_path / "EX2007" / "RECV20100419-1.LOG"
    other.write_text("#Software: Microsoft Exchange Server\r\n#Log-type: SMTP Receive Protocol Log\r\n")
    with pytest.raises(ValueError, match="found 1 SMTP Receive Protocol Log instead"):
        find_logs([other])


def test_hourly_file_names_of_2013_and_later_keep_their_prefix():
    """MSGTRKMS2016040509-1.LOG: Mailbox Transport Submission's log of the hour 09 (MSGTRK + MS + yyyymmddhh)."""
    logs = find_logs([REAL / "migration" / "E16"])
    assert [(log.prefix, log.day, log.sequence) for log in logs] == [
        ("MSGTRK", "2016040509", 1), ("MSGTRKMD", "2016040509", 1), ("MSGTRKMS", "2016040509", 1)]  # fmt: skip


def test_a_server_logging_only_events_the_model_does_not_use_has_no_role(tmp_path):
    """The E16 Mailbox Transport Submission log cut to its NOTIFYMAPI row: no SUBMIT, RECEIVE, SEND or DELIVER."""
    lines = (REAL / "migration" / "E16" / "MSGTRKMS2016040509-1.LOG").read_text(encoding="utf-8-sig").splitlines()
    (tmp_path / "E16").mkdir()
    (tmp_path / "E16" / "MSGTRKMS2016040509-1.LOG").write_text("\r\n".join(lines[:6]) + "\r\n", encoding="utf-8")
    with pytest.raises(CalibrationError, match=r"found: E16 \(no transport event\)"):
        sim.calibrate(tmp_path)
