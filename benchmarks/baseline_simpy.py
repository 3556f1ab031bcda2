"""Idiomatic bare-SimPy model of the mail-shaped network: the yardstick for exsim.

exsim's benchmark reports its speed relative to this file, so it is written the
way a typical SimPy user would write it (one process per message,
``with resource.request() as req: yield req; yield env.timeout(service)``,
Python's ``random.Random``) and deliberately NOT optimised. Do not speed it up:
that would move the yardstick. See benchmarks/README.md.

Network: 3 Mailbox sources (Poisson, 2 msg/s each) -> 2 Hubs in round robin
(c=4) -> 30% to the single Hub of site 2 (c=4) -> mailbox delivery (c=8).
Every station is exponential with utilisation 0.7.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Generator, Iterator

import simpy

SOURCES = 3
SOURCE_RATE = 2.0  # messages/s per Mailbox source (6/s in total)
HUBS, HUB_CAP = 2, 4
HUB_MEAN = 0.7 * HUB_CAP / 3.0  # each hub receives 3 msg/s
SITE2_P, SITE2_CAP = 0.3, 4
SITE2_MEAN = 0.7 * SITE2_CAP / 1.8  # site-2 hub receives 0.3 * 6 = 1.8 msg/s
DELIV_CAP = 8
DELIV_MEAN = 0.7 * DELIV_CAP / 6.0  # delivery receives all 6 msg/s


def run_baseline(n_messages: int = 200_000, seed: int = 1) -> dict:
    """Simulate exactly ``n_messages`` messages and return throughput figures."""
    rng = random.Random(seed)
    env = simpy.Environment()
    hubs = [simpy.Resource(env, capacity=HUB_CAP) for _ in range(HUBS)]
    site2 = simpy.Resource(env, capacity=SITE2_CAP)
    delivery = simpy.Resource(env, capacity=DELIV_CAP)
    rr: Iterator[int] = itertools.count()  # global round-robin counter
    latencies: list[float] = []  # the sink: one entry per completed message

    def message(env: simpy.Environment) -> Generator[simpy.Event, object, None]:
        born = env.now
        hub = hubs[next(rr) % HUBS]
        with hub.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0 / HUB_MEAN))
        if rng.random() < SITE2_P:
            with site2.request() as req:
                yield req
                yield env.timeout(rng.expovariate(1.0 / SITE2_MEAN))
        with delivery.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0 / DELIV_MEAN))
        latencies.append(env.now - born)

    def source(env: simpy.Environment, count: int) -> Generator[simpy.Event, object, None]:
        for _ in range(count):
            yield env.timeout(rng.expovariate(SOURCE_RATE))
            env.process(message(env))

    for i in range(SOURCES):  # split n_messages exactly; the remainder goes to the first sources
        env.process(source(env, n_messages // SOURCES + (i < n_messages % SOURCES)))

    start = time.perf_counter()
    env.run()  # runs until the event queue is empty, i.e. every message is delivered
    wall = time.perf_counter() - start

    n_done = len(latencies)
    assert n_done == n_messages, (n_done, n_messages)
    return {
        "messages": n_done,
        "wall_s": wall,
        "msgs_per_s": n_done / wall,
        # SimPy numbers every scheduled event from env._eid; all of them were processed.
        "events": next(env._eid),
        "mean_latency_s": sum(latencies) / n_done,
    }


if __name__ == "__main__":
    r = run_baseline(200_000, seed=1)
    print(
        f"idiomatic SimPy baseline: {r['messages']:,} messages in {r['wall_s']:.2f} s "
        f"= {r['msgs_per_s']:,.0f} msgs/s; {r['events']:,} events "
        f"({r['events'] / r['messages']:.1f}/msg); mean latency {r['mean_latency_s']:.4f} s"
    )
