"""Queue statistics that add up (issue 19, point 5), each checked against the per-message and per-hop records.

The truth is rebuilt here from `record: hops` (when each copy entered a station, took a thread and left) and
the recipient rows (when an expired copy was NDR'd), never from the column under test: the queue length is
every message held (Get-Queue's MessageCount: waiting, in service or deferred), `waiting` the messages
waiting for a thread.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import ROOT, shared_run

from sim.model.engine import Environment
from sim.model.message import Message
from sim.model.random import Constant
from sim.model.station import Station
from sim.model.statistics import station_row
from sim.results.plots.time_series import QUEUE_BIN


def scenario_file(name: str, **overrides) -> dict:
    scenario = yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text())
    scenario.update(overrides)
    return scenario


def held(entries: np.ndarray, exits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, count held just after each), arrivals before departures at equal times: the step function of
    how many messages a queue held, from when each entered and left."""
    times = np.concatenate([entries, exits])
    steps = np.concatenate([np.ones(len(entries)), -np.ones(len(exits))])
    order = np.lexsort((-steps, times))
    return times[order], np.cumsum(steps[order])


def most_between(times: np.ndarray, counts: np.ndarray, start: float, end: float) -> int:
    """The most held at any moment of [start, end]: at `start`, and after each change inside."""
    before = np.searchsorted(times, start, side="left")
    at_start = counts[before - 1] if before > 0 else 0
    inside = counts[(times >= start) & (times <= end)]
    return int(max(at_start, inside.max(initial=0)))


def area(entries: np.ndarray, exits: np.ndarray, start: float, end: float) -> float:
    """Message-seconds held inside [start, end]."""
    return float((np.minimum(exits, end) - np.maximum(entries, start)).clip(min=0).sum())


# -- Little's law where mail expires -------------------------------------------------------------------------


def test_littles_law_holds_on_a_delivery_queue_where_mail_expires():
    """mailbox-server-down: SEA-MBX2 is down 1h-4h, expiry is 2 h, so 490 copies expire in SEA-HUB1's queue to it.

    Each copy enters when SEA-HUB1's Categorizer hands it on, waits until it takes a thread (or expires), and
    leaves when delivered (or expired). Little's law, L = lambda W, with lambda the copies entering per second of
    the window and W their mean time in the queue; the window starts at warm-up (10 min, the queue empty) and
    the run drains (nothing left), so the two sides agree to 1%; the areas themselves agree to 1e-6.
    """
    result = shared_run(scenario_file("mailbox-server-down", record="hops"))
    hops, messages = result.hops, result.messages
    categorized = hops[(hops["server"] == "SEA-HUB1") & (hops["station"] == "Submission")]
    entry_of = categorized.set_index("message_id")["finished_at"]
    served = hops[(hops["server"] == "SEA-HUB1") & (hops["station"] == "SEA-MBX2")]
    expired = messages[messages["reason"].astype(str).str.contains("4.4.7")
                       & messages["path"].astype(str).str.endswith(">SEA-HUB1")]  # fmt: skip
    expired_at = expired.groupby("message_id")["finished_at"].max()  # a copy's recipients expire together
    assert len(expired_at) > 400 and not set(expired_at.index) & set(served["message_id"])
    ids = np.concatenate([served["message_id"].to_numpy(), expired_at.index.to_numpy()])
    entries = entry_of.loc[ids].to_numpy()
    exits = np.concatenate([served["finished_at"].to_numpy(), expired_at.to_numpy()])
    wait_ends = np.concatenate([served["started_at"].to_numpy(), expired_at.to_numpy()])
    assert result.summary()["in_queue_at_end"] == 0

    warmup, end = result.scenario.warmup, result.end_time
    span = end - warmup
    inside = entries >= warmup
    rate = inside.sum() / span  # copies entering per second
    row = result.stations.set_index("queue").loc["SEA-HUB1\\SEA-MBX2"]
    assert row["expired"] == len(expired_at)
    assert row["arrivals"] == inside.sum() == row["completions"] + row["expired"]
    # Little's law on the queue length and on the messages waiting for a thread
    assert row["mean_queue_length"] == pytest.approx(rate * (exits - entries)[inside].mean(), rel=0.01)
    assert row["mean_waiting"] == pytest.approx(rate * (wait_ends - entries)[inside].mean(), rel=0.01)
    assert row["mean_queue_length"] == pytest.approx(area(entries, exits, warmup, end) / span, rel=1e-6)
    assert row["mean_waiting"] == pytest.approx(area(entries, wait_ends, warmup, end) / span, rel=1e-6)
    # the means are over every copy that left: the expired ones' waits count (1,010 s when they did not)
    assert row["mean_thread_wait_s"] == pytest.approx((wait_ends - entries)[wait_ends >= warmup].mean(), rel=1e-3)
    assert row["mean_time_in_queue_s"] == pytest.approx((exits - entries)[exits >= warmup].mean(), rel=1e-3)
    assert row["mean_thread_wait_s"] > 1500
    assert row["max_queue_length"] == most_between(*held(entries, exits), warmup, end)
    assert row["max_waiting"] == most_between(*held(entries, wait_ends), warmup, end)


