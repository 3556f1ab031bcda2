"""Peak-hour figures and the overload verdict, against hand calculations and queueing theory."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ZERO_STAGES, one_site, shared_run

from sim.results.report import format_summary


def mm1(rho: float, duration: str = "3h") -> dict:
    """Poisson arrivals at rho/s into one categorizer thread of mean 1 s: an M/M/1 queue at load rho."""
    scenario = one_site(hubs=1, rate=f"{rho}/s", duration=duration, warmup="10m", record="summary", tracking_log=False)
    scenario["sites"][0]["hubs"][0].update(cores=64, categorizer_threads=1)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "1s"}}
    return scenario


def test_overload_is_raised_when_arrivals_outpace_service():
    summary = shared_run(mm1(1.2)).summary()
    assert summary["overloaded"] is True
    assert any(
        reason.startswith("HUB1\\Submission (server HUB1): the queue grew by ") for reason in summary["overload"]
    )
    assert "WARNING overloaded: arrivals outpace service at HUB1\\Submission" in format_summary(summary)


def test_no_overload_at_rho_0_7():
    summary = shared_run(mm1(0.7)).summary()
    assert summary["overloaded"] is False and summary["overload"] == []
    assert "WARNING" not in format_summary(summary)


def test_recipients_still_queued_after_the_drain_are_overload():
    """A 1-core Hub offered twice what it can serve, with a 10-minute drain: mail is left, and named."""
    scenario = one_site(hubs=1, rate="4/s", duration="30m", drain="10m", record="summary")
    scenario["sites"][0]["hubs"][0].update(cores=1)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "constant", "mean": "500ms"}}
    summary = shared_run(scenario).summary()
    assert summary["in_queue_at_end"] > 1000  # 4/s in, 2/s out for 30 min, 10 min of drain: about 2,400 left
    assert any("still queued after the drain, most at HUB1\\Submission" in reason for reason in summary["overload"])


def business_hour_scenario() -> dict:
    """Flat 1 message/s except 4/s in the fourth hour of the day; categorizer 200 ms constant on 2 cores."""
    weights = [1.0] * 24
    weights[3] = 4.0
    scenario = one_site(hubs=1, duration="6h", warmup="30m", record="messages", tracking_log=False)
    scenario["workload"] = {"sent_per_mailbox_per_day": 86400 * sum(weights) / 24 / 100, "diurnal": weights,
                            "recipients": {"dist": "constant", "mean": 1}, "size": "10KB"}  # fmt: skip
    scenario["sites"][0]["hubs"][0].update(cores=2)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "constant", "mean": "200ms"}}
    return scenario


def test_the_busiest_hour_is_the_hour_with_most_arrivals_and_its_figures_are_taken_there():
    result = shared_run(business_hour_scenario())
    summary = result.summary()
    assert (summary["busiest_hour_start_s"], summary["busiest_hour_end_s"]) == (3 * 3600, 4 * 3600)
    # 100 mailboxes x sent/day x weight/mean weight: 4 messages/s in that hour, 14,400 expected (Poisson sd 120)
    assert summary["busiest_hour_messages_per_hour"] == pytest.approx(14400, abs=5 * 120)
    # 4 messages/s x 0.2 core-seconds on 2 cores: 40% at the peak; 1/s outside: 10% (whole run about 15%)
    assert summary["peak_utilisation_by_server"]["HUB1"] == pytest.approx(0.40, abs=0.02)
    assert summary["utilisation_by_server"]["HUB1"] < 0.2
    messages = result.messages
    window = messages[(messages["submitted_at"] >= 3 * 3600) & (messages["submitted_at"] < 4 * 3600)]
    # the p-th percentile of a window is the smallest latency with at least p% of its recipients at or below it
    assert summary["peak_latency_p99_s"] == np.percentile(window["latency_s"].dropna(), 99, method="inverted_cdf")
    load = result.load.set_index("time")
    assert load.loc[4 * 3600 - 300, "core_utilisation"] == pytest.approx(0.40, abs=0.05)  # a 5-minute bin
    assert load.loc[5 * 3600, "core_utilisation"] == pytest.approx(0.10, abs=0.03)


def test_a_hub_carrying_double_load_during_an_outage_shows_it_in_5_minute_bins():
    """Two Hubs share 2 messages/s; HUB1 is down from 1h to 2h, so HUB2 carries both: 25% instead of 12.5%."""
    scenario = one_site(hubs=2, rate="2/s", duration="3h", record="summary", tracking_log=False,
                        faults=[{"server": "HUB1", "down_at": "1h", "up_at": "2h"}])  # fmt: skip
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "constant", "mean": "500ms"}}
    result = shared_run(scenario)
    load = result.load
    hub2 = load[load["server"] == "HUB2"].set_index("time")["core_utilisation"]
    hub1 = load[load["server"] == "HUB1"].set_index("time")["core_utilisation"]
    assert hub2.loc[3900:6900].mean() == pytest.approx(0.25, rel=0.05)
    assert hub2.loc[600:3000].mean() == pytest.approx(0.125, rel=0.05)
    assert hub1.loc[3900:6900].max() == 0.0
    assert result.summary()["utilisation_by_server"]["HUB2"] < 0.2  # the whole-run average hides it
