"""Message tracking logs: a hand-built raw event table of a two-site delivery with bifurcation goes through
format_log -> write_logs -> read_logs -> rebuild_deliveries, and every step is checked against values worked
out by hand (and, for the files, against Python's csv module as an independent parser)."""

from __future__ import annotations

import csv
import ipaddress
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from conftest import LOG_FIELDS
from tracking_rebuild import rebuild_deliveries

from sim.formats.session_id import session_id, session_start
from sim.formats.tracking_fields import FIELDS, INT_FIELDS
from sim.formats.tracking_find import find_logs
from sim.formats.tracking_format import format_log, ip_plan
from sim.formats.tracking_frame import read_logs
from sim.formats.tracking_read import MalformedLine, RowReader
from sim.formats.tracking_write import write_logs

START = datetime(2024, 3, 4, 23, 59, 59, 500000, tzinfo=timezone.utc)  # half a second before midnight UTC
ORG = {"SEA-MBX1", "SEA-MBX2", "SEA-HUB1", "LON-HUB1", "LON-MBX1"}
M1 = "<00000001@SEA-MBX1.contoso.com>"
M2 = "<CAFE0002@mx.fabrikam.com>"
NDR = "<NDR00001@SEA-HUB1.contoso.com>"
ALICE, BOB, CAROL, DAVE, NOBODY = (f"{u}@contoso.com" for u in ("alice", "bob", "carol", "dave", "nobody"))
EVE = "eve@fabrikam.com"
POSTMASTER = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com"
DEFER_STATUS = '451 4.4.0 Primary target IP address responded with: "421 4.2.1 Unable to connect, try later."'
INTRA = "Intra-Organization SMTP Send Connector"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def event(t, server, role, event_id, source, iid, message_id, recipients, **extra) -> dict:
    """One raw tracking event as the model gives it (defaults: message M1 from alice)."""
    row = {
        "time_s": t,
        "server": server,
        "role": role,
        "event_id": event_id,
        "source": source,
        "internal_message_id": iid,
        "message_id": message_id,
        "recipients": recipients,
        "recipient_status": "",
        "total_bytes": 5120,
        "sender": ALICE,
        "client_hostname": "",
        "server_hostname": "",
        "connector_id": "",
        "source_context": "",
        "reference": "",
        "related_recipient_address": "",
        "subject": "Hello, world",
        "original_time_s": 0.1,
    }
    row.update(extra)
    return row


