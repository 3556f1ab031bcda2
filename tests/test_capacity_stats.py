"""Replications: they differ, they repeat, any row re-runs alone, and their 95% intervals cover 95% of the time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ZERO_STAGES, one_site

import sim
from sim.capacity.seeds import replication_seeds
from sim.capacity.stats import difference, interval


def mm1(rate: float = 0.5, duration: str = "2000s", warmup: str = "200s") -> dict:
    """Poisson arrivals into one categorizer thread, exponential 1 s, on plenty of cores: M/M/1."""
    scenario = one_site(hubs=1, rate=f"{rate}/s", duration=duration, warmup=warmup, record="summary",
                        tracking_log=False)  # fmt: skip
    scenario["sites"][0]["hubs"][0].update(cores=64, categorizer_threads=1)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "1s"}}
    return scenario


def test_replications_differ_repeat_and_rerun_alone():
    first = sim.replicate(mm1(), 4, seed=123)
    runs = first.runs
    assert runs["seed"].nunique() == 4 and runs["latency_mean_s"].nunique() == 4  # they differ
    again = sim.replicate(mm1(), 4, seed=123).runs
    pd.testing.assert_frame_equal(runs, again)  # the same root seed repeats every replication
    assert runs["seed"].tolist() == replication_seeds(123, 4)
    assert replication_seeds(123, 6)[:4] == replication_seeds(123, 4)  # more replications keep the first ones
    row = runs.iloc[2]
    alone = sim.run(mm1(), seed=int(row["seed"])).summary()  # a row's seed re-runs that row alone
    for name in ("messages_generated", "delivered", "latency_mean_s", "latency_p99_s", "peak_latency_p99_s"):
        assert alone[name] == row[name], name
    means = first.means
    assert means.loc["latency_mean_s", "n"] == 4
    assert means.loc["latency_mean_s", "mean"] == pytest.approx(runs["latency_mean_s"].mean())


def test_interval_is_student_t():
    found = interval([1.0, 2.0, 3.0])  # mean 2, s = 1, t(0.975, 2) = 4.302653
    assert (found.mean, found.std) == (2.0, 1.0)
    assert found.half_width == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)
    assert interval([5.0]).n == 1 and np.isnan(interval([5.0]).half_width)
    delta, p = difference([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.5], paired=True)
    assert delta == pytest.approx(1.125) and p < 0.01  # the differences 1, 1, 1, 1.5 are all positive


def test_95_percent_intervals_cover_the_analytic_mean_wait_95_percent_of_the_time():
    """200 replications of M/M/1 (rho 0.5) in 100 independent batches of 2: each batch's t interval (1 degree
    of freedom, t = 12.71) should cover Wq = rho/(mu - lambda) = 1 s in 95% of batches; a normal quantile
    (1.96) would cover about 70%."""
    scenario = sim.load_scenario(mm1())
    expected = 0.5 / (1.0 - 0.5)
    roots = np.random.SeedSequence(2024).generate_state(100)
    covered = 0
    for root in roots:
        result = sim.replicate(scenario, 2, seed=int(root))
        waits = result.runs["latency_mean_s"] - 1.0  # latency = wait + service; service mean 1 s exactly
        found = interval(waits)
        covered += found.low <= expected <= found.high
    assert 93 <= covered <= 97, covered
