"""The message tracking log written by `exsim run --out`, read back with pandas, tells the same story."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tracking_rebuild import rebuild_deliveries

import sim
from sim.cli import main
from sim.formats.internet_hosts import RANGES, population
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
    # the log names the Internet host that sent a message; the results call them all "Internet"
    first, _, rest = rebuilt["path"].str.partition(">").T.to_numpy()
    internet = pd.Series(first).isin(population()[0]).to_numpy()
    rebuilt.loc[internet, "path"] = "Internet>" + rest[internet]
    joined = mailbox.merge(rebuilt, on=["message_id", "recipient"], how="outer", indicator=True, suffixes=("", "_log"))
    assert len(mailbox) > 1000
    assert (joined["_merge"] == "both").all()
    assert (joined["path"] == joined["path_log"]).all()
    assert (joined["latency_s"] - joined["latency_s_log"]).abs().max() < 0.0015  # the log keeps milliseconds


def test_events_tell_each_kind_of_story(written):
    folder, result = written
    log = read_logs(folder / "tracking")
    events = set(log["event-id"])
    assert {"SUBMIT", "RECEIVE", "SEND", "DELIVER", "FAIL", "DSN"} <= events
    assert "TRANSFER" not in events  # a split by next hop is no forked message (cc539063)
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


def test_one_internal_id_per_message_on_each_server(written):
    """internal-message-id is the message's id in that server's queue database (cc539064): every row of one
    message on one server shows the same id, bifurcated copies included; each server numbers from 1, so one number
    names different messages on different servers; a Mailbox server's rows have none."""
    folder, _ = written
    log = read_logs(folder / "tracking")
    mailbox = log["server"].str.contains("MBX")
    assert log.loc[mailbox, "internal-message-id"].isna().all()
    hub = log[~mailbox]
    assert hub["internal-message-id"].notna().all()
    assert (hub.groupby(["server", "message-id"])["internal-message-id"].nunique() == 1).all()
    assert (hub.groupby("server")["internal-message-id"].min() == 1).all()
    # the delay DSNs counted in the summary each have their DSN row (Hubs' queues and Mailbox Outboxes alike)
    delay = log[(log["event-id"] == "DSN") & log["recipient-status"].str.startswith("400 4.4.7")]
    assert delay["recipient-count"].sum() == written[1].summary()["delay_dsns"]


def test_internet_mail_comes_from_many_documentation_hosts(written):
    folder, _ = written
    log = read_logs(folder / "tracking")
    inbound = log[(log["event-id"] == "RECEIVE") & (log["server"] == "EDGE1")]
    inbound = inbound[~inbound["client-hostname"].isin(["SEA-HUB1", "SEA-HUB2", "LON-HUB1"])]
    assert len(inbound) > 100
    assert inbound["client-hostname"].nunique() > 30  # many hosts, not one "Internet"
    assert inbound["client-hostname"].str.fullmatch(r"[a-z]+\d+\.(example\.(com|net|org)|[a-z]+\.example)").all()
    assert inbound["client-ip"].str.rsplit(".", n=1).str[0].isin(RANGES).all()  # RFC 5737
    assert inbound.groupby("client-hostname")["client-ip"].nunique().max() == 1


RULES_PAGE = Path(__file__).parents[1] / "docs" / "exchange" / "tracking-log.md"


def _rules() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The table of docs/exchange/tracking-log.md: (event, source) -> [(field, rule)]."""
    rules: dict[tuple[str, str], list[tuple[str, str]]] = {}
    text = RULES_PAGE.read_text(encoding="utf-8").split("## The rules, event by event", 1)[1]
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("event", "---"):
            rules.setdefault((cells[0], cells[1]), []).append((cells[2], cells[3]))
    return rules


def test_every_row_follows_the_rules(written):
    """Every row of a run's log against the rules the documentation sets out, event and source by event and
    source (docs/exchange/tracking-log.md, with the Microsoft pages and published rows each rule comes from)."""
    folder, _ = written
    log = read_logs(folder / "tracking")
    rules = _rules()
    assert len(rules) == 9 and sum(map(len, rules.values())) > 50
    for name in ("date-time", "source", "event-id"):  # never blank (cc539064)
        assert log[name].notna().all() and (log[name].astype(str) != "").all(), name
    kinds = log.groupby(["event-id", "source"]).size()
    assert set(kinds.index) <= set(rules), set(kinds.index) - set(rules)  # every row is covered by a rule
    assert {("SUBMIT", "STOREDRIVER"), ("RECEIVE", "SMTP"), ("SEND", "SMTP"), ("DSN", "DSN")} <= set(kinds.index)
    for (event, source), checks in rules.items():
        rows = log[(log["event-id"] == event) & (log["source"] == source)]
        for field, rule in checks:
            values = rows[field].astype(object).where(rows[field].notna(), "").astype(str)
            if rule == "blank":
                bad = values != ""
            elif rule == "set":
                bad = values == ""
            elif rule == "server":
                bad = values != rows["server"].astype(str)
            else:
                bad = ~values.str.fullmatch(rule.strip("`"))
            assert not bad.any(), (event, source, field, rule, values[bad].head(3).tolist())
