"""Back pressure (DOMAIN.md 6): a burst drives a Hub to High; it refuses new work, drains, and steps down
through Medium to Normal with hysteresis; every refused message is delivered later.

Thresholds by hand from the scenario (scenarios/back-pressure.yaml: a 2 GB queue drive, 1.3 GB used by
other files): High = floor(100 x (2048 MB - 500 MB) / 2048 MB) = 75 (SP1), Medium = 73, Normal = 71.
"""

from __future__ import annotations

import math

import pytest
from conftest import ROOT, shared_run

from sim.model.backpressure import step
from sim.model.roles.transport import HIGH, MEDIUM, NORMAL

SCENARIO = str(ROOT / "scenarios" / "back-pressure.yaml")
HIGH_PCT = math.floor(100 * (2048 - 500) / 2048)


def result():
    import sim

    return shared_run(sim.load_scenario(SCENARIO).model_dump(mode="json", by_alias=True))


def test_thresholds_are_exchange_sp1s():
    assert HIGH_PCT == 75


def test_a_burst_drives_the_hub_to_high_and_it_steps_back_down_with_hysteresis():
    changes = result().pressure
    levels = changes["level"].tolist()
    assert levels[0] == "Medium" and "High" in levels and levels[-1] == "Normal"
    previous = "Normal"
    for row in changes.itertuples():
        disk = row.disk_percent
        if row.level == "High":
            assert disk >= HIGH_PCT or row.version_buckets >= 200
        elif row.level == "Medium" and previous == "Normal":
            assert disk >= HIGH_PCT - 2  # rose to Medium at Medium's threshold
        elif row.level == "Medium":
            assert disk < HIGH_PCT - 2  # fell from High only below Medium (not below High)
        else:
            assert disk < HIGH_PCT - 4  # back to Normal only below Normal
            assert previous == "Medium"  # never straight from High
        previous = row.level


def test_at_high_the_store_driver_takes_no_submissions_and_everything_is_delivered_later():
    res = result()
    changes = res.pressure
    windows = []
    for start, end, level in zip(changes["time"], [*changes["time"][1:], res.end_time], changes["level"]):
        if level == "High":
            windows.append((start, end))
    log = res.tracking_raw
    submits = log[log["event_id"] == "SUBMIT"]["time_s"].to_numpy()
    for start, end in windows:
        assert not ((submits > start) & (submits < end)).any()
    summary = res.summary()
    assert summary["refused_and_retried"] > 0
    assert summary["back_pressure_seconds"]["SEA-HUB1"]["High"] > 600
    assert summary["lost"] == 0 and summary["in_queue_at_end"] == 0
    assert summary["delivered"] == summary["recipients_total"]


@pytest.mark.parametrize(
    "level, value, expected",
    [
        (NORMAL, 72.9, NORMAL), (NORMAL, 73, MEDIUM), (NORMAL, 75, HIGH), (MEDIUM, 74.9, MEDIUM),
        (MEDIUM, 71, MEDIUM), (MEDIUM, 70.9, NORMAL), (HIGH, 73, HIGH), (HIGH, 72.9, MEDIUM), (HIGH, 70, NORMAL),
    ],
)  # fmt: skip
def test_hysteresis_by_hand(level, value, expected):
    assert step(level, value, 71, 73, 75) == expected


def test_medium_takes_mail_only_from_the_organisations_senders():
    import sim
    from sim.model.message import Message
    from sim.model.organisation import Model

    model = Model(sim.load_scenario(SCENARIO))
    hub = model.hubs["SEA-HUB1"]
    internal = Message(1, 0, 1000.0, 0, 0.0, [1], [0])  # sender: mailbox 0 of the organisation
    external = Message(2, model.addresses.other(model.addresses.internet_domain, 5), 1000.0, 0, 0.0, [1], [0])
    hub.set_pressure(MEDIUM)
    assert hub.accepts(internal) and not hub.accepts(external) and hub.accepting
    hub.set_pressure(HIGH)
    assert not hub.accepts(internal) and not hub.accepting
    hub.set_pressure(NORMAL)
    assert hub.accepts(external)
