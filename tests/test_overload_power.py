"""The overload verdict's power (sim.results.overload): how often it is right on runs that must be called
overloaded and runs that must not, over 20 seeds each, with the load set by queueing theory.

An M/M/1 queue: Poisson arrivals at rate rho per second into one categorizer thread whose service is
exponential with a mean of 1 s, on a Hub with more cores than threads (the thread is the only limit), so
the offered load is exactly rho. At rho > 1 the backlog grows by about lambda T (1 - 1/rho) messages in
T seconds; at rho <= 0.8 the queue is stable with a mean length of rho / (1 - rho) = 4 at rho = 0.8.
"""

from __future__ import annotations

import pytest
from conftest import ZERO_STAGES, one_site

import sim
from sim.results.report import format_summary

SEEDS = range(1, 21)


def mm_c(rho: float, duration: str, warmup: str, threads: int = 1, mean: float = 1.0) -> dict:
    """M/M/c at load rho: `threads` categorizer threads, exponential service of `mean` seconds."""
    rate = rho * threads / mean
    scenario = one_site(hubs=1, rate=f"{rate}/s", duration=duration, warmup=warmup, record="summary",
                        tracking_log=False)  # fmt: skip
    scenario["sites"][0]["hubs"][0].update(cores=64, categorizer_threads=threads)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": f"{mean}s"}}
    return scenario


def submission(rho: float, duration: str, warmup: str) -> dict:
    """M/M/1 at Store Driver submission: one submission thread, exponential 1 s. The Hub pulls from the Outbox
    (sim.model.submission), so the queue that grows is the Mailbox server's Outbox."""
    scenario = mm_c(rho, duration, warmup)
    scenario["sites"][0]["hubs"][0].update(categorizer_threads=64, max_concurrent_mailbox_submissions=1)
    scenario["stages"] = {**ZERO_STAGES, "store_driver_submit": {"dist": "exponential", "mean": "1s"}}
    return scenario


def flagged(scenario: dict) -> int:
    return sum(sim.run(scenario, seed=seed).summary()["overloaded"] for seed in SEEDS)


@pytest.mark.parametrize(
    "scenario",
    [
        mm_c(1.1, "40m", "10m"),
        mm_c(1.1, "30m", "0"),
        mm_c(1.1, "40m", "10m", threads=8, mean=5.0),
        submission(1.1, "40m", "10m"),
    ],
    ids=["30 minutes after a warm-up", "30 minutes from empty", "8 threads", "the Outbox"],
)
def test_rho_1_1_sustained_for_30_minutes_is_called_overloaded_in_at_least_19_of_20_seeds(scenario):
    assert flagged(scenario) >= 19


@pytest.mark.parametrize(
    "scenario",
    [mm_c(0.8, "4h", "10m"), mm_c(0.8, "4h", "10m", threads=4, mean=2.0), submission(0.8, "4h", "10m")],
    ids=["1 thread", "4 threads", "the Outbox"],
)
def test_rho_0_8_for_four_hours_is_called_overloaded_in_none_of_20_seeds(scenario):
    assert flagged(scenario) == 0


def test_an_overload_of_one_hour_inside_a_quiet_day_is_found_and_named():
    """rho 0.5 for three hours, 1.2 in the fourth (a peak hour), 0.5 after: the reason names the queue and when."""
    weights = [0.5] * 24
    weights[3] = 1.2
    scenario = mm_c(1.0, "6h", "30m")
    scenario["workload"] = {"sent_per_mailbox_per_day": 86400 * sum(weights) / 24 / 100, "diurnal": weights,
                            "recipients": {"dist": "constant", "mean": 1}, "size": "10KB"}  # fmt: skip
    summary = sim.run(scenario, seed=3).summary()
    assert summary["verdict"] == "overloaded"
    [reason] = summary["overload"]
    assert reason.startswith("HUB1\\Submission (server HUB1): the queue grew by ")
    start = float(reason.split(" from ")[1].split("h")[0])  # "... in the 30m from 3h20m (..."
    assert start == 3  # the window lies in the fourth hour
    assert "WARNING overloaded: arrivals outpace service at HUB1\\Submission" in format_summary(summary)


def test_a_run_stopped_early_is_partial_and_never_called_overloaded():
    """Offered twice what it can serve, stopped (as Ctrl-C stops it) at 40 of 60 minutes: mail in flight then
    says nothing about capacity, so the verdict is "partial"; the same run to its end is overloaded."""
    scenario = mm_c(2.0, "1h", "0")
    stopped = sim.run(scenario, seed=1, watch=lambda now, _generated: now >= 2400)
    summary = stopped.summary()
    assert stopped.partial and summary["partial"] is True
    assert summary["in_queue_at_end"] > 1000  # 2/s in, 1/s out for 40 minutes
    assert summary["verdict"] == "partial" and summary["overloaded"] is False and summary["overload"] == []
    assert "partial run: no overload verdict" in format_summary(summary)
    assert "WARNING" not in format_summary(summary)
    assert sim.run(scenario, seed=1).summary()["verdict"] == "overloaded"
