"""What happens when things break: Exchange's retry timers, delay DSNs and expiry, queue at point of
failure, Unreachable resubmission, the kinds of fault and their schedules (DOMAIN.md 2, 5.1, 9).

Expected instants come from the timers' definitions (DOMAIN.md 5.1): after a failed connection come
QueueGlitchRetryCount retries QueueGlitchRetryInterval apart, then TransientFailureRetryCount retries
TransientFailureRetryInterval apart, then one every OutboundConnectionFailureRetryInterval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ZERO_STAGES, one_site, shared_run

import sim
from sim.cli import main


def schedule(first: float, steps: list[tuple[int, float]], then: float, until: float) -> list[float]:
    """The failed attempts' instants from `first` until `until`, by hand from the timers."""
    times, t = [first], first
    for count, interval in steps:
        for _ in range(count):
            t += interval
            times.append(t)
    while t + then < until:
        t += then
        times.append(t)
    return [x for x in times if x < until]


def retries(result, queue: str) -> np.ndarray:
    events = result.queue_events
    return events[(events["queue"] == queue) & (events["status"] == "Retry")]["time"].to_numpy()


def two_sites(**extra) -> dict:
    scenario = {
        "name": "two sites", "duration": "3h", "seed": 3,
        "sites": [
            {"name": "Seattle", "hubs": [{"name": "SEA-HUB1"}], "mailbox_servers": [{"name": "SEA-MBX1", "mailboxes": 100}]},
            {"name": "London", "hubs": [{"name": "LON-HUB1"}],
             "mailbox_servers": [{"name": "LON-MBX1", "mailboxes": 300, "sends_mail": False}]},
        ],
        "site_links": [{"sites": ["Seattle", "London"], "latency": "10ms"}],
        "workload": {"rate": "1/s", "recipients": {"dist": "constant", "mean": 1}, "size": "10KB"},
        "stages": ZERO_STAGES,
    }  # fmt: skip
    scenario.update(extra)
    return scenario


# -- retry timers ----------------------------------------------------------------------------------------


def test_a_hub_queue_retries_at_its_timers_exact_instants():
    timers = {"queue_glitch_retry_count": 2, "queue_glitch_retry_interval": "30s", "transient_failure_retry_count": 3,
              "transient_failure_retry_interval": "2m", "outbound_connection_failure_retry_interval": "10m"}  # fmt: skip
    scenario = two_sites(transport=timers, faults=[{"server": "LON-HUB1", "down_at": "10m", "up_at": "2h10m"}])
    result = sim.run(scenario)
    failed = retries(result, "SEA-HUB1\\London")
    expected = schedule(failed[0], [(2, 30), (3, 120)], 600, until=7800)
    assert failed == pytest.approx(expected)
    assert 600 <= failed[0] < 602  # the first message after the failure finds it
    # the first retry after the return succeeds, and the mail leaves then
    back = expected[-1] + 600
    london = result.messages[result.messages["destination_site"] == "London"]
    waited = london[(london["submitted_at"] > 601) & (london["submitted_at"] < 7800)]
    assert back <= waited["delivered_at"].min() < back + 0.1
    assert result.summary()["lost"] == 0


def test_a_server_overrides_the_organisation_timers():
    scenario = two_sites(faults=[{"server": "LON-HUB1", "down_at": "10m", "up_at": "1h"}])
    scenario["sites"][0]["hubs"][0]["transport"] = {"queue_glitch_retry_interval": "45s"}
    failed = retries(sim.run(scenario), "SEA-HUB1\\London")
    # Hub defaults otherwise: 4 glitch retries, then 6 at 5 min, then every 10 min
    assert failed == pytest.approx(schedule(failed[0], [(4, 45), (6, 300)], 600, until=3600))