# Rows deliberately out of order: format_log sorts by server, then time, then this order.
RAW_ROWS = [
    event(
        30.75,
        "LON-HUB1",
        "Hub",
        "RECEIVE",
        "SMTP",
        201,
        M1,
        [CAROL, DAVE],
        client_hostname="SEA-HUB1",
        connector_id="LON-HUB1\\Default LON-HUB1",
        source_context="08CA4E1D2B3C0001",
    ),  # 0
    event(
        0.1,
        "SEA-MBX1",
        "Mailbox",
        "SUBMIT",
        "STOREDRIVER",
        11,
        M1,
        [BOB, CAROL, DAVE, NOBODY],
        server_hostname="SEA-HUB1",
    ),  # 1
    event(
        0.25,
        "SEA-HUB1",
        "Hub",
        "RECEIVE",
        "STOREDRIVER",
        101,
        M1,
        [BOB, CAROL, DAVE, NOBODY],
        client_hostname="SEA-MBX1",
    ),  # 2
    event(0.3, "SEA-HUB1", "Hub", "FAIL", "ROUTING", 101, M1, [NOBODY], recipient_status="550 5.1.1 User unknown"),  # 3
    event(
        0.3,
        "SEA-HUB1",
        "Hub",
        "DSN",
        "DSN",
        102,
        NDR,
        [ALICE],
        reference=M1,
        sender=POSTMASTER,
        subject="Undeliverable: Hello, world",
        total_bytes=7168,
    ),  # 4
    event(0.4, "SEA-HUB1", "Hub", "TRANSFER", "ROUTING", 101, M1, [CAROL, DAVE], reference="103"),  # 5
    event(
        0.45,
        "SEA-HUB1",
        "Hub",
        "DELIVER",
        "STOREDRIVER",
        101,
        M1,
        [BOB],
        server_hostname="SEA-MBX2",
        recipient_status="250 2.1.5 Recipient OK",
    ),  # 6
    event(
        0.48,
        "SEA-HUB1",
        "Hub",
        "DEFER",
        "SMTP",
        103,
        M1,
        [CAROL, DAVE],
        connector_id=INTRA,
        recipient_status=DEFER_STATUS,
    ),  # 7
    event(
        30.6,
        "SEA-HUB1",
        "Hub",
        "SEND",
        "SMTP",
        103,
        M1,
        [CAROL, DAVE],
        server_hostname="LON-HUB1",
        connector_id=INTRA,
        recipient_status=f"250 2.6.0 {M1} Queued mail for delivery",
    ),  # 8
    event(31.0, "LON-HUB1", "Hub", "DELIVER", "STOREDRIVER", 201, M1, [CAROL, DAVE], server_hostname="LON-MBX1"),  # 9
    event(
        40.0,
        "LON-HUB1",
        "Hub",
        "RECEIVE",
        "SMTP",
        202,
        M2,
        [CAROL],
        client_hostname="mx.fabrikam.com",
        connector_id="LON-HUB1\\Default LON-HUB1",
        sender=EVE,
        subject='Re: "quarterly" numbers',
        total_bytes=2048,
        original_time_s=40.0,
    ),  # 10
    event(
        40.5,
        "LON-HUB1",
        "Hub",
        "DELIVER",
        "STOREDRIVER",
        202,
        M2,
        [CAROL],
        server_hostname="LON-MBX1",
        sender=EVE,
        subject='Re: "quarterly" numbers',
        total_bytes=2048,
        original_time_s=40.0,
    ),  # 11
]
# The raw rows each server's log holds, in log order (hand-sorted).
EXPECTED_ORDER = [0, 9, 10, 11, 2, 3, 4, 5, 6, 7, 8, 1]
EXPECTED_TIMES = {
    0: "2024-03-05T00:00:30.250Z",
    1: "2024-03-04T23:59:59.600Z",
    2: "2024-03-04T23:59:59.750Z",
    3: "2024-03-04T23:59:59.800Z",
    4: "2024-03-04T23:59:59.800Z",
    5: "2024-03-04T23:59:59.900Z",
    6: "2024-03-04T23:59:59.950Z",
    7: "2024-03-04T23:59:59.980Z",
    8: "2024-03-05T00:00:30.100Z",
    9: "2024-03-05T00:00:30.500Z",
    10: "2024-03-05T00:00:39.500Z",
    11: "2024-03-05T00:00:40.000Z",
}
EXPECTED_FILES = {  # relative path -> (#Date, raw rows in order)
    "LON-HUB1/MSGTRK20240305-1.LOG": ("2024-03-05T00:00:30.250Z", [0, 9, 10, 11]),
    "SEA-HUB1/MSGTRK20240304-1.LOG": ("2024-03-04T23:59:59.750Z", [2, 3, 4, 5, 6, 7]),
    "SEA-HUB1/MSGTRK20240305-1.LOG": ("2024-03-05T00:00:30.100Z", [8]),
    "SEA-MBX1/MSGTRKM20240304-1.LOG": ("2024-03-04T23:59:59.600Z", [1]),
}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.DataFrame(RAW_ROWS)


@pytest.fixture(scope="module")
def log(raw) -> pd.DataFrame:
    return format_log(raw, START, ORG)


