"""The engine's contract with SimPy: events due exactly at the end are not processed, the clock, counting.

SimPy is pinned in pyproject.toml; these tests fail if an upgrade changes what the engine relies on.
"""

from __future__ import annotations

import simpy

from sim.model.engine import Environment


def test_simpy_leaves_events_due_exactly_at_the_end_unprocessed():
    env = simpy.Environment()
    fired = []
    env.timeout(10).callbacks.append(lambda _e: fired.append("at end"))
    env.timeout(9.999).callbacks.append(lambda _e: fired.append("before end"))
    env.run(until=10)
    assert fired == ["before end"]
    assert env.now == 10


def test_exsim_engine_keeps_simpys_end_of_run_rule():
    env = Environment()
    fired = []
    env.call_later(10, lambda e: fired.append(e.value), "call_later at end")
    env.timeout(10).callbacks.append(lambda _e: fired.append("timeout at end"))
    env.call_later(9.999, lambda e: fired.append(e.value), "before end")
    env.run(until=10)
    assert fired == ["before end"]
    assert env.now == 10
    env.run(until=11)  # the run can go on: what was due at 10 happens first, in scheduling order
    assert fired == ["before end", "call_later at end", "timeout at end"]


def test_clock_is_shared_with_simpy_processes():
    env = Environment()
    seen = []

    def process():
        yield env.timeout(2.5)
        seen.append(env.now)
        env.call_later(1.0, lambda _e: seen.append(env.now))

    env.process(process())
    env.run(until=10)
    assert seen == [2.5, 3.5]


def test_events_scheduled_counts_every_event():
    env = Environment()
    before = env.events_scheduled()
    for delay in (1, 2, 3):
        env.call_later(delay, lambda _e: None)
    env.timeout(4)
    assert env.events_scheduled() - before == 4