def internet_fault(mode: str, down_at: str, up_at: str, **extra) -> dict:
    """One Hub, one Edge, every message to fabrikam.com on the Internet, which is `mode` from down_at to up_at."""
    return {
        "name": f"internet {mode}", "seed": 2,
        "sites": [{"name": "A", "hubs": [{"name": "HUB1"}], "mailbox_servers": [{"name": "MBX1", "mailboxes": 100}]}],
        "edges": [{"name": "EDGE1", "subscribed_site": "A"}],
        "workload": {"rate": "0.2/s", "recipients": {"dist": "constant", "mean": 1}, "size": "10KB",
                     "domains": [{"domain": "fabrikam.com", "share": 1.0}]},
        "faults": [{"kind": "internet", "mode": mode, "down_at": down_at, "up_at": up_at}],
        **extra,
    }  # fmt: skip


def test_an_edge_queue_retries_on_edge_defaults_while_the_internet_is_unreachable():
    result = sim.run(internet_fault("unreachable", "5m", "3h", duration="4h"))
    failed = retries(result, "EDGE1\\fabrikam.com")
    # an Edge: TransientFailureRetryInterval 10 min, OutboundConnectionFailureRetryInterval 30 min (DOMAIN.md 5.1)
    assert failed == pytest.approx(schedule(failed[0], [(4, 60), (6, 600)], 1800, until=10800))
    assert result.summary()["lost"] == 0


# -- delay DSNs and expiry -----------------------------------------------------------------------------------

SHORT = {"delay_notification_timeout": "10m", "message_expiration_timeout": "20m"}


def expired_exactly(result, rows: pd.DataFrame) -> None:
    assert len(rows) > 100
    assert (rows["status"] == "ndr").all()
    assert rows["reason"].str.startswith("550 4.4.7").all()
    assert (rows["finished_at"] - rows["submitted_at"]).to_numpy() == pytest.approx(1200, abs=1e-6)


def test_mail_waiting_in_a_remote_queue_gets_a_delay_dsn_then_expires_exactly():
    scenario = two_sites(duration="30m", drain="30m", transport=SHORT,
                         faults=[{"server": "LON-HUB1", "down_at": "0s"}])  # fmt: skip
    result = sim.run(scenario)
    expired = result.messages[result.messages["reason"].str.contains("4.4.7")]
    expired_exactly(result, expired)
    log = result.tracking_raw
    delays = log[(log["event_id"] == "DSN") & (log["recipient_status"].str.startswith("400 4.4.7"))]
    assert len(delays) == len(expired) == result.summary()["delay_dsns"] == result.summary()["expired"]
    assert (delays["time_s"] - delays["original_time_s"]).to_numpy() == pytest.approx(600, abs=1e-6)
    assert set(delays["server"]) == {"SEA-HUB1"}  # where they waited
    local = result.messages[result.messages["status"] == "delivered"]
    assert set(local["destination_site"]) == {"Seattle"} and len(local) + len(expired) == len(result.messages)
    assert result.summary()["lost"] == 0 and result.summary()["in_queue_at_end"] == 0


def test_mail_for_a_mailbox_server_that_is_down_expires_exactly_in_the_delivery_queue():
    scenario = one_site(hubs=1, mailbox_servers=2, rate="0.5/s", duration="30m", drain="30m", transport=SHORT,
                        faults=[{"kind": "server", "server": "MBX2", "down_at": "0s"}])  # fmt: skip
    scenario["sites"][0]["mailbox_servers"][1]["sends_mail"] = False
    result = sim.run(scenario)
    to_mbx2 = result.messages[result.messages["reason"].str.contains("4.4.7")]
    expired_exactly(result, to_mbx2)
    delivered = result.messages[result.messages["status"] == "delivered"]
    assert set(delivered["destination_server"].astype(str)) == {"MBX1"}
    assert len(to_mbx2) + len(delivered) == result.summary()["recipients_total"]
    assert "HUB1\\MBX2" in set(result.queue_events[result.queue_events["status"] == "Retry"]["queue"])


