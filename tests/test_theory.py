"""The engine against queueing theory: one Hub reduced to an M/M/c station, Little's law."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import ZERO_STAGES, one_site, station_rows
from queueing_theory import erlang_c, mmc_mean_wait
from scipy import stats

import sim

SERVICE_MEAN = 1.0  # seconds
SERVERS = 2


def mmc_scenario(utilisation: float, duration: str, record: str = "summary") -> dict:
    """Poisson arrivals into one Hub whose only non-zero stage is an exponential categorizer."""
    rate = utilisation * SERVERS / SERVICE_MEAN
    scenario = one_site(hubs=1, rate=f"{rate}/s", duration=duration, warmup="2000s", record=record)
    scenario["sites"][0]["hubs"][0].update(cores=64, categorizer_threads=SERVERS)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": f"{SERVICE_MEAN}s"}}
    return scenario


def test_erlang_c_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mmc_mean_wait(0.5, 1.0, 1) == pytest.approx(1.0)  # rho/(mu - lambda)


@pytest.mark.parametrize("utilisation, duration", [(0.5, "20000s"), (0.9, "40000s")])
def test_mmc_mean_wait_matches_erlang_c(utilisation, duration):
    scenario = sim.load_scenario(mmc_scenario(utilisation, duration))
    waits = np.array([row["mean_wait_s"] for row in station_rows(scenario, range(1, 21), "HUB1\\Submission")])
    mean, half_width = waits.mean(), stats.t.ppf(0.975, len(waits) - 1) * waits.std(ddof=1) / math.sqrt(len(waits))
    expected = mmc_mean_wait(utilisation * SERVERS / SERVICE_MEAN, 1 / SERVICE_MEAN, SERVERS)
    assert mean - half_width <= expected <= mean + half_width, (mean, half_width, expected)
    assert half_width < 0.1 * expected  # decisive: the interval is narrow, not merely wide


def test_littles_law_holds_for_the_submission_queue():
    result = sim.run(mmc_scenario(0.8, "30000s", record="hops"))
    hops = result.hops
    queue = hops[(hops["server"] == "HUB1") & (hops["station"] == "Submission") & (hops["queued_at"] >= 2000)]
    window = result.end_time - 2000
    arrival_rate = len(queue) / window
    mean_wait = (queue["started_at"] - queue["queued_at"]).mean()
    mean_stay = (queue["finished_at"] - queue["queued_at"]).mean()
    row = result.stations.set_index("queue").loc["HUB1\\Submission"]
    assert row["mean_waiting"] == pytest.approx(arrival_rate * mean_wait, rel=0.02)
    assert row["mean_waiting"] > 1.0  # a real queue, so the check is not 0 == 0
    assert row["mean_queue_length"] == pytest.approx(arrival_rate * mean_stay, rel=0.02)  # waiting or in service
