"""Get-Queue at an instant (issue 19, point 6): the exact state then, and one clear line for an instant outside
the run.

The truth is rebuilt from the run's own records, not from the replay that makes the view: a copy is in a queue
at T when it entered before T and left at or after T (every event before T, none at it), and holds a thread
when it took one before T; Retry, LastError and NextRetryTime come from the queue's status changes before T.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, shared_run

import sim
from sim.cli import main

SCENARIO = ROOT / "scenarios" / "site-link-down.yaml"  # 08:00 to 13:00; Denver-London down 10:00-11:00
INSTANTS = [("10:30:30", 9030.0), ("3h4m1s", 11041.0), (11048.5, 11048.5), ("09:12:34.5", 4354.5),
            ("10:59:59", 10799.0), ("3h30m", 12600.0)]  # fmt: skip
"""(instant, seconds from 08:00): during the outage; 11:04:01 (the queue at Denver Active again); inside
LON-HUB1's Categorizer flood; before the outage; a second before the link returns; after."""


@pytest.fixture(scope="module")
def link_down():
    scenario = yaml.safe_load(SCENARIO.read_text())
    scenario.update(record="hops", tracking_log=False)
    return shared_run(scenario)


def truth(result, at: float) -> dict[str, dict]:
    """Every queue's Status, MessageCount, LastError and NextRetryTime at `at` seconds, from hops and status
    changes."""
    hops = result.hops
    events = result.queue_events
    events = events[events["time"] < at]
    out = {}
    for row in result.stations.to_dict("records"):
        server, station = row["queue"].split("\\", 1)
        mine = hops[(hops["server"] == server) & (hops["station"] == station)]
        entered, started, left = (mine[c].to_numpy() for c in ("queued_at", "started_at", "finished_at"))
        count = int(((entered < at) & (left >= at) & (left > entered)).sum())
        busy = int(((started < at) & (left >= at) & (left > entered)).sum())
        changes = events[events["queue"].astype(str) == row["queue"]]
        last = changes.iloc[-1] if len(changes) else None
        status = "Active" if busy else "Ready"
        if row["station"] == "Poison":
            status = "Suspended"
        retry = None
        if last is not None and last["status"] in ("Retry", "Suspended"):
            status = str(last["status"])
            if status == "Retry":
                retry = float(last["next_retry"])  # seconds from the start
        errors = [e for e in changes["last_error"] if e]
        out[row["queue"]] = {"Status": status, "MessageCount": count, "LastError": errors[-1] if errors else "",
                             "NextRetryTime": retry, "delivery_type": row["delivery_type"]}  # fmt: skip
    return out


@pytest.mark.parametrize("at, seconds", INSTANTS)
def test_queue_view_is_the_exact_state_at_any_instant(link_down, at, seconds):
    result = link_down
    assert result.summary()["in_queue_at_end"] == 0  # so every copy has a hop row
    expected = truth(result, seconds)
    view = result.queue_view(at).set_index("Identity")
    listed = {q for q, t in expected.items() if t["delivery_type"] != "Stage"
              and (t["MessageCount"] > 0 or q.endswith(("\\Submission", "\\Unreachable")))}  # fmt: skip
    assert set(view.index) == listed
    for queue, row in view.iterrows():
        want = expected[queue]
        got = {"Status": row["Status"], "MessageCount": row["MessageCount"], "LastError": row["LastError"]}
        assert got == {k: want[k] for k in got}, (at, queue)
        retry = row["NextRetryTime"]  # a UTC clock time, to the microsecond
        if want["NextRetryTime"] is None:
            assert pd.isna(retry), (at, queue)
        else:
            assert (retry - result.start).total_seconds() == pytest.approx(want["NextRetryTime"], abs=1e-5)
    assert view.attrs["at"] == pd.Timestamp(result.start + pd.Timedelta(seconds=seconds))


def test_the_view_between_samples_is_not_the_sample_before(link_down):
    """At 3h4m1s the sample of 11:04:00 showed DEN-HUB1\\London in Retry with 2,486 messages; it was Active."""
    result = link_down
    view = result.queue_view("3h4m1s").set_index("Identity")
    london = view.loc["DEN-HUB1\\London"]
    samples = result.queues[(result.queues["queue"] == "DEN-HUB1\\London") & (result.queues["time"] == 11040)]
    assert (samples["length"].iloc[0], str(samples["state"].iloc[0])) == (2486, "Retry")
    assert london["Status"] == "Active" and london["MessageCount"] == truth(result, 11041)["DEN-HUB1\\London"][
        "MessageCount"] < 2486  # fmt: skip
    assert london["LastError"].startswith("421") and pd.isna(london["NextRetryTime"])
    flood = result.queue_view(11055).set_index("Identity").loc["LON-HUB1\\Submission"]
    assert flood["Status"] == "Active" and flood["MessageCount"] > 100  # sampled: at most a few
    assert flood["MessageCount"] == truth(result, 11055)["LON-HUB1\\Submission"]["MessageCount"]


