"""The message tracking log written by `exsim run --out`, read back with pandas, tells the same story."""

from __future__ import annotations

import pandas as pd
import pytest
from tracking_rebuild import rebuild_deliveries

import sim
from sim.cli import main
from sim.formats.tracking_fields import FIELDS
from sim.formats.tracking_frame import read_logs


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    scenario = {
        "name": "tracked",
        "duration": "20m",
        "drain": "10m",
        "seed": 4,
        "sites": [
            {
                "name": "Seattle",
                "hubs": [{"name": "SEA-HUB1"}, {"name": "SEA-HUB2"}],
                "mailbox_servers": [{"name": "SEA-MBX1", "mailboxes": 300}, {"name": "SEA-MBX2", "mailboxes": 300}],
            },
            {
                "name": "London",
                "hubs": [{"name": "LON-HUB1"}],
                "mailbox_servers": [{"name": "LON-MBX1", "mailboxes": 300}],
            },
        ],
        "site_links": [{"sites": ["Seattle", "London"], "cost": 10, "latency": "50ms", "bandwidth": "10Mbps"}],
        "edges": [{"name": "EDGE1", "subscribed_site": "Seattle"}],
        "workload": {
            "rate": "1/s",
            "recipients": {"dist": "geometric", "mean": 3},
            "domains": [{"domain": "fabrikam.com", "share": 0.1}],
            "unknown_share": 0.02,
        },
        "internet": {"inbound_rate": "0.5/s"},
    }
    path = folder / "tracked.yaml"
    import yaml

    path.write_text(yaml.safe_dump(scenario))
    assert main(["run", str(path), "--out", str(folder / "run"), "--quiet"]) == 0
    return folder / "run", sim.run(scenario)


def test_one_file_per_server_with_exchange_headers(written):
    folder, result = written
    files = sorted((folder / "tracking").rglob("MSGTRK*.LOG"))
    servers = {f.parent.name for f in files}
    assert servers == {"SEA-HUB1", "SEA-HUB2", "LON-HUB1", "EDGE1", "SEA-MBX1", "SEA-MBX2", "LON-MBX1"}
    mailbox_logs = [f for f in files if f.name.startswith("MSGTRKM")]
    assert {f.parent.name for f in mailbox_logs} == {"SEA-MBX1", "SEA-MBX2", "LON-MBX1"}
    lines = files[0].read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "#Software: Microsoft Exchange Server"
    assert lines[2] == "#Log-type: Message Tracking Log"
    assert lines[3].startswith("#Date: ")
    assert lines[4] == "#Fields: " + ",".join(FIELDS)
    assert len(FIELDS) == 21


def test_rebuilt_paths_and_latencies_equal_the_results(written):
    folder, result = written
    log = read_logs(folder / "tracking")
    rebuilt = rebuild_deliveries(log)
    messages = pd.read_csv(folder / "messages.csv")
    mailbox = messages[(messages["status"] == "delivered") & (messages["destination_site"] != "Internet")].copy()
    mailbox["message_id"] = mailbox["message_id"].astype(int)
    rebuilt["message_id"] = rebuilt["message_id"].str.slice(1, 9).astype(int)
    joined = mailbox.merge(rebuilt, on=["message_id", "recipient"], how="outer", indicator=True, suffixes=("", "_log"))
    assert len(mailbox) > 1000
    assert (joined["_merge"] == "both").all()
    assert (joined["path"] == joined["path_log"]).all()
    assert (joined["latency_s"] - joined["latency_s_log"]).abs().max() < 0.0015  # the log keeps milliseconds


def test_events_tell_each_kind_of_story(written):
    folder, result = written
    log = read_logs(folder / "tracking")
    events = set(log["event-id"])
    assert {"SUBMIT", "RECEIVE", "TRANSFER", "SEND", "DELIVER", "FAIL", "DSN"} <= events
    assert set(log.loc[log["event-id"] == "SUBMIT", "source"]) == {"STOREDRIVER"}
    assert set(log.loc[log["event-id"] == "RECEIVE", "source"]) == {"STOREDRIVER", "SMTP"}
    fails = log[log["event-id"] == "FAIL"]
    assert fails["recipient-status"].str.startswith("550 5.1.1").all()
    # the same message-id end to end; a new internal-message-id on each server
    one = log[log["message-id"] == log.loc[log["event-id"] == "SEND", "message-id"].iloc[0]]
    assert one["server"].nunique() >= 2
    sends = log[(log["event-id"] == "SEND") & (log["server-hostname"] == "Internet")]
    assert sends.empty  # Internet hosts are named by MX, not "Internet"
    internet_sends = log[(log["event-id"] == "SEND") & log["server-hostname"].str.startswith("mx.")]
    assert set(internet_sends["server"]) == {"EDGE1"}
    assert len(result.tracking_log) == len(log)
