"""The hours that matter (sim.results.hours): the busiest hour, the worst hour and each fault window, against
hand calculations; a recipient not delivered by the end counts as never delivered."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import ZERO_STAGES, one_site, shared_run

from sim.results.report import format_summary


def three_hubs(**extra) -> dict:
    """Three 1-core Hubs, one Mailbox server submitting 6 messages/s round robin; the categorizer costs a constant
    50 ms of core time and every other stage none. All up: 6 x 0.05 = 0.3 cores over 3 Hubs, 10% each."""
    scenario = one_site(hubs=3, rate="6/s", duration="2h", warmup="10m", record="messages", tracking_log=False,
                        **extra)  # fmt: skip
    for hub in scenario["sites"][0]["hubs"]:
        hub["cores"] = 1
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "constant", "mean": "50ms"}}
    return scenario


@pytest.fixture(scope="module")
def hub_down():
    return shared_run(three_hubs(faults=[{"kind": "server", "server": "HUB1", "down_at": "1h", "up_at": "1h45m"}]))


def test_a_fault_window_gives_the_survivors_utilisation_while_it_lasted(hub_down):
    """HUB1 down for 45 minutes: the Mail Submission Service sends everything to HUB2 and HUB3, so each carries
    3 messages/s x 50 ms = 15% of its core (Poisson: 16,200 messages, 0.8%), against 10% with all three up."""
    summary = hub_down.summary()
    [window] = summary["fault_windows"]
    assert (window["fault"], window["kind"], window["target"]) == ("server:HUB1", "server", "HUB1")
    assert (window["start_s"], window["end_s"]) == (3600.0, 6300.0)
    assert set(window["utilisation_by_server"]) == {"HUB2", "HUB3"}  # the survivors only
    for share in window["utilisation_by_server"].values():
        assert share == pytest.approx(0.15, abs=0.005)
    assert window["utilisation_max"] == max(window["utilisation_by_server"].values())
    for hub in ("HUB2", "HUB3"):  # the busiest hour, whichever it is: between all three up (10%) and two (15%)
        assert 0.09 < summary["peak_utilisation_by_server"][hub] < 0.16


def test_a_fault_window_latency_is_of_the_mail_submitted_during_it(hub_down):
    [window] = hub_down.summary()["fault_windows"]
    m = hub_down.messages
    inside = m[(m["submitted_at"] >= 3600) & (m["submitted_at"] < 6300)]
    assert window["recipients"] == len(inside) and window["undelivered"] == 0
    # the p-th percentile: the smallest latency with at least p% of the recipients at or below it
    assert window["latency_p99_s"] == np.percentile(inside["latency_s"], 99, method="inverted_cdf")
    assert window["latency_mean_s"] == pytest.approx(inside["latency_s"].mean())


def test_the_summary_names_the_fault_window_and_its_survivors(hub_down):
    text = format_summary(hub_down.summary())
    assert "while server:HUB1 was down" in text
    assert "01:00-01:45 (1h to 1h45m into the run)" in text
    assert "busiest survivor 15." in text or "busiest survivor 14." in text


def test_mail_held_to_the_end_counts_as_never_delivered():
    """MBX2 goes down at 1h and stays down: every recipient on it submitted after 1h is still queued at the end.
    Half the mailboxes are on MBX2, so about half of the worst hour's recipients are undelivered: its p99 is
    infinite, and undelivered counts exactly the recipients submitted then that the messages table has no
    delivery for."""
    scenario = three_hubs(faults=[{"kind": "server", "server": "MBX2", "down_at": "1h"}])
    scenario["sites"][0]["mailbox_servers"].append({"name": "MBX2", "mailboxes": 100})
    result = shared_run(scenario)
    summary = result.summary()
    start, end = summary["worst_hour_start_s"], summary["worst_hour_end_s"]
    assert start >= 3600 - 300  # an hour that holds undelivered mail
    assert math.isinf(summary["worst_hour_latency_p99_s"])
    m = result.messages
    submitted = m[(m["submitted_at"] >= start) & (m["submitted_at"] < end)]
    recipients = summary["worst_hour_recipients"]
    assert summary["worst_hour_undelivered"] == recipients - (submitted["status"] == "delivered").sum()
    assert summary["worst_hour_undelivered"] == pytest.approx(recipients / 2, rel=0.1)
    assert "not delivered" in format_summary(summary)
    [window] = summary["fault_windows"]
    assert window["end_s"] == result.end_time and math.isinf(window["latency_p99_s"])


def test_the_worst_hour_is_the_hour_with_the_highest_p99():
    """A 20-minute outage of HUB1's Transport service at 1h30m holds what HUB1 had queued; with the categorizer
    at 50 ms the hour with the highest p99 is one that covers the outage, and its p99 is that of the mail
    submitted inside it."""
    result = shared_run(three_hubs(faults=[{"server": "HUB1", "down_at": "1h30m", "up_at": "1h50m"}]))
    summary = result.summary()
    m = result.messages
    best = -1.0
    for start in np.arange(600, 7200 - 3600 + 1, 300):
        inside = m[(m["submitted_at"] >= start) & (m["submitted_at"] < start + 3600)]
        best = max(best, np.percentile(inside["latency_s"], 99, method="inverted_cdf"))
    assert summary["worst_hour_latency_p99_s"] == best
    assert summary["worst_hour_start_s"] <= 5400 < summary["worst_hour_end_s"]