@pytest.fixture(scope="module")
def written(log, tmp_path_factory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("tracking")
    return folder, write_logs(log, folder)


@pytest.fixture(scope="module")
def read_back(written) -> pd.DataFrame:
    return read_logs(written[0])


# -- format_log ----------------------------------------------------------------------------------


def test_fields_are_the_21_exchange_2007_fields_in_order():
    assert FIELDS == tuple(LOG_FIELDS.split(","))  # conftest spells the #Fields line out by hand


def test_format_log_columns_order_and_types(log):
    assert list(log.columns) == ["server", "role", *FIELDS]
    assert INT_FIELDS == ("internal-message-id", "total-bytes", "recipient-count")
    for name in INT_FIELDS:  # integers, blank (missing) where an event leaves them so
        assert str(log[name].dtype) == "Int64"
    for name in set(FIELDS) - set(INT_FIELDS):
        assert all(isinstance(v, str) for v in log[name]), name


def test_format_log_sorts_by_server_time_then_raw_order(log):
    assert log["server"].tolist() == [RAW_ROWS[i]["server"] for i in EXPECTED_ORDER]
    assert log["date-time"].tolist() == [EXPECTED_TIMES[i] for i in EXPECTED_ORDER]
    # FAIL and DSN share a millisecond: they keep the model's order
    sea = log[log["server"] == "SEA-HUB1"]
    assert sea["event-id"].tolist() == ["RECEIVE", "FAIL", "DSN", "TRANSFER", "DELIVER", "DEFER", "SEND"]


def test_format_log_fields(log):
    assert all(DATE_TIME.match(v) for v in log["date-time"])
    dsn = log[log["event-id"] == "DSN"].iloc[0]
    assert (dsn["reference"], dsn["recipient-address"], dsn["total-bytes"]) == (M1, ALICE, 7168)
    rest = log[log["event-id"] != "SUBMIT"]
    assert (rest["return-path"].astype(str) == rest["sender-address"].astype(str)).all()


def test_submit_row_is_the_published_2007_row(log):
    """The one published Exchange 2007 SUBMIT row (wallix/pylogsparser test data, MSGTRK20100419):
    `2010-04-19T12:29:07.390Z,10.10.14.73,WIN2K3DC,,WIN2K3DC,"MDB:ada3d2c3-..., Mailbox:68cf09c1-..., Event:1440,
    MessageClass:IPM.Note, CreationTime:2010-04-19T12:28:51.312Z, ClientType:User",,STOREDRIVER,SUBMIT,,<id>,,,,,,,
    Coucou !,user7@qa.ifr.lan,,` names the Mailbox server as client, the Hub as server (no server-ip), and leaves
    internal-message-id, the recipients, the size, return-path and message-info blank."""
    submit = log[log["event-id"] == "SUBMIT"].iloc[0]
    assert (submit["role"], submit["client-hostname"], submit["server-hostname"]) == ("Mailbox", "SEA-MBX1", "SEA-HUB1")
    assert submit["client-ip"].startswith("10.0.0.") and submit["server-ip"] == ""
    for name in ("recipient-address", "recipient-status", "return-path", "message-info", "connector-id"):
        assert submit[name] == "", name
    for name in INT_FIELDS:
        assert pd.isna(submit[name]), name
    assert (submit["message-subject"], submit["sender-address"]) == ("Hello, world", ALICE)
    guid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    created = "2024-03-04T23:59:59.600Z"  # START + original_time_s 0.1 s
    pattern = rf"MDB:{guid}, Mailbox:{guid}, Event:1, MessageClass:IPM\.Note, CreationTime:{created}, ClientType:User"
    assert re.fullmatch(pattern, submit["source-context"])


def test_receive_send_and_deliver_rows(log):
    """Hosts on each side, recipient-status and message-info per event (docs/exchange/tracking-log.md)."""
    rows = log.set_index(["server", "event-id", "message-id"], drop=False)
    store = rows.loc[("SEA-HUB1", "RECEIVE", M1)]
    assert (store["client-hostname"], store["server-hostname"]) == ("SEA-MBX1", "SEA-HUB1")
    assert (store["recipient-status"], store["message-info"], store["source-context"]) == ("To;To;To;To", "04I: ", "")
    smtp = log[(log["event-id"] == "RECEIVE") & (log["source"] == "SMTP")]
    assert smtp["server-hostname"].tolist() == ["LON-HUB1", "LON-HUB1"]
    assert smtp["client-hostname"].tolist() == ["SEA-HUB1", "mx.fabrikam.com"]
    assert (smtp["recipient-status"] == "").all() and (smtp["message-info"] == "0cI: ").all()
    # the receive session ids: the .NET ticks of START (100 ns since 0001-01-01) plus 1 and 2, LON-HUB1's sessions
    ticks = ((START - datetime(1, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)) * 10
    assert smtp["source-context"].tolist() == [f"{ticks + 1:016X}", f"{ticks + 2:016X}"] == [
        session_id(START, 1), session_id(START, 2)]  # fmt: skip
    send = rows.loc[("SEA-HUB1", "SEND", M1)]
    assert (send["client-hostname"], send["server-hostname"]) == ("SEA-HUB1", "LON-HUB1")
    assert send["client-ip"] != "" and send["server-ip"] != ""
    assert send["message-info"] == "2024-03-04T23:59:59.600Z"  # the original arrival time
    delivers = log[log["event-id"] == "DELIVER"]
    assert delivers["client-hostname"].tolist() == ["LON-HUB1", "LON-HUB1", "SEA-HUB1"]
    assert delivers["server-hostname"].tolist() == ["LON-MBX1", "LON-MBX1", "SEA-MBX2"]
    assert (delivers["client-ip"] == "").all() and (delivers["server-ip"] == "").all()
    assert delivers["message-info"].tolist() == ["2024-03-04T23:59:59.600Z", "2024-03-05T00:00:39.500Z",
                                                 "2024-03-04T23:59:59.600Z"]  # fmt: skip
    others = log[log["event-id"].isin(["FAIL", "DSN", "DEFER", "TRANSFER"])]
    assert (others["message-info"] == "").all()


def test_ips_are_stable_per_host_and_in_the_right_ranges(log, raw):
    org_net = ipaddress.ip_network("10.0.0.0/8")
    documentation = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
    pairs = pd.concat(
        [
            log[["client-hostname", "client-ip"]].set_axis(["host", "ip"], axis=1),
            log[["server-hostname", "server-ip"]].set_axis(["host", "ip"], axis=1),
        ]
    )
    assert not ((pairs["host"] == "") & (pairs["ip"] != "")).any()  # no address without a host
    pairs = pairs[pairs["ip"] != ""].drop_duplicates()
    assert pairs["host"].is_unique  # one address per host across the whole run
    assert pairs["ip"].is_unique
    hosts = dict(zip(pairs["host"], pairs["ip"]))
    assert set(hosts) == {"SEA-HUB1", "SEA-MBX1", "LON-HUB1", "mx.fabrikam.com"}  # DELIVER names no address
    for host, ip in hosts.items():
        address = ipaddress.ip_address(ip)
        assert address in org_net if host in ORG else any(address in net for net in documentation), (host, ip)
    again = format_log(raw, START, ORG)
    assert again[["client-ip", "server-ip"]].equals(log[["client-ip", "server-ip"]])


def test_ip_plan_knows_servers_by_fqdn_and_case():
    plan = ip_plan(["HUB1", "hub1.contoso.com", "MBX1", "smtp.isp.example", "mx.fabrikam.com", ""], {"HUB1", "MBX1"})
    assert plan["HUB1"] == plan["hub1.contoso.com"] == "10.0.0.1"
    assert plan["MBX1"] == "10.0.0.2"
    # hosts outside: after the 500 Internet senders' RFC 5737 addresses (254 in 192.0.2.0/24, then 198.51.100.x)
    assert plan["mx.fabrikam.com"] == "198.51.100.247" and plan["smtp.isp.example"] == "198.51.100.248"
    assert ip_plan(["mail1.example.com"], set()) == {"mail1.example.com": "192.0.2.1"}  # the biggest sender
    assert "" not in plan


def test_date_time_rounds_to_the_millisecond():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    raw = pd.DataFrame([event(t, "HUB1", "Hub", "DEFER", "SMTP", 1, M1, [BOB]) for t in (1.9999999, 0.0004, 0.0006)])
    out = format_log(raw, start, {"HUB1"})
    assert out["date-time"].tolist() == [
        "2024-01-01T00:00:00.000Z",
        "2024-01-01T00:00:00.001Z",
        "2024-01-01T00:00:02.000Z",
    ]


def test_start_in_another_zone_is_converted_to_utc():
    start = datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    out = format_log(pd.DataFrame([event(0.0, "HUB1", "Hub", "DEFER", "SMTP", 1, M1, [BOB])]), start, {"HUB1"})
    assert out["date-time"].tolist() == ["2024-01-01T00:00:00.000Z"]


def test_bad_input_is_refused(raw):
    with pytest.raises(ValueError, match="timezone-aware"):
        format_log(raw, datetime(2024, 1, 1), ORG)
    with pytest.raises(ValueError, match="event_id"):
        format_log(raw.drop(columns="event_id"), START, ORG)
    with pytest.raises(ValueError, match="role"):
        format_log(raw.assign(role="Client Access"), START, ORG)
    with pytest.raises(ValueError, match="event_id"):
        format_log(raw.assign(event_id="NOTIFYMAPI"), START, ORG)  # an Exchange 2010 event
    with pytest.raises(ValueError, match="source"):
        format_log(raw.assign(source="MAILBOXRULE"), START, ORG)


# -- write_logs ----------------------------------------------------------------------------------


def test_one_file_per_server_role_and_utc_day(written):
    folder, paths = written
    assert [p.relative_to(folder).as_posix() for p in paths] == sorted(EXPECTED_FILES)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == sorted(EXPECTED_FILES)


def test_headers_bom_and_line_ends_exactly(written):
    folder, _ = written
    for name, (date, rows) in EXPECTED_FILES.items():
        data = (folder / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        text = data[3:].decode("utf-8")
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        lines = text.split("\r\n")
        assert lines[:5] == [
            "#Software: Microsoft Exchange Server",
            "#Version: 8.1.240.6",
            "#Log-type: Message Tracking Log",
            f"#Date: {date}",
            "#Fields: " + ",".join(FIELDS),
        ]
        assert len(lines) == 5 + len(rows) + 1  # the last split piece is the empty text after the final CRLF


def test_quoting_as_exchange_writes_it(written):
    folder, _ = written
    text = (folder / "SEA-HUB1/MSGTRK20240304-1.LOG").read_text(encoding="utf-8-sig")
    assert ',"Hello, world",' in text
    assert ',"451 4.4.0 Primary target IP address responded with: ""421 4.2.1 Unable to connect, try later.""",' in text
    assert ",550 5.1.1 User unknown," in text  # no quotes when not needed


def test_files_parse_with_the_csv_module(written, log):
    """An independent reader: Python's csv module, line by line, skipping header lines."""
    folder, _ = written
    for name, (date, rows) in EXPECTED_FILES.items():
        with open(folder / name, encoding="utf-8-sig", newline="") as fh:
            lines = fh.read().splitlines()
        fields = next(line for line in lines if line.startswith("#Fields: "))[len("#Fields: ") :].split(",")
        assert fields == list(FIELDS)
        records = [
            dict(zip(fields, values)) for values in csv.reader(text for text in lines if not text.startswith("#"))
        ]
        assert len(records) == len(rows)
        for record, i in zip(records, rows):
            assert len(record) == 21
            src = RAW_ROWS[i]
            assert record["date-time"] == EXPECTED_TIMES[i]
            assert record["message-subject"] == src["subject"]
            assert record["event-id"] == src["event_id"] and record["source"] == src["source"]
            row = log[(log["date-time"] == record["date-time"]) & (log["event-id"] == src["event_id"])].iloc[0]
            assert record == {f: "" if pd.isna(row[f]) else str(row[f]) for f in FIELDS}
        assert records[0]["date-time"] == date


# -- read_logs -----------------------------------------------------------------------------------


def test_read_logs_round_trip(read_back, log):
    assert list(read_back.columns) == ["server", *FIELDS]  # the BOM did not leak into a column name
    assert str(read_back["date-time"].dt.tz) == "UTC"
    for name in INT_FIELDS:
        assert str(read_back[name].dtype) == "Int64"  # blank on SUBMIT
    # same rows as format_log gave (files are read in path order, which is server order here)
    back = read_back.copy()
    back["date-time"] = back["date-time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    expected = log.drop(columns="role")
    pd.testing.assert_frame_equal(back.astype(str), expected.astype(str), check_dtype=False)
    assert "Hello, world" in set(read_back["message-subject"])
    assert DEFER_STATUS in set(read_back["recipient-status"])
    assert set(log["source-context"]) <= set(read_back["source-context"])


def test_read_logs_skips_repeated_headers_and_empty_folders(written, tmp_path):
    folder, _ = written
    source = (folder / "SEA-MBX1/MSGTRKM20240304-1.LOG").read_bytes().decode("utf-8-sig")
    header = "".join(line + "\r\n" for line in source.split("\r\n")[:5])
    (tmp_path / "SEA-MBX1").mkdir()
    # a service restart writes the header block again in the middle of the day's file
    (tmp_path / "SEA-MBX1/MSGTRKM20240304-1.LOG").write_text(
        source + header + source.split("\r\n", 5)[5], encoding="utf-8-sig", newline=""
    )
    again = read_logs(tmp_path)
    assert len(again) == 2 and (again["event-id"] == "SUBMIT").all() and (again["server"] == "SEA-MBX1").all()
    empty = read_logs(tmp_path / "SEA-MBX1" / "nothing-here")
    assert list(empty.columns) == ["server", *FIELDS] and empty.empty


def test_read_logs_is_the_streaming_reader_gathered_into_one_table(tmp_path):
    """read_logs reads what calibrate reads, row for row: the later field sets (each file's #Fields: line
    decides), quoted fields, header lines anywhere; a malformed line is skipped, or stops it when strict."""
    e2010 = Path(__file__).parent / "data" / "calibrate" / "e2010"
    table = read_logs(e2010)
    reader = RowReader()
    rows = [(log.server, fields[c.index["event-id"]], fields[c.index["message-id"]])
            for log in find_logs([e2010]) for _t, fields, c, _s in reader.rows(log)]  # fmt: skip
    assert len(table) == len(rows) == reader.rows_read == 27
    assert sorted(map(tuple, table[["server", "event-id", "message-id"]].to_numpy().tolist())) == sorted(rows)
    assert list(table.columns[-5:]) == ["directionality", "tenant-id", "original-client-ip", "original-server-ip",
                                        "custom-data"]  # fmt: skip
    assert 'Budget, Q3 "final"' in set(table["message-subject"])
    assert str(table["internal-message-id"].dtype) == "Int64" and table["internal-message-id"].isna().any()
    (tmp_path / "HUB1").mkdir()
    lines = (e2010 / "BER-MBX1" / "MSGTRKM20100419-1.LOG").read_text(encoding="utf-8-sig").splitlines()
    broken = [*lines, "2010-04-19T09:00:00.000Z,too,few,fields"]
    (tmp_path / "HUB1" / "MSGTRK20100419-1.LOG").write_text("\r\n".join(broken) + "\r\n", encoding="utf-8")
    assert len(read_logs(tmp_path)) == len(read_logs(e2010 / "BER-MBX1"))
    with pytest.raises(MalformedLine, match="line 9: 4 fields where the #Fields: line names 26"):
        read_logs(tmp_path, strict=True)


# -- rebuild_deliveries --------------------------------------------------------------------------


def test_rebuilt_deliveries_match_the_hand_computed_ones(read_back):
    got = rebuild_deliveries(read_back)
    assert list(got.columns) == ["message_id", "recipient", "path", "submitted_at", "delivered_at", "latency_s"]
    ts = pd.Timestamp
    expected = pd.DataFrame(
        [
            (M1, BOB, "SEA-MBX1>SEA-HUB1>SEA-MBX2", "2024-03-04T23:59:59.600Z", "2024-03-04T23:59:59.950Z", 0.35),
            (
                M1,
                CAROL,
                "SEA-MBX1>SEA-HUB1>LON-HUB1>LON-MBX1",
                "2024-03-04T23:59:59.600Z",
                "2024-03-05T00:00:30.500Z",
                30.9,
            ),
            (
                M1,
                DAVE,
                "SEA-MBX1>SEA-HUB1>LON-HUB1>LON-MBX1",
                "2024-03-04T23:59:59.600Z",
                "2024-03-05T00:00:30.500Z",
                30.9,
            ),
            (
                M2,
                CAROL,
                "mx.fabrikam.com>LON-HUB1>LON-MBX1",
                "2024-03-05T00:00:39.500Z",
                "2024-03-05T00:00:40.000Z",
                0.5,
            ),
        ],
        columns=["message_id", "recipient", "path", "submitted_at", "delivered_at", "latency_s"],
    )
    assert (
        got[["message_id", "recipient", "path"]].values.tolist()
        == expected[["message_id", "recipient", "path"]].values.tolist()
    )
    assert [ts(v) for v in expected["submitted_at"]] == got["submitted_at"].tolist()
    assert [ts(v) for v in expected["delivered_at"]] == got["delivered_at"].tolist()
    assert got["latency_s"].tolist() == pytest.approx(expected["latency_s"].tolist(), abs=1e-9)
    # the failed recipient and the NDR (never delivered here) have no row
    assert NOBODY not in set(got["recipient"]) and NDR not in set(got["message_id"])


def test_rebuild_follows_recipients_not_internal_ids(read_back):
    """Bob's copy never left SEA-HUB1; a RECEIVE listing other recipients of the same message does not count."""
    got = rebuild_deliveries(read_back).set_index(["message_id", "recipient"])
    assert got.loc[(M1, BOB), "path"].count("LON") == 0
    assert got.loc[(M1, CAROL), "path"].split(">")[1:3] == ["SEA-HUB1", "LON-HUB1"]


def test_rebuild_of_a_log_without_deliveries_is_empty(read_back):
    got = rebuild_deliveries(read_back[read_back["event-id"] != "DELIVER"])
    assert got.empty and list(got.columns) == [
        "message_id",
        "recipient",
        "path",
        "submitted_at",
        "delivered_at",
        "latency_s",
    ]


def test_rebuild_works_on_the_formatted_log_before_writing(log, read_back):
    pd.testing.assert_frame_equal(rebuild_deliveries(log), rebuild_deliveries(read_back), check_dtype=False)


def test_submitted_at_falls_back_to_submit_and_ignores_later_message_info_parts(read_back):
    """A DELIVER without message-info takes the SUBMIT's time (a 2007 SUBMIT has no message-info); text after
    `;` (later Exchange versions) is ignored."""
    edited = read_back.copy()
    is_bob = (edited["event-id"] == "DELIVER") & (edited["recipient-address"] == BOB)
    edited.loc[is_bob, "message-info"] = ""
    is_m2 = (edited["event-id"] == "DELIVER") & (edited["message-id"] == M2)
    edited.loc[is_m2, "message-info"] = "2024-03-05T00:00:39.500Z;SRV=LON-HUB1.contoso.com:TOTAL=0"
    got = rebuild_deliveries(edited).set_index(["message_id", "recipient"])
    assert got.loc[(M1, BOB), "latency_s"] == pytest.approx(0.35)
    assert got.loc[(M2, CAROL), "latency_s"] == pytest.approx(0.5)


def test_rebuild_counts_an_address_listed_twice_once(read_back):
    edited = read_back.copy()
    hub_receive = (edited["event-id"] == "RECEIVE") & (edited["server"] == "SEA-HUB1")
    edited.loc[hub_receive, "recipient-address"] += f";{BOB}"
    got = rebuild_deliveries(edited).set_index(["message_id", "recipient"])
    assert got.loc[(M1, BOB), "path"] == "SEA-MBX1>SEA-HUB1>SEA-MBX2"


def test_rebuild_orders_same_millisecond_receives_by_the_relay_chain(tmp_path):
    """Zero-time stages log a whole relay in one millisecond; file order (servers sorted by name) would put
    AA-HUB before ZZ-HUB, but ZZ-HUB received from the Mailbox server and AA-HUB from ZZ-HUB (named by FQDN)."""
    org = {"MBX", "ZZ-HUB", "AA-HUB", "AA-MBX"}
    rows = [
        event(5.0, "MBX", "Mailbox", "SUBMIT", "STOREDRIVER", 1, M1, [BOB], server_hostname="ZZ-HUB"),
        event(5.0, "ZZ-HUB", "Hub", "RECEIVE", "STOREDRIVER", 2, M1, [BOB], client_hostname="MBX"),
        event(5.0, "ZZ-HUB", "Hub", "SEND", "SMTP", 2, M1, [BOB], server_hostname="AA-HUB.contoso.com"),
        event(5.0, "AA-HUB", "Hub", "RECEIVE", "SMTP", 3, M1, [BOB], client_hostname="zz-hub.contoso.com"),
        event(5.0, "AA-HUB", "Hub", "DELIVER", "STOREDRIVER", 3, M1, [BOB], server_hostname="AA-MBX"),
    ]
    log = format_log(pd.DataFrame(rows), START, org)
    write_logs(log, tmp_path)
    back = read_logs(tmp_path)
    assert back["server"].tolist()[:2] == ["AA-HUB", "AA-HUB"]  # file order is not causal order
    got = rebuild_deliveries(back)
    assert got["path"].tolist() == ["MBX>ZZ-HUB>AA-HUB>AA-MBX"]
    assert got["latency_s"].tolist() == [pytest.approx(4.9)]  # submitted at 0.1 s (original_time_s)
    # the same host under two spellings has one address
    sent = log[log["event-id"] == "SEND"].iloc[0]
    received = log[(log["event-id"] == "RECEIVE") & (log["server"] == "AA-HUB")].iloc[0]
    # org servers in sorted order: AA-HUB 10.0.0.1, AA-MBX .2, MBX .3, ZZ-HUB .4, whatever the spelling
    assert (sent["server-hostname"], sent["server-ip"]) == ("AA-HUB.contoso.com", "10.0.0.1")
    assert (received["client-hostname"], received["client-ip"]) == ("zz-hub.contoso.com", "10.0.0.4")


def test_rebuild_of_an_empty_log(tmp_path):
    got = rebuild_deliveries(read_logs(tmp_path))
    assert got.empty and list(got.columns) == [
        "message_id",
        "recipient",
        "path",
        "submitted_at",
        "delivered_at",
        "latency_s",
    ]


def test_session_ids_are_dotnet_ticks_in_hex():
    """DateTime.UnixEpoch.Ticks is 621355968000000000 (.NET reference); a tick is 100 ns."""
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert session_id(epoch, 0) == f"{621355968000000000:016X}" == "089F7FF5F7B58000"
    assert session_id(epoch + timedelta(seconds=1), 5) == f"{621355968000000000 + 10_000_000 + 5:016X}"
    assert session_start(session_id(START, 0)) == START
    assert re.fullmatch(r"08D[0-9A-F]{13}", session_id(START, 7))  # a 2024 session, as real logs show 08D...
    assert session_id(datetime(2024, 1, 1), 0) == session_id(datetime(2024, 1, 1, tzinfo=timezone.utc), 0)  # naive: UTC
