"""Workloads a planner can state: sent and received per mailbox per day, Internet mail via Edges or Hubs, antivirus."""

from __future__ import annotations

import pytest
from conftest import shared_run

import sim
from sim.cli import main
from sim.model.workload import internet_messages_per_day, internet_received_per_day


def seven_to_one(antivirus: bool) -> dict:
    """Seven Mailbox servers over two Hubs with every default stage cost: the shape behind DOMAIN.md 7.x."""
    return {
        "name": "ratio", "duration": "30m", "seed": 3, "record": "summary", "tracking_log": False,
        "sites": [{"name": "S", "hubs": [{"name": "H1"}, {"name": "H2"}],
                   "mailbox_servers": [{"name": f"M{i}", "mailboxes": 1000} for i in range(7)]}],
        "workload": {"rate": "2/s"}, "stages": {"hub_antivirus": antivirus},
    }  # fmt: skip


def core_seconds_per_message(result) -> float:
    servers = result.servers
    used = (servers["core_utilisation"] * servers["cores"]).sum() * result.end_time
    return used / result.summary()["messages_generated"]


def test_hub_antivirus_costs_the_40_percent_the_5_to_1_ratio_implies():
    """7:1 without antivirus, 5:1 with: the same Mailbox cores need 7/5 = 1.4 times the Hub processor."""
    without = core_seconds_per_message(shared_run(seven_to_one(False)))
    with_scan = core_seconds_per_message(shared_run(seven_to_one(True)))
    assert with_scan / without == pytest.approx(7 / 5, abs=0.03)


def test_antivirus_adds_its_stated_cost_to_each_categorized_message():
    scenario = {"name": "av", "duration": "1h", "record": "summary", "tracking_log": False,
                "sites": [{"name": "S", "hubs": [{"name": "H1", "cores": 4}],
                           "mailbox_servers": [{"name": "M1", "mailboxes": 100}]}],
                "workload": {"rate": "2/s", "recipients": {"dist": "constant", "mean": 1}, "size": "10KB"},
                "stages": {"store_driver_submit": "0s", "smtp_receive": "0s", "store_driver_deliver": "0s",
                           "smtp_send": "0s", "categorizer": "40ms", "hub_antivirus": True,
                           "antivirus": {"dist": "constant", "mean": "25ms", "per_kb": "0.75ms"}}}  # fmt: skip
    result = shared_run(scenario)
    assert core_seconds_per_message(result) == pytest.approx(0.040 + 0.025 + 0.75e-3 * 10, rel=0.01)


def received(inbound: str) -> dict:
    scenario = {"name": "received", "duration": "2h", "drain": "10m", "seed": 3, "record": "summary",
                "tracking_log": False,
                "sites": [{"name": "S", "hubs": [{"name": "H1"}, {"name": "H2"}],
                           "mailbox_servers": [{"name": f"M{i}", "mailboxes": 2500} for i in range(2)]}],
                "workload": {"profile": "average", "diurnal": "flat", "internet_inbound": inbound}}  # fmt: skip
    if inbound == "edges":
        scenario["edges"] = [{"name": "E1", "subscribed_site": "S"}]
    return scenario


@pytest.mark.parametrize("inbound", ["hubs", "edges"])
def test_mailboxes_receive_the_profiles_received_figure(inbound):
    """Average: 10 sent, 40 received a day; 10 x 2 recipients are internal, the other 20 come from the Internet."""
    scenario = sim.load_scenario(received(inbound))
    assert internet_received_per_day(scenario) == pytest.approx((40 - 10 * 2) * 5000)
    summary = shared_run(received(inbound)).summary()
    per_mailbox_per_day = summary["delivered"] / 5000 / (2 / 24)
    assert per_mailbox_per_day == pytest.approx(40, rel=0.03)
    if inbound == "edges":  # the Edges offer more and the agents reject the rest, as on the Internet
        assert summary["rejected"] > summary["delivered"] / 2
        assert internet_messages_per_day(scenario) > 3 * internet_received_per_day(scenario) / 1.5


def test_internet_facing_hubs_receive_the_internet_share_on_smtp_receive():
    result = shared_run(received("hubs"))
    stations = result.stations.set_index("queue")
    arrivals = stations.loc[["H1\\SmtpReceive", "H2\\SmtpReceive"], "arrivals"].sum()
    expected = internet_messages_per_day(sim.load_scenario(received("hubs"))) * 2 / 24
    assert arrivals == pytest.approx(expected, rel=0.04)
    assert result.summary()["internet_messages_generated"] == arrivals


def test_an_unknown_internet_facing_hub_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    scenario = received("hubs")
    scenario["workload"]["internet_hubs"] = ["H9"]
    path.write_text(str(scenario).replace("'", '"').replace("True", "true").replace("False", "false"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "workload.internet_hubs: no Hub named 'H9'" in err[0]


def test_validate_prints_the_implied_rates_and_core_ratio(tmp_path, capsys):
    scenario = seven_to_one(False)
    for server in scenario["sites"][0]["mailbox_servers"]:
        server["cores"] = 4
    path = tmp_path / "ratio.yaml"
    path.write_text(str(scenario).replace("'", '"').replace("True", "true").replace("False", "false"))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    # 7 x 2 messages/s reach 2 Hubs of 4 cores: 1.75 messages/s per Hub core; 28 Mailbox cores to 8 Hub cores
    assert "1.75 messages/s per Hub core" in out
    assert "Mailbox:Hub processor cores 28:8 = 3.5:1" in out
