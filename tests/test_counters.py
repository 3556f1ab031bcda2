"""Performance counters from a run (sim.results.counters), Microsoft's thresholds (sim.results.thresholds) and the
relog CSV per server (sim.results.perfmon): expected values from theory, from the record by hand, and from
Microsoft's documentation (Monitoring Hub Transport Servers, Exchange 2007, bb201704)."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from conftest import ZERO_STAGES, one_site

import sim
from sim.capacity.size import Candidate, judge
from sim.formats.pdh_csv import CounterPath, read_pdh_csv
from sim.results import counters as c
from sim.results import thresholds
from sim.results.counters import CounterLog, ServerCounters

RATE, CORES = 4.0, 2  # messages per second into one Hub; its cores
CATEGORIZER, DELIVER = 0.100, 0.050  # constant core seconds per message (one recipient each)
WARMUP, DURATION = 600.0, 4200.0


@pytest.fixture(scope="module")
def one_hub():
    """One Hub of 2 cores, Poisson arrivals at 4/s, constant core time 0.15 s a message: utilisation 30%."""
    scenario = one_site(hubs=1, rate=f"{RATE}/s", duration=f"{DURATION:.0f}s", warmup=f"{WARMUP:.0f}s",
                        sample_interval="15s", tracking_log=False)  # fmt: skip
    scenario["sites"][0]["hubs"][0].update(cores=CORES)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "constant", "mean": "100ms"},
                          "store_driver_deliver": {"dist": "constant", "mean": "50ms"}}  # fmt: skip
    return sim.run(scenario)


@pytest.fixture(scope="module")
def link_down():
    """scenarios/site-link-down.yaml: Denver-London down an hour, mail for London held in Retry at DEN-HUB1."""
    return sim.run("scenarios/site-link-down.yaml", overrides={"tracking_log": False})


def _values(result, server: str, counter: c.Counter) -> np.ndarray:
    return next(s for s in result.counter_log.servers if s.server == server).values[counter]


def test_processor_time_is_the_utilisation_queueing_theory_gives(one_hub):
    # U = lambda x D / c = 4/s x 0.15 s / 2 cores = 30%. Over T = 3,600 s after the warm-up the core-seconds used
    # are N x 0.15 with N ~ Poisson(lambda T) (14,400 expected): relative sd 1/sqrt(14,400) = 0.83%, so 4 sd is
    # 1.0 point of 30%; work in service at the window's ends moves it by at most 2 cores x 0.15 s / 3,600 s.
    expected = RATE * (CATEGORIZER + DELIVER) / CORES * 100
    times = one_hub.counter_log.times
    cpu = _values(one_hub, "HUB1", c.PROCESSOR_TIME)
    after = (times > WARMUP) & (times <= DURATION)
    assert math.isnan(cpu[0])  # a rate has no value at the first sample, as in a perfmon log
    assert np.nanmean(cpu[after]) == pytest.approx(expected, abs=4 * expected / math.sqrt(RATE * 3600) + 0.01)
    assert 0 <= np.nanmin(cpu) and np.nanmax(cpu) <= 100  # the busy share of all cores, as _Total reports it
    # message rates: every message enters the Store Driver and the Submission queue once (rate 4/s, same sd)
    for counter in (c.SUBMITTED_RATE, c.STORE_SUBMITTED_RATE, c.QUEUED_RATE, c.DELIVERED_RATE):
        rate = _values(one_hub, "HUB1", counter)
        assert np.nanmean(rate[after]) == pytest.approx(RATE, rel=4 / math.sqrt(RATE * 3600)), counter.counter


def test_recipients_delivered_are_counted_from_the_recipient_rows_by_hand(one_hub):
    times, messages = one_hub.counter_log.times, one_hub.messages
    i = len(times) // 2
    delivered = messages[(messages["status"] == "delivered") & (messages["finished_at"] > times[i - 1])
                         & (messages["finished_at"] <= times[i])]  # fmt: skip
    assert len(delivered) > 0 and set(delivered["path"]) == {"MBX1>HUB1>MBX1"}
    expected = len(delivered) / (times[i] - times[i - 1])
    assert _values(one_hub, "HUB1", c.DELIVERED_RATE)[i] == pytest.approx(expected)


def test_the_counters_table_is_long_form_with_exchange_names(one_hub):
    table = one_hub.counters
    assert list(table.columns) == ["time", "clock", "server", "object", "instance", "counter", "value"]
    paths = set(zip(table["object"], table["instance"], table["counter"]))
    assert ("MSExchangeTransport Queues", "_total", "Aggregate Delivery Queue Length (All Queues)") in paths
    assert ("Processor", "_Total", "% Processor Time") in paths
    assert ("MSExchangeTransport SmtpReceive", "_total", "Messages Received/sec") in paths
    assert len(table) == len(one_hub.record.sample_times) * len(c.WRITTEN)  # one Hub, every counter, every sample
    assert not any("Disk" in counter for counter in table["counter"].unique())  # no disk in the model: none invented


def test_queue_counters_are_the_sum_of_the_right_queues_at_a_sample(link_down):
    record = link_down.record
    st, s = record.stations, record.samples
    retry_code = record.sample_states.index("Retry")
    held = np.flatnonzero((st["server"][s["station"]] == "DEN-HUB1") & (s["state"] == retry_code))
    at = float(s["time"][held[len(held) // 2]])  # a sample in the middle of the outage
    # by hand: the rows of DEN-HUB1's queues sampled at that instant, summed by delivery type and status
    remote_retry = remote_active = submission = 0
    for time, station, length, state in zip(s["time"], s["station"], s["length"], s["state"]):
        if time != at or st["server"][station] != "DEN-HUB1":
            continue
        kind = st["delivery_type"][station]
        if kind.startswith("Smtp") or kind in ("DnsConnectorDelivery", "SmartHostConnectorDelivery"):
            if state == retry_code:
                remote_retry += int(length)
            else:
                remote_active += int(length)
        elif st["station"][station] == "Submission":
            submission += int(length)
    row = int(np.searchsorted(record.sample_times, at))
    assert remote_retry > 0  # the instant chosen has mail held for London
    assert _values(link_down, "DEN-HUB1", c.RETRY_REMOTE)[row] == remote_retry
    assert _values(link_down, "DEN-HUB1", c.ACTIVE_REMOTE)[row] == remote_active
    assert _values(link_down, "DEN-HUB1", c.SUBMISSION)[row] == submission
    assert _values(link_down, "DEN-HUB1", c.AGGREGATE)[row] == remote_retry + remote_active  # DEN has no mailboxes


def test_a_hub_holding_mail_for_a_site_link_down_breaks_microsofts_never_above(link_down, one_hub):
    down = link_down.summary()
    assert down["perfmon"]["DEN-HUB1"]["verdict"] == "over"
    over = {o["counter"]: o for o in down["perfmon"]["DEN-HUB1"]["over"]}
    assert over["Retry Remote Delivery Queue Length"]["worst"] > 100  # "should be less than 100 at all times"
    assert over["Retry Remote Delivery Queue Length"]["kind"] == "never above"
    assert over["Largest Delivery Queue Length"]["worst"] > 250  # one delivery queue pushed over 250
    assert any(line.startswith("DEN-HUB1: Retry Remote Delivery Queue Length") for line in down["perfmon_breaches"])
    calm = one_hub.summary()  # 30% busy, queues of a few messages
    assert calm["perfmon"] == {"HUB1": {"role": "Hub", "verdict": "within", "over": []}}
    assert calm["perfmon_breaches"] == []


def _log(remote: list[float], submission: list[float]) -> CounterLog:
    return CounterLog(np.array([0.0, 60.0, 120.0]), [ServerCounters("HUB1", "Hub", {
        c.ACTIVE_REMOTE: np.array(remote, float), c.SUBMISSION: np.array(submission, float)})])  # fmt: skip


@pytest.mark.parametrize(
    "remote, submission, remote_over, submission_over",
    [
        ([0, 249, 0], [0, 0, 100], False, False),  # "less than 250" and "not exceed 100" both hold
        ([0, 250, 0], [0, 101, 0], True, True),  # 250 is not less than 250; 101 exceeds 100
        ([900, 0, 0], [900, 0, 0], False, False),  # before the warm-up: not judged
    ],
)
def test_thresholds_follow_microsofts_wording(remote, submission, remote_over, submission_over):
    found = {f.rule.counter: f for f in thresholds.judge(_log(remote, submission), warmup=30.0)}
    assert found[c.ACTIVE_REMOTE].over is remote_over and found[c.SUBMISSION].over is submission_over


def test_size_fails_a_candidate_whose_hub_broke_a_never_above_threshold():
    runs = pd.DataFrame({"variant": [0, 0], "replication": [0, 1], "status": ["ok", "ok"], "error": ["", ""],
                         "overloaded": [False, False], "overload": ["", ""], "in_queue_at_end": [0, 0],
                         "recipients_total": [100, 100], "peak_undelivered": [0, 0],
                         "perfmon_breach": ["", "HUB1: Active Remote Delivery Queue Length 300, over 250"]})  # fmt: skip
    broke = Candidate(2, {}, True)
    assert judge(broke, runs, [frozenset()], {}, final=True) and broke.simulated_pass is False
    assert "Active Remote Delivery Queue Length 300" in broke.notes[0]
    calm = Candidate(3, {}, True)
    assert judge(calm, runs.assign(perfmon_breach=""), [frozenset()], {}, final=True) and calm.simulated_pass


def test_perfmon_csv_is_relogs_layout_and_reads_back(link_down, tmp_path):
    from sim.results import perfmon

    files = perfmon.write(link_down.counter_log, link_down.start, tmp_path)
    assert sorted(p.name for p in files) == [f"{s}.csv" for s in sorted(link_down.record.server_stats["server"])]
    raw = (tmp_path / "DEN-HUB1.csv").read_bytes()
    lines = raw.split(b"\r\n")
    assert lines[0].startswith(b'"(PDH-CSV 4.0) (Coordinated Universal Time)(0)","\\\\DEN-HUB1\\Processor(_Total)\\')
    # the scenario's day and start of day (start_date 2026-01-05, start_of_day 8h): the first sample at 08:00
    scenario = link_down.scenario
    first = datetime.fromisoformat(scenario.start_date).replace(hour=int(scenario.workload.start_of_day // 3600))
    assert lines[1].startswith(f'"{first:%m/%d/%Y %H:%M:%S}.000",'.encode())
    assert b'," ",' in lines[1] or lines[1].endswith(b'," "')  # rates: no value at the first sample
    log = read_pdh_csv(tmp_path / "DEN-HUB1.csv")
    assert (log.zone, log.bias_minutes) == ("Coordinated Universal Time", 0)
    path = CounterPath("DEN-HUB1", "MSExchangeTransport Queues", "_total", "Retry Remote Delivery Queue Length")
    assert log.columns[path] == _values(link_down, "DEN-HUB1", c.RETRY_REMOTE).tolist()
    step = link_down.scenario.sample_interval
    assert (log.times[1] - log.times[0]).total_seconds() == step


def test_an_edge_has_the_queue_counters_and_no_store_driver():
    # Exchange 2007's Edge has MSExchangeTransport Queues but no Store Driver (no Mailbox servers to talk to);
    # its SMTP receive rate is not written (the model's AntiSpam stage cannot tell refused from received)
    result = sim.run("scenarios/edge-internet.yaml", overrides={"duration": "40m", "warmup": "10m",
                                                                "tracking_log": False})  # fmt: skip
    edge = next(s for s in result.counter_log.servers if s.role == "Edge")
    assert set(edge.values) == {k for k in c.WRITTEN if "Edge" in k.roles}
    assert c.STORE_SUBMITTED_RATE not in edge.values and c.RECEIVED_RATE not in edge.values
    assert np.nanmax(edge.values[c.PROCESSOR_TIME]) > 0 and np.nanmax(edge.values[c.SUBMITTED_RATE]) > 0
