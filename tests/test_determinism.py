"""Same scenario and seed give identical results; another seed gives others; streams are independent."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import one_site, shared_run

import sim
from sim.model.random import Streams


def scenario() -> dict:
    s = one_site(hubs=2, mailbox_servers=2, rate="3/s", duration="30m")
    s["workload"]["recipients"] = {"dist": "geometric", "mean": 3}
    s["workload"]["size"] = {"dist": "lognormal", "mean": "50KB", "cv": 1.0}
    return s


def test_same_seed_same_results():
    a, b = shared_run(scenario(), seed=9), sim.run(scenario(), seed=9)  # b: a run of its own
    pd.testing.assert_frame_equal(a.messages, b.messages, check_exact=True)  # bit for bit
    assert a.summary() == b.summary()


def test_different_seed_different_results():
    a, b = shared_run(scenario(), seed=9), sim.run(scenario(), seed=10)
    assert a.summary()["messages_generated"] != b.summary()["messages_generated"] or not a.messages["latency_s"].equals(
        b.messages["latency_s"]
    )


def test_adding_a_server_leaves_other_streams_unchanged():
    base = scenario()
    bigger = scenario()
    bigger["sites"][0]["hubs"].append({"name": "HUB3"})
    a, b = sim.run(base, seed=4), sim.run(bigger, seed=4)
    # arrivals of each Mailbox server come from their own named streams
    submitted = lambda r: r.messages.groupby("message_id")["submitted_at"].first().sort_values().to_numpy()
    assert (submitted(a) == submitted(b)).all()


def test_named_streams_depend_only_on_seed_and_name():
    x = Streams(3).generator("arrivals/MBX1").random(5)
    y = Streams(3).generator("arrivals/MBX1").random(5)
    z = Streams(3).generator("arrivals/MBX2").random(5)
    w = Streams(4).generator("arrivals/MBX1").random(5)
    assert (x == y).all() and not (x == z).any() and not (x == w).any()


def test_queues_of_one_stage_draw_independent_service_times():
    """Regression: every mailbox delivery queue of a Hub once replayed the same service times."""
    s = one_site(hubs=1, mailbox_servers=3, rate="3/s", duration="20m", record="hops")
    s["stages"] = {"store_driver_deliver": {"dist": "exponential", "mean": "50ms"}}
    hops = sim.run(s).hops
    firsts = [tuple(hops[hops["station"] == q]["service_s"].head(5).round(9)) for q in ("MBX1", "MBX2", "MBX3")]
    assert len(set(firsts)) == 3


@pytest.mark.parametrize("kind", ["exponential", "integers", "lognormal", "random", "geometric"])
def test_batch_sizes_do_not_change_the_draws(kind):
    """Batches grow from 16 to 4,096; numpy must give the same sequence as one big draw."""
    draws = {
        "exponential": lambda g, n: g.exponential(2.0, n),
        "integers": lambda g, n: g.integers(0, 1000, n),
        "lognormal": lambda g, n: g.lognormal(0.1, 0.5, n),
        "random": lambda g, n: g.random(n),
        "geometric": lambda g, n: g.geometric(0.4, n),
    }
    sampler = Streams(8).batched("x", draws[kind])
    many = [sampler.next() for _ in range(10_000)]
    assert many == draws[kind](Streams(8).generator("x"), 10_000).tolist()