def test_mail_waiting_in_an_outbox_expires_exactly():
    scenario = one_site(hubs=1, rate="0.5/s", duration="30m", drain="30m", transport=SHORT,
                        faults=[{"server": "HUB1", "down_at": "0s"}])  # fmt: skip
    result = sim.run(scenario)
    expired_exactly(result, result.messages)
    summary = result.summary()
    assert summary["expired"] == summary["delay_dsns"] == summary["recipients_total"]
    # every delay DSN has its row: in the Mailbox server's own log (MSGTRKM), where the mail waited
    log = result.tracking_log
    delays = log[(log["event-id"] == "DSN") & log["recipient-status"].str.startswith("400 4.4.7")]
    assert delays["recipient-count"].sum() == summary["delay_dsns"]
    assert set(delays["role"]) == {"Mailbox"} and set(delays["server"]) == set(result.messages["origin_server"])


# -- queue at point of failure ---------------------------------------------------------------------------------


def chain(**extra) -> dict:
    """Seattle - Denver - London; the Denver-London link down from 10 to 40 minutes."""
    scenario = {
        "name": "chain", "duration": "1h", "drain": "30m", "seed": 7, "record": "hops",
        "sites": [
            {"name": "Seattle", "hubs": [{"name": "SEA-HUB1"}], "mailbox_servers": [{"name": "SEA-MBX1", "mailboxes": 100}]},
            {"name": "Denver", "hubs": [{"name": "DEN-HUB1"}],
             "mailbox_servers": [{"name": "DEN-MBX1", "mailboxes": 100, "sends_mail": False}]},
            {"name": "London", "hubs": [{"name": "LON-HUB1"}],
             "mailbox_servers": [{"name": "LON-MBX1", "mailboxes": 100, "sends_mail": False}]},
        ],
        "site_links": [{"sites": ["Seattle", "Denver"]}, {"sites": ["Denver", "London"]}],
        "workload": {"rate": "1/s", "recipients": {"dist": "constant", "mean": 1}, "size": "10KB"},
        "stages": ZERO_STAGES,
        "faults": [{"kind": "site_link", "sites": ["Denver", "London"], "down_at": "10m", "up_at": "40m"}],
    }  # fmt: skip
    scenario.update(extra)
    return scenario


def test_mail_backs_off_along_the_path_and_waits_at_the_closest_reachable_site():
    result = shared_run(chain())
    london = result.messages[result.messages["destination_site"] == "London"]
    during = london[(london["submitted_at"] > 601) & (london["submitted_at"] < 2400)]
    outside = london[(london["submitted_at"] < 599) | (london["submitted_at"] > 2400 + 600)]
    assert len(during) > 300
    # direct relay when the path is up; through Denver's Hub while Denver-London is down
    assert set(outside["path"].astype(str)) == {"SEA-MBX1>SEA-HUB1>LON-HUB1>LON-MBX1"}
    assert set(during["path"].astype(str)) == {"SEA-MBX1>SEA-HUB1>DEN-HUB1>LON-HUB1>LON-MBX1"}
    assert (during["delivered_at"] >= 2400).all()  # after the link returned
    # they waited on Denver's Hub, in Retry, not on Seattle's
    samples = result.queues
    inside = samples[(samples["time"] > 900) & (samples["time"] < 2400)]
    assert inside[inside["queue"] == "DEN-HUB1\\London"]["length"].max() > 200
    assert inside[inside["queue"] == "SEA-HUB1\\London"]["length"].max() <= 1
    assert "Retry" in set(inside[inside["queue"] == "DEN-HUB1\\London"]["state"].astype(str))
    assert result.summary()["lost"] == 0 and result.summary()["in_queue_at_end"] == 0


def test_get_queue_at_an_instant_lists_the_queue_at_the_point_of_failure(capsys, tmp_path):
    result = shared_run(chain())
    view = result.queue_view("20m").set_index("Identity")
    row = view.loc["DEN-HUB1\\London"]
    assert row["Status"] == "Retry" and row["DeliveryType"] == "SmtpRelayToRemoteAdSite"
    assert row["NextHopDomain"] == "London" and row["LastError"].startswith("421")
    assert row["MessageCount"] > 100 and row["NextRetryTime"] > result.start + pd.Timedelta(minutes=20)
    assert "SEA-HUB1\\Submission" in view.index and "SEA-HUB1\\Poison" not in view.index  # Poison: only with mail
    path = tmp_path / "chain.yaml"
    import yaml

    path.write_text(yaml.safe_dump(chain()))
    assert main(["queues", str(path), "--at", "20m"]) == 0
    out = capsys.readouterr().out
    assert "DEN-HUB1\\London" in out and "Retry" in out and "NextRetryTime" in out


