"""A Hub's Transport service stops: mail queued on it waits in its queue database; new mail fails over."""

from __future__ import annotations

from conftest import ZERO_STAGES, one_site, shared_run

import sim

DOWN, UP = 3600.0, 5400.0


def outage_scenario(**extra) -> dict:
    scenario = one_site(
        hubs=2,
        rate="0.8/s",
        duration="3h",
        drain="2h",
        faults=[{"server": "HUB1", "down_at": "1h", "up_at": "1h30m"}],
        **extra,
    )
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "2s"}}
    for hub in scenario["sites"][0]["hubs"]:
        hub["categorizer_threads"] = 1  # a busy Hub, so mail is queued on it when it stops
    return scenario


def test_outage_loses_nothing_and_delivers_everything_after_return():
    result = shared_run(outage_scenario())
    summary = result.summary()
    assert summary["lost"] == 0
    assert summary["in_queue_at_end"] == 0
    assert summary["delivered"] == summary["recipients_total"]

    messages = result.messages
    via_hub1 = messages[messages["path"].astype(str).str.contains(">HUB1>")]
    # nothing leaves HUB1 while its Transport service is stopped
    assert not ((via_hub1["delivered_at"] > DOWN + 1e-9) & (via_hub1["delivered_at"] < UP)).any()
    # the mail that was queued on it when it stopped waited for it, and its latency shows the outage
    caught = via_hub1[(via_hub1["submitted_at"] < DOWN) & (via_hub1["delivered_at"] > DOWN)]
    assert len(caught) >= 2
    assert (caught["delivered_at"] >= UP).all()
    assert (caught["latency_s"] >= UP - DOWN).all()


def test_outage_sends_new_mail_to_the_other_hub():
    result = shared_run(outage_scenario())
    messages = result.messages
    during = messages[(messages["submitted_at"] > DOWN) & (messages["submitted_at"] < UP)]
    assert during["path"].astype(str).str.startswith("MBX1>HUB2>").all()
    after = messages[messages["submitted_at"] > UP + 60]
    assert after["path"].astype(str).str.startswith("MBX1>HUB1>").mean() > 0.45


def test_work_in_progress_is_redone_after_restart():
    scenario = outage_scenario(record="hops")
    hops = sim.run(scenario).hops
    categorized_on_hub1 = hops[(hops["server"] == "HUB1") & (hops["station"] == "Submission")]
    # no categorizer service on HUB1 spans the outage: the one in progress was abandoned and redone
    spans = (categorized_on_hub1["started_at"] < DOWN) & (categorized_on_hub1["finished_at"] > DOWN)
    assert not spans.any()
    restarted = categorized_on_hub1[categorized_on_hub1["started_at"] >= UP]
    assert (restarted["queued_at"] < DOWN).any()


def test_queue_samples_show_the_stopped_service():
    queues = shared_run(outage_scenario()).queues
    hub1 = queues[(queues["queue"] == "HUB1\\Submission")]
    inside = hub1[(hub1["time"] > DOWN) & (hub1["time"] < UP)]
    assert set(inside["state"]) == {"Suspended"}
    assert (inside["length"] > 0).all()
    outside = hub1[(hub1["time"] < DOWN) | (hub1["time"] > UP)]
    assert "Suspended" not in set(outside["state"])


def test_queue_samples_cover_every_station_at_every_sample():
    """Idle stations are not recorded but are restored as length 0, Ready, so the table is complete."""
    result = sim.run(outage_scenario(sample_interval="5m"))
    queues = result.queues
    times = sorted(set(queues["time"]))
    assert len(times) == int(result.end_time // 300)  # 0, 300, ...; none at the end itself
    per_time = queues.groupby("time")["queue"].nunique()
    assert per_time.iloc[-1] == len(result.stations)
    idle = queues[queues["length"] == 0]
    assert set(idle["state"]) <= {"Ready", "Suspended"}
    assert (queues.groupby("queue")["time"].apply(lambda t: t.is_monotonic_increasing)).all()
