"""Mail between AD sites: remote delivery queues, direct relay by SMTP, round robin and failover."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ZERO_STAGES, shared_run

import sim


def two_sites(faults=(), london_hubs=2, **extra) -> dict:
    scenario = {
        "name": "two sites",
        "duration": "1h",
        "seed": 3,
        "sites": [
            {
                "name": "Seattle",
                "hubs": [{"name": "SEA-HUB1"}],
                "mailbox_servers": [{"name": "SEA-MBX1", "mailboxes": 100}],
            },
            {
                "name": "London",
                "hubs": [{"name": f"LON-HUB{i + 1}"} for i in range(london_hubs)],
                "mailbox_servers": [{"name": "LON-MBX1", "mailboxes": 300, "sends_mail": False}],
            },
        ],
        "site_links": [{"sites": ["Seattle", "London"], "cost": 10, "latency": "80ms", "bandwidth": "10Mbps"}],
        "workload": {"rate": "2/s", "recipients": {"dist": "constant", "mean": 1}, "size": "100KB"},
        "faults": list(faults),
    }
    scenario.update(extra)
    return scenario


def test_cross_site_mail_is_relayed_directly_to_a_target_site_hub():
    result = shared_run(two_sites())
    messages = result.messages
    to_london = messages[messages["destination_site"] == "London"]
    assert 0.7 < len(to_london) / len(messages) < 0.8  # 300 of 400 mailboxes
    paths = set(to_london["path"].astype(str))
    assert paths == {"SEA-MBX1>SEA-HUB1>LON-HUB1>LON-MBX1", "SEA-MBX1>SEA-HUB1>LON-HUB2>LON-MBX1"}
    local = messages[messages["destination_site"] == "Seattle"]
    assert set(local["path"].astype(str)) == {"SEA-MBX1>SEA-HUB1>SEA-MBX1"}
    assert (to_london["hops"] == 3).all() and (local["hops"] == 2).all()


def test_site_link_latency_and_bandwidth_add_transfer_time():
    scenario = two_sites(stages=ZERO_STAGES)
    messages = sim.run(scenario).messages
    to_london = messages[messages["destination_site"] == "London"]
    transfer = 0.080 + 100 * 1024 * 8 / 10e6
    assert to_london["latency_s"].to_numpy() == pytest.approx(transfer)
    local = messages[messages["destination_site"] == "Seattle"]
    assert (local["latency_s"] == 0).all()


def test_remote_queue_has_exchange_identity_and_delivery_type():
    result = shared_run(two_sites())
    stations = result.stations.set_index("queue")
    assert stations.loc["SEA-HUB1\\London", "delivery_type"] == "SmtpRelayToRemoteAdSite"
    assert stations.loc["SEA-HUB1\\SEA-MBX1", "delivery_type"] == "MapiDelivery"
    assert stations.loc["SEA-HUB1\\Submission", "delivery_type"] == "Undefined"
    assert stations.loc["LON-HUB1\\LON-MBX1", "delivery_type"] == "MapiDelivery"


def test_target_site_hubs_share_inbound_relay_in_round_robin():
    result = sim.run(two_sites(london_hubs=4, duration="2h"))
    to_london = result.messages[result.messages["destination_site"] == "London"]
    shares = to_london["path"].astype(str).str.split(">").str[2].value_counts(normalize=True)
    assert len(shares) == 4
    assert (shares - 0.25).abs().max() <= 0.01


def test_target_hub_down_fails_over_to_the_others():
    result = sim.run(two_sites(faults=[{"server": "LON-HUB1", "down_at": "10m", "up_at": "40m"}]))
    messages = result.messages
    to_london = messages[messages["destination_site"] == "London"]
    window = to_london[(to_london["submitted_at"] > 600) & (to_london["submitted_at"] < 2400)]
    assert set(window["path"].astype(str).str.split(">").str[2]) == {"LON-HUB2"}
    assert window["latency_s"].max() < 5  # failover, not waiting
    assert result.summary()["lost"] == 0


def test_whole_target_site_down_puts_the_remote_queue_in_retry_and_delivers_later():
    scenario = two_sites(
        london_hubs=1,
        faults=[{"server": "LON-HUB1", "down_at": "10m", "up_at": "30m"}],
        drain="30m",
        sample_interval="30s",
    )
    result = sim.run(scenario)
    summary = result.summary()
    assert summary["lost"] == 0 and summary["in_queue_at_end"] == 0
    queues = result.queues
    remote = queues[queues["queue"] == "SEA-HUB1\\London"]
    during = remote[(remote["time"] > 660) & (remote["time"] < 1800)]
    assert "Retry" in set(during["state"])
    assert during["length"].max() > 100
    to_london = result.messages[result.messages["destination_site"] == "London"]
    waited = to_london[(to_london["submitted_at"] > 600) & (to_london["submitted_at"] < 1800)]
    assert (waited["delivered_at"] >= 1800).all()
    # they leave at the queue's first retry after the return, on the Hub's schedule (DOMAIN.md 5.1): four
    # glitch retries 1 min apart after the first failure, then every 5 min (TransientFailureRetryInterval)
    events = result.queue_events[result.queue_events["queue"] == "SEA-HUB1\\London"]
    retries = events[events["status"] == "Retry"]["time"].to_numpy()
    failed = retries[0]
    # failures at these instants; the next retry, at +1440 s (after the return), succeeds
    assert retries == pytest.approx(failed + np.array([0, 60, 120, 180, 240, 540, 840, 1140]))
    back = failed + 1440
    assert back >= 1800 and back - 300 < 1800
    assert back <= waited["delivered_at"].min() < back + 1


def test_bifurcation_makes_one_copy_per_next_hop():
    scenario = two_sites(record="hops", drain="5m")
    scenario["workload"]["recipients"] = {"dist": "constant", "mean": 20}
    result = sim.run(scenario)
    hops = result.hops
    # one relay per message to London however many London recipients it has
    relays = hops[(hops["server"] == "SEA-HUB1") & (hops["station"] == "London")]
    assert relays["message_id"].is_unique
    assert len(relays) == result.summary()["messages_generated"]  # each has London recipients (P(none) = 0.25^20)
    deliveries = hops[hops["station"] == "SEA-MBX1"]
    assert deliveries["message_id"].is_unique
    assert result.summary()["delivered"] == result.summary()["recipients_total"] - result.summary()["in_queue_at_end"]


@pytest.mark.parametrize(
    "link", [{"latency": "0s", "bandwidth": "unlimited"}, {"latency": "50ms", "bandwidth": "10Mbps"}]
)
def test_zero_time_smtp_send_relays_every_message(link):
    """Regression: a zero-time relay once handed messages to nobody."""
    scenario = two_sites(
        stages=ZERO_STAGES, drain="1m", faults=[{"server": "LON-HUB1", "down_at": "10m", "up_at": "20m"}]
    )
    scenario["site_links"][0].update(link)
    summary = sim.run(scenario).summary()
    assert summary["lost"] == 0 and summary["in_queue_at_end"] == 0
    assert summary["delivered"] == summary["recipients_total"]


def test_zero_time_relay_retries_while_the_target_site_is_down():
    scenario = two_sites(
        stages=ZERO_STAGES, london_hubs=1, drain="5m", faults=[{"server": "LON-HUB1", "down_at": "10m", "up_at": "20m"}]
    )
    scenario["site_links"][0].update(latency="0s", bandwidth="unlimited")
    result = sim.run(scenario)
    assert result.summary()["lost"] == 0 and result.summary()["in_queue_at_end"] == 0
    to_london = result.messages[result.messages["destination_site"] == "London"]
    waited = to_london[(to_london["submitted_at"] > 600) & (to_london["submitted_at"] < 1200)]
    assert len(waited) > 500 and (waited["delivered_at"] >= 1200).all()


def test_one_target_hub_down_the_other_three_share_the_relay():
    result = sim.run(two_sites(london_hubs=4, duration="2h", faults=[{"server": "LON-HUB2", "down_at": "0s"}]))
    to_london = result.messages[result.messages["destination_site"] == "London"]
    assert len(to_london) > 10_000
    shares = to_london["path"].astype(str).str.split(">").str[2].value_counts(normalize=True)
    assert set(shares.index) == {"LON-HUB1", "LON-HUB3", "LON-HUB4"}
    assert (shares - 1 / 3).abs().max() <= 0.01


def chain(hub_site: bool) -> dict:
    return {
        "name": "chain",
        "duration": "30m",
        "drain": "5m",
        "seed": 12,
        "sites": [
            {
                "name": "Seattle",
                "hubs": [{"name": "SEA-HUB1"}],
                "mailbox_servers": [{"name": "SEA-MBX1", "mailboxes": 100}],
            },
            {"name": "Denver", "hub_site": hub_site, "hubs": [{"name": "DEN-HUB1"}, {"name": "DEN-HUB2"}]},
            {
                "name": "London",
                "hubs": [{"name": "LON-HUB1"}],
                "mailbox_servers": [{"name": "LON-MBX1", "mailboxes": 100, "sends_mail": False}],
            },
        ],
        "site_links": [
            {"sites": ["Seattle", "Denver"], "cost": 10, "latency": "20ms"},
            {"sites": ["Denver", "London"], "cost": 10, "latency": "60ms"},
        ],
        "workload": {"rate": "2/s", "recipients": {"dist": "constant", "mean": 1}},
    }


def test_direct_relay_skips_the_middle_site_unless_it_is_a_hub_site():
    direct = sim.run(chain(hub_site=False))
    summary = direct.summary()
    to_london = direct.messages[direct.messages["destination_site"] == "London"]
    assert len(to_london) > 1000
    assert summary["utilisation_by_server"]["DEN-HUB1"] == summary["utilisation_by_server"]["DEN-HUB2"] == 0
    assert set(to_london["path"].astype(str)) == {"SEA-MBX1>SEA-HUB1>LON-HUB1>LON-MBX1"}

    via_hub_site = sim.run(chain(hub_site=True))
    to_london = via_hub_site.messages[via_hub_site.messages["destination_site"] == "London"]
    assert set(to_london["path"].astype(str)) == {
        "SEA-MBX1>SEA-HUB1>DEN-HUB1>LON-HUB1>LON-MBX1",
        "SEA-MBX1>SEA-HUB1>DEN-HUB2>LON-HUB1>LON-MBX1",
    }
    stations = via_hub_site.stations.set_index("queue")
    assert stations.loc["SEA-HUB1\\Denver", "delivery_type"] == "SmtpRelayToRemoteAdSite"
    assert "SEA-HUB1\\London" not in stations.index
    # the copy crosses each link in its own transfer: 20 ms to Denver, then 60 ms on to London
    delivered = via_hub_site.messages[via_hub_site.messages["destination_site"] == "London"]["latency_s"]
    assert delivered.min() >= 0.080