def test_deferred_messages_count_in_the_queue_length_until_they_leave():
    """The Internet refuses every delivery for 40 minutes; expiry is 20 minutes. An Edge's Internet queue defers
    each message (it waits for its retry timer, set aside but still in the queue: MessageCount counts it) until
    it is sent or expires. Rebuilt per message: in the queue from its first entry to its last service's end, or
    to its NDR."""
    scenario = {
        "name": "internet refuse", "seed": 2, "duration": "30m", "drain": "30m", "record": "hops",
        "sites": [{"name": "A", "hubs": [{"name": "HUB1"}], "mailbox_servers": [{"name": "MBX1", "mailboxes": 100}]}],
        "edges": [{"name": "EDGE1", "subscribed_site": "A"}],
        "workload": {"rate": "0.2/s", "recipients": {"dist": "constant", "mean": 1}, "size": "10KB",
                     "domains": [{"domain": "fabrikam.com", "share": 1.0}]},
        "transport": {"delay_notification_timeout": "10m", "message_expiration_timeout": "20m"},
        "faults": [{"kind": "internet", "mode": "refuse", "down_at": "0s", "up_at": "40m"}],
    }  # fmt: skip
    result = shared_run(scenario)
    hops, messages = result.hops, result.messages
    queue = hops[(hops["server"] == "EDGE1") & (hops["station"] == "fabrikam.com")]
    stays = queue.groupby("message_id").agg(entry=("queued_at", "min"), last=("finished_at", "max"))
    ndr = messages[(messages["status"] == "ndr") & messages["path"].astype(str).str.endswith(">EDGE1")]
    expired_at = ndr.groupby("message_id")["finished_at"].max()
    exits = expired_at.reindex(stays.index).fillna(stays["last"]).to_numpy()
    entries = stays["entry"].to_numpy()
    assert result.summary()["in_queue_at_end"] == 0 and len(expired_at) > 100
    row = result.stations.set_index("queue").loc["EDGE1\\fabrikam.com"]
    assert row["deferrals"] == row["retries"] + row["expired"]  # each deferral ends in a retry or an expiry
    assert (row["arrivals"], row["expired"]) == (len(stays), len(expired_at))
    assert row["completions"] == row["arrivals"] - row["expired"]
    assert row["mean_queue_length"] == pytest.approx(area(entries, exits, 0.0, result.end_time) / result.end_time,
                                                     rel=1e-6)  # fmt: skip
    assert row["max_queue_length"] == most_between(*held(entries, exits), 0.0, result.end_time) > 100
    assert row["mean_waiting"] < 0.01 * row["mean_queue_length"]  # they wait for a timer, not for a thread


def test_unreachable_mail_leaves_by_resubmission_not_as_completions():
    scenario = {
        "name": "connector down", "seed": 5, "duration": "1h", "drain": "10m",
        "sites": [{"name": "A", "hubs": [{"name": "HUB1"}], "mailbox_servers": [{"name": "MBX1", "mailboxes": 100}]}],
        "send_connectors": [{"name": "To Fabrikam", "address_spaces": ["fabrikam.com"], "source_servers": ["HUB1"]}],
        "workload": {"rate": "0.5/s", "recipients": {"dist": "constant", "mean": 1}, "size": "10KB",
                     "domains": [{"domain": "fabrikam.com", "share": 0.5}]},
        "faults": [{"kind": "send_connector", "connector": "To Fabrikam", "down_at": "10m", "up_at": "30m"}],
    }  # fmt: skip
    result = shared_run(scenario)
    row = result.stations.set_index("queue").loc["HUB1\\Unreachable"]
    during = result.messages[result.messages["recipient"].str.endswith("@fabrikam.com")
                             & result.messages["submitted_at"].between(600, 1800)]  # fmt: skip
    # every message routed while the connector was down waited in Unreachable, then went back to the Categorizer
    assert row["resubmitted"] == row["arrivals"] == during["message_id"].nunique() > 200
    assert (row["completions"], row["expired"]) == (0, 0)
    assert row["mean_thread_wait_s"] == pytest.approx(during.groupby("message_id")["submitted_at"].first()
                                                      .rsub(1800).mean(), abs=1.0)  # waited until 30m # fmt: skip


# -- stations without cores -----------------------------------------------------------------------------------


def test_a_station_without_cores_has_no_core_queue():
    env, done = Environment(), []
    relay = Station(env, "S", "Q", "SmtpRelayToRemoteAdSite", 2, (Constant(4.0), 0.0, 0.0), done.append)
    for n in range(3):  # at 0: two served 0-4 on threads, no core to wait for; the third waits 4 s, served 4-8
        relay.put(Message(n, 0, 1024.0, 0, 0.0, [0], [0]))
    env.run(until=10)
    row = station_row(relay, 10)
    assert row["mean_core_queue_length"] == 0.0
    assert row["mean_busy_threads"] == pytest.approx((4 + 4 + 4) / 10)
    assert row["mean_waiting"] == pytest.approx(4 / 10)
    assert row["mean_queue_length"] == pytest.approx((8 + 4 + 4) / 10)  # held 0-8, 0-4 and 0-4
    assert (row["max_queue_length"], row["max_waiting"]) == (3, 1)