def test_exsim_queues_shows_what_result_queue_view_shows(link_down, capsys):
    assert main(["queues", str(SCENARIO), "--at", "10:30:30"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Get-Queue at 10:30:30 (2h30m30s into the run")
    view = link_down.queue_view("10:30:30")
    count = int(view.set_index("Identity").loc["DEN-HUB1\\London", "MessageCount"])
    line = next(line for line in out.splitlines() if line.startswith("DEN-HUB1\\London"))
    assert line.split()[:4] == ["DEN-HUB1\\London", "SmtpRelayToRemoteAdSite", "Retry", str(count)]


@pytest.mark.parametrize(
    "at, message",
    [
        ("07:00", "--at 07:00: before the run starts (08:00); give a time from 08:00 to 13:00"),
        ("20:00", "--at 20:00: after the run ends (13:00); give a time from 08:00 to 13:00"),
        ("5h1s", "--at 5h1s: after the run ends (13:00); give a time from 08:00 to 13:00"),
        ("-1m", "--at -1m: before the run starts (08:00); give a time from 08:00 to 13:00"),
        ("24:10", "--at 24:10: no such clock time: '24:10' (hours 0-23, minutes and seconds 0-59)"),
        ("soon", "--at soon: expected a clock time (10:30, 10:30:30) or a time from the start (2h30m, seconds), "
                 "got 'soon'"),
    ],
)  # fmt: skip
def test_an_instant_outside_the_run_is_one_line_and_exit_2(at, message, capsys):
    assert main(["queues", str(SCENARIO), f"--at={at}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"exsim: {message}\n"


def test_result_queue_view_refuses_an_instant_outside_the_run(link_down):
    for at, words in (("07:00", "before the run starts (08:00)"), ("20:00", "after the run ends (13:00)"),
                      (18000.5, "after the run ends (13:00)")):  # fmt: skip
        with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
            link_down.queue_view(at)
    assert len(link_down.queue_view(0)) == 10  # the start: every Submission and Unreachable queue, empty
    assert len(link_down.queue_view(18000)) == 10  # the end: drained
    with pytest.raises(LookupError, match="replays the run"):  # a Results built from a record alone cannot
        sim.Results(link_down.record).queue_view("10:30")


def test_a_stopped_run_is_viewed_up_to_where_it_stopped():
    scenario = yaml.safe_load(SCENARIO.read_text())
    scenario.update(record="summary", tracking_log=False)
    stopped = sim.run(scenario, watch=lambda now, messages: now >= 2.5 * 3600)
    assert stopped.partial and stopped.end_time < 3 * 3600
    with pytest.raises(ValueError, match="after the run stopped"):
        stopped.queue_view("11:00")
    end = stopped.queue_view(stopped.end_time).set_index("Identity")
    assert end.loc["DEN-HUB1\\London", "Status"] == "Retry" and end.loc["DEN-HUB1\\London", "MessageCount"] > 1000


def test_instants_are_read_as_written():
    from sim.results.instant import seconds_at

    start = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    assert seconds_at("10:30:30", start, 18000) == 2 * 3600 + 30 * 60 + 30
    assert seconds_at("10:30", start, 18000) == 9000
    assert seconds_at("3h4m1s", start, 18000) == 11041
    assert seconds_at(" 08:00 ", start, 18000) == 0 and seconds_at(12.5, start, 18000) == 12.5
    late = datetime(2026, 1, 5, 20, 0, tzinfo=timezone.utc)  # a run from 20:00 for 8 hours: to 04:00 next day
    with pytest.raises(ValueError, match=r"before the run starts \(20:00\); give a clock time from 20:00 \(on the "
                                         r"run's first day\) or a time from the start up to 8h"):  # fmt: skip
        seconds_at("02:00", late, 8 * 3600)  # never the next day's 02:00
    assert seconds_at("6h", late, 8 * 3600) == 6 * 3600
    assert np.isclose(seconds_at("23:59:59.5", late, 8 * 3600), 3 * 3600 + 3599.5)