# -- scheduled configuration changes and other kinds ---------------------------------------------------


def test_unreachable_mail_is_resubmitted_when_its_send_connector_returns():
    scenario = one_site(hubs=1, rate="0.5/s", duration="1h", drain="10m",
                        send_connectors=[{"name": "To Fabrikam", "address_spaces": ["fabrikam.com"],
                                          "source_servers": ["HUB1"]}],
                        faults=[{"kind": "send_connector", "connector": "To Fabrikam", "down_at": "10m",
                                 "up_at": "30m"}])  # fmt: skip
    scenario["workload"]["domains"] = [{"domain": "fabrikam.com", "share": 0.5}]
    result = sim.run(scenario)
    fabrikam = result.messages[result.messages["recipient"].str.endswith("@fabrikam.com")]
    during = fabrikam[(fabrikam["submitted_at"] > 601) & (fabrikam["submitted_at"] < 1800)]
    assert len(during) > 200 and (during["status"] == "delivered").all()
    assert during["delivered_at"].min() >= 1800  # resubmitted at 30m, through the Categorizer again
    assert during["delivered_at"].max() < 1800 + 10  # all of them at once (a few seconds of Hub work)
    assert result.summary()["lost"] == 0


def test_a_partition_cuts_a_site_off_from_the_others():
    scenario = chain(faults=[{"kind": "partition", "sites": ["London"], "down_at": "10m", "up_at": "40m"}])
    result = sim.run(scenario)
    london = result.messages[result.messages["destination_site"] == "London"]
    during = london[(london["submitted_at"] > 601) & (london["submitted_at"] < 2400)]
    assert (during["delivered_at"] >= 2400).all() and result.summary()["lost"] == 0


def test_the_internet_refusing_defers_every_delivery_until_it_stops():
    result = sim.run(internet_fault("refuse", "0s", "20m", duration="30m", drain="30m"))
    assert (result.messages["delivered_at"] >= 1200).all() and (result.messages["status"] == "delivered").all()
    log = result.tracking_log
    assert (log["event-id"] == "DEFER").sum() >= len(result.messages[result.messages["submitted_at"] < 1100])


def test_repeating_and_random_schedules_give_the_windows_they_say():
    scenario = one_site(hubs=2, rate="1/s", duration="10h",
                        faults=[{"server": "HUB1", "every": "2h", "for": "10m", "first_at": "30m"},
                                {"server": "HUB2", "mtbf": "3h", "mttr": "15m", "name": "flaky"}])  # fmt: skip
    result = sim.run(scenario)
    windows = result.fault_windows
    repeating = windows[windows["target"] == "HUB1"]
    assert repeating["start"].tolist() == [1800 + 7200 * k for k in range(5)]
    assert (repeating["end"] - repeating["start"]).tolist() == [600] * 5
    randoms = windows[windows["fault"] == "flaky"]
    assert len(randoms) >= 1 and (randoms["end"] > randoms["start"]).all()
    assert result.summary()["lost"] == 0


def test_random_faults_repeat_with_the_seed():
    scenario = one_site(hubs=2, rate="1/s", duration="4h",
                        faults=[{"server": "HUB1", "mtbf": "1h", "mttr": "10m"},
                                {"kind": "server", "server": "MBX1", "mtbf": "2h", "mttr": "5m"}])  # fmt: skip
    a, b = sim.run(scenario, seed=3), sim.run(scenario, seed=3)
    pd.testing.assert_frame_equal(a.fault_windows, b.fault_windows, check_exact=True)
    pd.testing.assert_frame_equal(a.messages, b.messages, check_exact=True)  # bit for bit
    pd.testing.assert_frame_equal(a.queue_events, b.queue_events, check_exact=True)
    assert not a.fault_windows.equals(sim.run(scenario, seed=4).fault_windows)
