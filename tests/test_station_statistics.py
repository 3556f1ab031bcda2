"""Station and server statistics mean what their names say: each checked against theory or by hand.

A message waits for a thread, then (holding it) for a core, then is served for the time drawn. The
wait for a core is M/M/c queueing on the cores when threads are plentiful (Erlang C); everything
"since warm-up" restarts at warm-up; restarts, retries and returns are counted once, as what they are.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import ZERO_STAGES, one_site, shared_run, station_rows
from queueing_theory import mmc_mean_wait
from scipy import stats

import sim
from sim.model.engine import Environment
from sim.model.message import Message
from sim.model.random import Constant
from sim.model.resources import Cpu
from sim.model.station import Station
from sim.model.statistics import mark_warmup, station_row


def message(n: int) -> Message:
    return Message(n, 0, 1024.0, 0, 0.0, [0], [0])


def station(env: Environment, limit: int, service_s: float, done: list, cpu: Cpu | None = None) -> Station:
    return Station(env, "S", "Q", "Stage", limit, (Constant(service_s), 0.0, 0.0), done.append, cpu=cpu)


# -- by hand ------------------------------------------------------------------------------------------


def test_max_queue_length_and_max_waiting_restart_at_warm_up():
    env, done = Environment(), []
    s = station(env, limit=1, service_s=1.0, done=done)
    for n in range(10):  # a burst of 10 at t=0: one in service, 9 waiting
        s.put(message(n))
    env.run(until=50)
    mark_warmup(s)
    for n in range(10, 13):
        env.call_later(100 - env.now, lambda e: s.put(message(e.value)), n)  # 3 at t=100: 1 served, 2 waiting
    env.run(until=200)
    row = station_row(s, 200 - 50)
    assert (row["max_queue_length"], row["max_waiting"]) == (3, 2)
    assert row["arrivals"] == 3 and row["completions"] == 3
    assert row["mean_thread_wait_s"] == pytest.approx((0 + 1 + 2) / 3)  # waits 0, 1 and 2 s


def test_a_service_redone_after_a_stop_counts_once_as_a_restart():
    env, done = Environment(), []
    s = station(env, limit=1, service_s=10.0, done=done)
    s.put(message(1))  # starts at 0, would end at 10
    env.run(until=5)
    s.stop()  # abandoned at 5
    env.run(until=7)
    s.resume()  # started again at 7, ends at 17
    env.run(until=30)
    row = station_row(s, 30)
    assert [m.id for m in done] == [1]
    assert (row["arrivals"], row["restarts"], row["completions"]) == (1, 1, 1)
    assert row["mean_thread_wait_s"] == pytest.approx(2.0)  # waited 0 s, then 2 s while stopped
    assert row["mean_service_s"] == pytest.approx(10.0)  # the service that ran to the end
    assert row["mean_busy_threads"] == pytest.approx((5 + 10) / 30)  # busy 0-5 and 7-17


def test_a_retry_is_not_a_new_arrival():
    env, done = Environment(), []
    s = station(env, limit=1, service_s=1.0, done=done)
    first = message(1)
    s.put(first)
    env.run(until=2)
    s.requeue(first)  # it was deferred and tries again
    env.run(until=5)
    row = station_row(s, 5)
    assert (row["arrivals"], row["retries"], row["completions"]) == (1, 1, 2)


def test_a_message_put_back_is_returned_not_completed():
    env, done = Environment(), []
    s = station(env, limit=1, service_s=1.0, done=done)
    s.on_done = lambda msg: s.put_back(msg) if len(done) == 0 and not done.append(None) else None
    s.put(message(1))
    env.run(until=10)  # served at 1, put back, served again at 2 and handed on
    row = station_row(s, 10)
    assert (row["arrivals"], row["returned"], row["completions"]) == (1, 1, 1)
    assert row["mean_service_s"] == pytest.approx(1.0)


def test_waiting_for_a_core_is_kept_apart_from_waiting_for_a_thread():
    env, done = Environment(), []
    cpu = Cpu(env, cores=1)
    s = station(env, limit=4, service_s=2.0, done=done, cpu=cpu)
    for n in range(3):  # three at t=0: threads for all, one core: served 0-2, 2-4, 4-6
        s.put(message(n))
    env.run(until=10)
    row = station_row(s, 10)
    assert row["mean_thread_wait_s"] == 0.0
    assert row["mean_core_wait_s"] == pytest.approx((0 + 2 + 4) / 3)
    assert row["mean_wait_s"] == pytest.approx(2.0)
    assert row["mean_service_s"] == pytest.approx(2.0)
    assert row["mean_busy_threads"] == pytest.approx((2 + 4 + 6) / 10)  # threads held while waiting for a core
    assert row["thread_utilisation"] == pytest.approx((2 + 4 + 6) / 10 / 4)
    assert row["core_utilisation"] == pytest.approx(6 / 10)
    assert row["mean_core_queue_length"] == pytest.approx((2 + 4) / 10)


# -- against theory --------------------------------------------------------------------------------------

CORES, THREADS, ARRIVALS = 2, 4, 1.6  # per second; exponential 1 s on 2 cores: rho 0.8


def cores_scenario(duration: str = "20000s") -> dict:
    """Four categorizer threads on two cores: the cores are the M/M/2 servers."""
    scenario = one_site(hubs=1, rate=f"{ARRIVALS}/s", duration=duration, warmup="2000s", record="summary")
    scenario["sites"][0]["hubs"][0].update(cores=CORES, categorizer_threads=THREADS)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "1s"}}
    return scenario


def split_waits(arrivals: float, service_rate: float, cores: int, threads: int) -> tuple[float, float]:
    """(mean wait for a thread, mean wait for a core) in an M/M/c FIFO station whose messages hold one of
    `threads` threads while they wait for a core. An arrival finding n in the system (PASTA: the M/M/c
    stationary law) waits for n - threads + 1 departures to get a thread, n - cores + 1 to get a core;
    every departure then comes at rate cores x service_rate."""
    rho = arrivals / (cores * service_rate)
    a = arrivals / service_rate
    weights = [a**n / math.factorial(n) for n in range(cores)]
    weights += [a**cores / math.factorial(cores) * rho ** (n - cores) for n in range(cores, 4000)]
    p = np.array(weights) / np.sum(weights)
    n = np.arange(len(p))
    rate = cores * service_rate
    thread = float(np.sum(p * np.maximum(n - threads + 1, 0)) / rate)
    total = float(np.sum(p * np.maximum(n - cores + 1, 0)) / rate)
    return thread, total - thread


def interval(values: list[float]) -> tuple[float, float]:
    """Mean and 95% half-width (Student t) of replications."""
    x = np.asarray(values, dtype=float)
    return x.mean(), stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))


def test_core_wait_of_four_threads_on_two_cores_is_erlang_c():
    scenario = sim.load_scenario(cores_scenario())
    rows = station_rows(scenario, range(1, 16), "HUB1\\Submission")
    expected = mmc_mean_wait(ARRIVALS, 1.0, CORES)  # Erlang C: 1.778 s
    mean, half = interval([r["mean_wait_s"] for r in rows])
    assert mean - half <= expected <= mean + half, (mean, half, expected)
    assert half < 0.1 * expected
    thread_wait, core_wait = split_waits(ARRIVALS, 1.0, CORES, THREADS)  # 1.138 s and 0.640 s
    assert thread_wait + core_wait == pytest.approx(expected, rel=1e-6)
    for column, theory in (("mean_thread_wait_s", thread_wait), ("mean_core_wait_s", core_wait)):
        mean, half = interval([r[column] for r in rows])
        assert mean - half <= theory <= mean + half, (column, mean, half, theory)
    service = np.array([r["mean_service_s"] for r in rows])
    assert abs(service.mean() - 1.0) < 0.02  # the time drawn, not the time a thread was held
    core_use = np.array([r["core_utilisation"] for r in rows])
    assert abs(core_use.mean() - ARRIVALS / CORES) < 0.01


def test_server_table_gives_core_and_thread_utilisation():
    result = shared_run(cores_scenario("6000s"))
    server = result.servers.set_index("server").loc["HUB1"]
    station = result.stations.set_index("queue").loc["HUB1\\Submission"]
    assert server["core_utilisation"] == pytest.approx(ARRIVALS / CORES, abs=0.03)
    assert server["core_utilisation"] == pytest.approx(station["core_utilisation"])
    assert server["categorizer_threads_utilisation"] == pytest.approx(station["thread_utilisation"])
    # Little's law on the threads: busy threads = arrivals x (core wait + service)
    held = ARRIVALS * (station["mean_core_wait_s"] + station["mean_service_s"])
    assert station["mean_busy_threads"] == pytest.approx(held, rel=0.05)
    assert result.summary()["utilisation_by_server"]["HUB1"] == pytest.approx(server["core_utilisation"], abs=1e-4)


# -- whole runs ---------------------------------------------------------------------------------------------


def test_max_queue_length_ignores_a_burst_before_warm_up():
    """Mail held in the Outbox while the only Hub is down floods its Submission queue just before warm-up (the
    Store Driver takes no time here, so the Outbox retry hands it everything at once)."""
    scenario = one_site(hubs=1, rate="3/s", duration="2h", warmup="40m", record="hops",
                        faults=[{"server": "HUB1", "down_at": "5m", "up_at": "30m"}])  # fmt: skip
    scenario["sites"][0]["hubs"][0].update(categorizer_threads=2)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "constant", "mean": "100ms"}}
    result = sim.run(scenario)
    hops = result.hops
    submit = hops[hops["station"] == "Submission"]
    # messages waiting, and held, at each arrival after warm-up (where both peak), counted from the hop records
    after = submit[submit["queued_at"] >= 2400].sort_values("queued_at")
    queued, started = submit["queued_at"].to_numpy(), submit["started_at"].to_numpy()
    finished = submit["finished_at"].to_numpy()
    instants = [2400.0, *after["queued_at"]]
    waiting = [int(((queued <= t) & (started > t)).sum()) for t in instants]
    held = [int(((queued <= t) & (finished > t)).sum()) for t in instants]
    burst = [int(((queued <= t) & (started > t)).sum()) for t in (1801, 1900)]
    row = result.stations.set_index("queue").loc["HUB1\\Submission"]
    assert max(burst) > 1000  # the burst before warm-up
    assert row["max_waiting"] == max(waiting) < 20
    assert row["max_queue_length"] == max(held) < 20


def test_edge_pays_smtp_receive_for_inbound_internet_mail():
    """10 messages/s, smtp_receive 50 ms, nothing else costs: 0.5 core-seconds a second on 4 cores."""
    scenario = {
        "name": "edge cost", "duration": "1h", "seed": 3,
        "sites": [{"name": "A", "hubs": [{"name": "HUB1"}], "mailbox_servers": [{"name": "MBX1", "sends_mail": False}]}],
        "edges": [{"name": "EDGE1", "subscribed_site": "A", "cores": 4}],
        "stages": {**ZERO_STAGES, "smtp_receive": "50ms"},
        "internet": {"inbound_rate": "10/s", "recipients": {"dist": "constant", "mean": 1},
                     "unknown_recipient_share": 0.0,
                     "antispam": [{"name": a, "cost": "0s", "reject_share": 0.0} for a in
                                  ("connection_filtering", "sender_filtering", "content_filter")]},
    }  # fmt: skip
    result = sim.run(scenario)
    edge = result.servers.set_index("server").loc["EDGE1"]
    generated = result.summary()["internet_messages_generated"]
    assert edge["core_utilisation"] == pytest.approx(generated * 0.050 / (4 * 3600), rel=0.01)
    assert edge["core_utilisation"] == pytest.approx(0.125, abs=0.01)


def test_recipients_of_one_message_are_distinct():
    scenario = one_site(hubs=1, rate="0.2/s", duration="30m")
    scenario["workload"]["recipients"] = {"dist": "constant", "mean": 250}
    scenario["sites"][0]["mailbox_servers"][0]["mailboxes"] = 1000
    messages = sim.run(scenario).messages
    assert len(messages) > 250 * 300
    assert not messages.duplicated(["message_id", "recipient"]).any()
    assert (messages.groupby("message_id").size() == 250).all()


def test_a_message_to_more_recipients_than_exist_reaches_each_once():
    scenario = one_site(hubs=1, rate="0.1/s", duration="10m")
    scenario["workload"]["recipients"] = {"dist": "constant", "mean": 250}  # only 100 mailboxes
    result = sim.run(scenario)
    counts = result.messages.groupby("message_id").size()
    assert (counts == 100).all()
    assert result.summary()["recipients_total"] == 100 * result.summary()["messages_generated"]
