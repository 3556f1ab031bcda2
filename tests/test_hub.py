"""Hub Transport pipeline: thread limits, shared cores, FIFO categorizer, per-destination queues."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ZERO_STAGES, one_site

import sim
from sim.model.simulation import run
from sim.results.results import NotRecorded


def max_concurrency(rows: pd.DataFrame) -> int:
    """Most services in progress at once, from start and finish times."""
    events = sorted(
        [(t, 1) for t in rows["started_at"]] + [(t, -1) for t in rows["finished_at"]], key=lambda e: (e[0], e[1])
    )
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def busy_hub(stage: str, **hub) -> dict:
    scenario = one_site(hubs=1, mailbox_servers=2, rate="3/s", duration="20m", record="hops")
    scenario["sites"][0]["hubs"][0].update(cores=64, **hub)
    scenario["stages"] = {**ZERO_STAGES, stage: {"dist": "exponential", "mean": "1s"}}
    return scenario


def test_mailbox_deliveries_share_max_concurrent_mailbox_deliveries():
    result = sim.run(busy_hub("store_driver_deliver", max_concurrent_mailbox_deliveries=3))
    hops = result.hops
    deliveries = hops[hops["station"].isin(["MBX1", "MBX2"])]
    assert max_concurrency(deliveries) == 3  # reached, never exceeded, over both queues
    for name in ("MBX1", "MBX2"):  # neither queue starves the other
        assert (deliveries["station"] == name).sum() > 1000
    assert result.stations.set_index("queue").loc["HUB1\\MBX1", "max_queue_length"] > 10


def test_store_driver_submission_limit():
    result = sim.run(busy_hub("store_driver_submit", max_concurrent_mailbox_submissions=2))
    submissions = result.hops[result.hops["station"] == "StoreDriverSubmission"]
    assert max_concurrency(submissions) == 2


def test_categorizer_takes_messages_fifo():
    result = sim.run(busy_hub("categorizer", categorizer_threads=2))
    rows = result.hops[result.hops["station"] == "Submission"].sort_values(["queued_at", "message_id"])
    assert rows["started_at"].is_monotonic_increasing
    assert max_concurrency(rows) == 2


def cores_scenario(cores: int) -> dict:
    scenario = one_site(hubs=1, rate="1.5/s", duration="3h", warmup="10m")
    scenario["sites"][0]["hubs"][0].update(cores=cores, categorizer_threads=4)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "0.5s"}}
    return scenario


def test_cores_bound_capacity():
    four = sim.run(cores_scenario(4)).summary()
    one = sim.run(cores_scenario(1)).summary()
    # the same core time spread over fewer cores: four times the utilisation
    assert four["utilisation_by_server"]["HUB1"] == pytest.approx(1.5 * 0.5 / 4, rel=0.05)
    assert one["utilisation_by_server"]["HUB1"] == pytest.approx(1.5 * 0.5 / 1, rel=0.05)
    # one core with 4 threads behaves as M/M/1 (mean sojourn 1/(mu - lambda) = 2 s); four cores barely queue
    assert one["latency_mean_s"] == pytest.approx(2.0, rel=0.15)
    assert four["latency_mean_s"] < 0.7


def test_per_kb_and_per_recipient_work_add_service_time():
    scenario = one_site(hubs=1, rate="0.05/s", duration="3h", record="hops")
    scenario["sites"][0]["hubs"][0]["cores"] = 64
    scenario["workload"]["recipients"] = {"dist": "constant", "mean": 3}
    scenario["workload"]["size"] = "100KB"
    scenario["stages"] = {
        **ZERO_STAGES,
        "categorizer": {"dist": "constant", "mean": "10ms", "per_kb": "1ms", "per_recipient": "20ms"},
    }
    hops = sim.run(scenario).hops
    service = hops[hops["station"] == "Submission"]["service_s"]
    assert service.to_numpy() == pytest.approx(0.010 + 100 * 0.001 + 3 * 0.020)


def test_zero_time_stages_cost_no_events():
    scenario = one_site(hubs=1, rate="5/s", duration="10m", stages=ZERO_STAGES)
    model = sim.Model(sim.load_scenario(scenario))
    result = sim.Results(run(model))
    generated = result.summary()["messages_generated"]
    # one arrival event per message, plus the samplers (queues every minute, back pressure every 2 s) and
    # bookkeeping: no event per stage
    back_pressure_ticks = 600 / 2
    assert model.events_scheduled() < generated * 1.05 + 50 + back_pressure_ticks
    assert (result.messages["latency_s"] == 0).all()


def test_recording_levels():
    base = one_site(hubs=1, rate="2/s", duration="10m")
    summary_only = sim.run({**base, "record": "summary"})
    assert summary_only.messages.empty and len(summary_only.record.hops["message_id"]) == 0
    with pytest.raises(NotRecorded, match="record: hops"):  # no hops kept: the table says so (issue 10)
        _ = summary_only.hops
    assert summary_only.summary()["latency_p50_s"] > 0
    with_messages = sim.run({**base, "record": "messages"})
    assert len(with_messages.messages) == with_messages.summary()["delivered"]
    assert len(with_messages.record.hops["message_id"]) == 0
    with pytest.raises(NotRecorded, match="record: hops"):
        _ = with_messages.hops
    with_hops = sim.run({**base, "record": "hops"})
    assert set(with_hops.hops["station"]) >= {"StoreDriverSubmission", "Submission", "MBX1"}
    assert summary_only.summary() == with_messages.summary() == with_hops.summary()
