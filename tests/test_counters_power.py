"""How often the perfmon verdict is right (sim.results.thresholds): Microsoft's "Submission Queue Length should not
exceed 100" judged on runs that must break it and runs that must not, over 10 seeds each, loads set by theory.

The Submission queue is an M/M/1 queue (one categorizer thread, exponential service of 1 s, more cores than
threads: tests/test_overload_power.py's mm_c). At rho = 1.3 for 40 minutes the backlog grows by about
lambda T (1 - 1/rho) = 1.3 x 2,400 x 0.23 = 720 messages, seven times the limit, with a standard deviation of
about sqrt(2 lambda T) = 79: every seed must be called over. At rho = 0.8 the queue is stable with
P(N > 100) = 0.8^101, about 2e-10 at any moment: over four hours no seed may be called over."""

from __future__ import annotations

from test_overload_power import mm_c

import sim

SEEDS = range(1, 11)


def submission_over(scenario: dict) -> int:
    """Seeds whose HUB1 verdict is over because of its Submission Queue Length."""
    count = 0
    for seed in SEEDS:
        entry = sim.run(scenario, seed=seed).summary()["perfmon"]["HUB1"]
        count += any(o["counter"] == "Submission Queue Length" for o in entry["over"])
    return count


def test_a_submission_queue_growing_at_rho_1_3_is_over_in_every_seed():
    assert submission_over(mm_c(1.3, "40m", "0")) == len(SEEDS)


def test_a_stable_submission_queue_at_rho_0_8_is_within_in_every_seed():
    scenario = mm_c(0.8, "4h", "10m")
    assert all(sim.run(scenario, seed=seed).summary()["perfmon"]["HUB1"]["verdict"] == "within" for seed in SEEDS)