def test_smtp_relay_queues_have_no_core_queue_in_a_whole_run():
    """two-sites: SEA-HUB1\\London relays by SMTP, a session on no cores (it was shown as 0.0484 there)."""
    result = shared_run(scenario_file("two-sites", duration="2h", record="summary", tracking_log=False))
    stations = result.stations.set_index("queue")
    relay = stations.loc["SEA-HUB1\\London"]
    assert relay["mean_busy_threads"] > 0.01 and relay["core_utilisation"] == 0.0
    assert relay["mean_core_queue_length"] == 0.0
    smtp = stations[stations["delivery_type"].astype(str).str.startswith("SmtpRelay")]
    assert (smtp["mean_core_queue_length"] == 0.0).all() and len(smtp) >= 2


# -- exact maxima: the station table, the busiest hour, the queue figure -------------------------------------


@pytest.fixture(scope="module")
def link_down():
    """site-link-down with hops: at 11:00 the link returns and DEN-HUB1's backlog floods LON-HUB1's Categorizer
    (240 messages at once, through DEN-HUB1's 20 connections) for about a minute, between two 1-minute queue
    samples that see at most 2."""
    return shared_run(scenario_file("site-link-down", record="hops", tracking_log=False))


def stays(result, queue: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entered, took a thread, left) of every copy served by `queue`; zero-time passes are not held."""
    server, station = queue.split("\\")
    hops = result.hops
    rows = hops[(hops["server"] == server) & (hops["station"] == station)]
    rows = rows[rows["finished_at"] > rows["queued_at"]]
    return rows["queued_at"].to_numpy(), rows["started_at"].to_numpy(), rows["finished_at"].to_numpy()


def test_max_queue_length_is_the_true_maximum_between_samples(link_down):
    result = link_down
    assert result.summary()["in_queue_at_end"] == 0  # so every copy has a hop row
    stations = result.stations.set_index("queue")
    warmup, end = result.scenario.warmup, result.end_time
    for queue in ("LON-HUB1\\Submission", "DEN-HUB1\\London", "SEA-HUB2\\Submission"):
        entered, started, left = stays(result, queue)
        row = stations.loc[queue]
        assert row["max_queue_length"] == most_between(*held(entered, left), warmup, end), queue
        assert row["max_waiting"] == most_between(*held(entered, started), warmup, end), queue
    flood = stations.loc["LON-HUB1\\Submission"]
    assert flood["max_queue_length"] > 200 and flood["max_waiting"] > 200
    assert result.summary()["max_queue_length"]["LON-HUB1\\Submission"] == flood["max_queue_length"]  # one definition
    sampled = result.queues[result.queues["queue"] == "LON-HUB1\\Submission"]["length"].max()
    assert sampled < 10  # the samples, a minute apart, miss the flood


def test_the_busiest_hours_queue_lengths_are_exact(link_down):
    result = link_down
    summary = result.summary()
    start, end = summary["busiest_hour_start_s"], summary["busiest_hour_end_s"]
    expected = {}
    for row in result.stations.to_dict("records"):
        entered, _, left = stays(result, row["queue"])
        most = most_between(*held(entered, left), start, end) if len(entered) else 0
        if most:
            expected[row["queue"]] = most
    assert summary["peak_queue_length_by_queue"] == expected
    assert summary["peak_max_queue_length"] == max(expected.values())


def test_the_queue_figure_draws_the_most_held_in_each_bin(link_down):
    """Each 5-minute bin [b, b + 300] of the queues figure holds the true maximum over it (samples every
    minute, so the bins are whole sample intervals); the flood at 11:00 is drawn."""
    result = link_down
    fig = result.figure("queues")
    panels = {next(t.get_text() for t in ax.texts): ax for ax in fig.axes}
    for server, station in (("LON-HUB1", "Submission"), ("DEN-HUB1", "London")):
        line = next(line for line in panels[server].get_lines() if line.get_label() == station)
        drawn = line.get_ydata()[:-1]  # a step per bin, the last one repeated to close the line
        starts = np.round(line.get_xdata()[:-1] * 3600.0, 6)
        times, counts = held(*stays(result, f"{server}\\{station}")[::2])
        truth = [most_between(times, counts, b, b + QUEUE_BIN) for b in starts]
        assert list(drawn) == truth, server
    flood = next(line for line in panels["LON-HUB1"].get_lines() if line.get_label() == "Submission")
    assert max(flood.get_ydata()) == result.stations.set_index("queue").loc["LON-HUB1\\Submission", "max_queue_length"]
