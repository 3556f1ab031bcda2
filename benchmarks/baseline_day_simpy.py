"""Idiomatic SimPy model of bench_scale's realistic day: the same-work yardstick for exsim.

Written the way a competent SimPy user would write it, and deliberately NOT optimised (do not speed it
up: that would move the yardstick): one process per message and one per bifurcated copy, every stage
`with threads.request(): with cores.request(): yield env.timeout(service)`, Python's `random.Random`,
one record per delivered recipient appended to a list. No tracking log and no back pressure: what is
the same is the work a message does, stage by stage.

The organisation and the mail are bench_scale's (benchmarks/bench_scale.py `scale_scenario`):
- 5 AD sites in a ring, each with 3 Hubs (4 cores) and 5 Mailbox servers sharing its mailboxes;
- each Mailbox server a non-homogeneous Poisson source: mailboxes x 10 messages a day on the
  business-day curve (the unit exponential spent against the integrated hourly rate, as exsim does);
- recipients per message geometric with mean 2, distinct, uniform over every mailbox; size lognormal
  with mean 50 KB and cv 1;
- exsim's default stage times (sim/scenario/schema.py `Stages`), each exponential plus per-KB and
  per-recipient work, on the Hub's cores except the SMTP session:
  Store Driver submission (20 threads; 25 ms + 0.2 ms/KB), round robin over the site's Hubs;
  categorizer (4 threads; 40 ms + 5 ms/recipient), one copy per next hop: a local Mailbox server or
  another site (Exchange's bifurcation);
  mailbox delivery (20 threads a Hub; 30 ms + 0.2 ms/KB);
  relay to another site (20 connections a next hop; 20 ms SMTP session + size over 100 Mbps, no core),
  to the target site's Hubs in round robin, holding the connection through the receiver's
  SMTP Receive (15 ms + 0.1 ms/KB), then the receiver's categorizer and mailbox delivery.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Generator

import simpy

SITES, HUBS, MAILBOX_SERVERS = 5, 3, 5
CORES, SUBMIT_THREADS, CATEGORIZER_THREADS, DELIVERY_THREADS, RELAY_CONNECTIONS = 4, 20, 4, 20, 20
SENT_PER_DAY = 10.0
CURVE = [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 2.0, 2.6, 2.4, 2.0, 1.6, 2.2, 2.4, 2.2, 1.8, 1.2, 0.7, 0.4, 0.3, 0.2, 0.1, 0.1]  # fmt: skip
BUSINESS_DAY = [w * 24.0 / sum(CURVE) for w in CURVE]  # weights of mean 1: a day's total is the profile's
DAY = 86_400.0
KB = 1024.0
MEAN_SIZE, SIZE_CV = 50 * KB, 1.0
MEAN_RECIPIENTS = 2.0
BANDWIDTH = 100e6  # bits/s, the site link default
# (mean s, per KB s, per recipient s): exsim's defaults
SUBMIT = (0.025, 0.0002, 0.0)
CATEGORIZE = (0.040, 0.0, 0.005)
DELIVER = (0.030, 0.0002, 0.0)
RECEIVE = (0.015, 0.0001, 0.0)
SEND = 0.020
STAGES = ("StoreDriverSubmission", "Submission", "MapiDelivery", "SmtpRelayToRemoteAdSite", "SmtpReceive")


class Hub:
    """One Hub Transport server: its cores and thread limits as SimPy Resources."""

    def __init__(self, env: simpy.Environment, site: int) -> None:
        self.site = site
        self.cores = simpy.Resource(env, CORES)
        self.submit = simpy.Resource(env, SUBMIT_THREADS)
        self.categorizer = simpy.Resource(env, CATEGORIZER_THREADS)
        self.delivery = simpy.Resource(env, DELIVERY_THREADS)
        self.relay = {other: simpy.Resource(env, RELAY_CONNECTIONS) for other in range(SITES) if other != site}


def run_day(mailboxes: int = 10_000, seed: int = 1, duration: float = DAY) -> dict:
    """Simulate the day and return throughput, passes per stage and latency."""
    rng = random.Random(seed)
    env = simpy.Environment()
    per_server = mailboxes // (SITES * MAILBOX_SERVERS)
    total = per_server * SITES * MAILBOX_SERVERS
    hubs = [[Hub(env, site) for _ in range(HUBS)] for site in range(SITES)]
    turn = [itertools.cycle(site_hubs) for site_hubs in hubs]  # Mail Submission Service round robin
    relay_turn = {(s, d): itertools.cycle(hubs[d]) for s in range(SITES) for d in range(SITES) if s != d}
    passes: Counter[str] = Counter()
    records: list[tuple] = []  # one per delivered recipient
    ids = itertools.count(1)
    mu_size = math.log(MEAN_SIZE) - math.log(1 + SIZE_CV**2) / 2
    sigma_size = math.sqrt(math.log(1 + SIZE_CV**2))

    def service(stage: tuple, kb: float, recipients: int) -> float:
        mean, per_kb, per_recipient = stage
        return rng.expovariate(1.0 / mean) + per_kb * kb + per_recipient * recipients

    def on_cores(hub: Hub, threads: simpy.Resource, name: str, time_: float) -> Generator:
        passes[name] += 1
        with threads.request() as thread:
            yield thread
            with hub.cores.request() as core:
                yield core
                yield env.timeout(time_)

    def categorize(hub: Hub, msg: dict, recipients: list[int]) -> Generator:
        """The categorizer, then one copy per next hop, each its own process."""
        yield from on_cores(hub, hub.categorizer, "Submission", service(CATEGORIZE, msg["kb"], len(recipients)))
        groups: dict[tuple, list[int]] = {}
        for recipient in recipients:
            server = recipient // per_server
            site = server // MAILBOX_SERVERS
            key = ("mailbox", server) if site == hub.site else ("site", site)
            groups.setdefault(key, []).append(recipient)
        for (kind, where), group in groups.items():
            if kind == "mailbox":
                env.process(deliver(hub, msg, where, group))
            else:
                env.process(relay(hub, msg, where, group))

    def deliver(hub: Hub, msg: dict, server: int, recipients: list[int]) -> Generator:
        yield from on_cores(hub, hub.delivery, "MapiDelivery", service(DELIVER, msg["kb"], len(recipients)))
        for recipient in recipients:
            records.append((msg["id"], recipient, msg["origin"], server, msg["size"], msg["submitted"], env.now))

    def relay(hub: Hub, msg: dict, site: int, recipients: list[int]) -> Generator:
        passes["SmtpRelayToRemoteAdSite"] += 1
        with hub.relay[site].request() as connection:
            yield connection
            yield env.timeout(rng.expovariate(1.0 / SEND) + msg["size"] * 8.0 / BANDWIDTH)
            target = next(relay_turn[hub.site, site])
            # the connection stays open until the receiver has committed the message
            yield from on_cores(target, target.cores, "SmtpReceive", service(RECEIVE, msg["kb"], len(recipients)))
        yield from categorize(target, msg, recipients)

    def message(origin: int, msg: dict) -> Generator:
        hub = next(turn[origin // MAILBOX_SERVERS])
        yield from on_cores(hub, hub.submit, "StoreDriverSubmission", service(SUBMIT, msg["kb"], 0))
        yield from categorize(hub, msg, msg["recipients"])

    def recipients_of() -> list[int]:
        count = 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - 1.0 / MEAN_RECIPIENTS))  # geometric, >= 1
        chosen: list[int] = []
        while len(chosen) < count:
            recipient = rng.randrange(total)
            if recipient not in chosen:
                chosen.append(recipient)
        return chosen

    def next_arrival(now: float, base: float) -> float:
        """Spend a unit exponential against the integrated hourly rate."""
        budget, t = rng.expovariate(1.0), now
        while True:
            hour = int(t // 3600.0)
            rate = base * BUSINESS_DAY[hour % 24]
            remaining = (hour + 1) * 3600.0 - t
            if rate * remaining >= budget:
                return t + budget / rate
            budget -= rate * remaining
            t += remaining

    def source(origin: int) -> Generator:
        base = per_server * SENT_PER_DAY / DAY
        first = origin * per_server
        while True:
            at = next_arrival(env.now, base)
            if at >= duration:
                return
            yield env.timeout(at - env.now)
            size = rng.lognormvariate(mu_size, sigma_size)
            msg = {"id": next(ids), "sender": first + rng.randrange(per_server), "origin": origin, "size": size,
                   "kb": size / KB, "submitted": env.now, "recipients": recipients_of()}  # fmt: skip
            env.process(message(origin, msg))

    for origin in range(SITES * MAILBOX_SERVERS):
        env.process(source(origin))
    start = time.perf_counter()
    env.run()  # until every message is delivered
    wall = time.perf_counter() - start
    generated = next(ids) - 1
    latencies = [row[6] - row[5] for row in records]
    return {
        "messages": generated,
        "recipients": len(records),
        "wall_s": wall,
        "msgs_per_s": generated / wall,
        "events": next(env._eid),
        "passes": {stage: passes[stage] / generated for stage in STAGES},
        "mean_latency_s": sum(latencies) / len(latencies),
    }


if __name__ == "__main__":
    r = run_day(10_000)
    print(
        f"same-work SimPy day, 10,000 mailboxes: {r['messages']:,} messages in {r['wall_s']:.2f} s = "
        f"{r['msgs_per_s']:,.0f} msgs/s; {r['events'] / r['messages']:.1f} events/msg; passes/msg "
        f"{sum(r['passes'].values()):.2f} {r['passes']}; mean latency {r['mean_latency_s']:.4f} s"
    )
