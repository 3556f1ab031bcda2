"""Back pressure that holds (issue 19 point 4): at High the Store Driver commits nothing more, so the queue
drive stops just past High, and an Outbox retry hands a Hub only what its submission threads take.

Every expected value is worked out by hand from the scenario and ../shared/DOMAIN.md, never read from a run:
- scenarios/back-pressure.yaml: a 2 GB queue drive, High = floor(100 x (2048 - 500) / 2048) = 75 % (SP1,
  DOMAIN.md 6); one Hub with the default 4 cores and 20 Store Driver submission threads
  (MaxConcurrentMailboxSubmissions, DOMAIN.md 5.1); sizes lognormal with a 200 KB mean.
- The drive may pass High by one 2 s sample's inflow (what came in between the sample below High and the
  sample that found it) plus the messages in service then. Every committed KB costs the stage that commits
  it a fixed per-KB core time on one of the Hub's cores (Store Driver submission 0.2 ms/KB: the stage
  default), so one sample lets in at most cores x 2 s / per-KB time.
"""

from __future__ import annotations

import math

import pytest
from conftest import ROOT, one_site, shared_run

import sim
from sim.model.organisation import Model
from sim.model.roles.transport import HIGH, MEDIUM
from sim.model.simulation import run as run_model
from sim.results.results import Results

SCENARIO = str(ROOT / "scenarios" / "back-pressure.yaml")
KB, MB = 1024, 1024 * 1024
DISK = 2048 * MB  # back_pressure.disk_size: 2GB
USED = 1.3 * 1024 * MB  # back_pressure.disk_used: 1.3GB
HIGH_PCT = math.floor(100 * (2048 - 500) / 2048)  # 75 (SP1)
SAMPLE = 2.0  # back pressure samples every 2 s (DOMAIN.md 6)
CORES = 4  # a Hub's cores (default)
SUBMISSION_THREADS = 20  # MaxConcurrentMailboxSubmissions (DOMAIN.md 5.1, default)


def sample_inflow_kb(cores: int, per_kb_s: float) -> float:
    """The most KB a stage costing `per_kb_s` core seconds per KB can commit in one sample on `cores` cores."""
    return cores * SAMPLE / per_kb_s


STORE_DRIVER_BOUND = HIGH_PCT + 100 * (sample_inflow_kb(CORES, 0.0002) + SUBMISSION_THREADS * 1024) * KB / DISK
"""75 % + (40,000 KB a sample + 20 submissions in service, each under 1 MB: 5 times the mean) = 77.9 %."""


class DriveWatch:
    """Watches every transport server's queue database from outside the model: the most bytes each held, and
    the bytes committed while the server was at High."""

    def __init__(self, model: Model) -> None:
        self.peak: dict[str, float] = {}
        self.at_high: dict[str, int] = {}
        for server in model.transport_servers.values():
            held = server.__dict__.pop("held_bytes")
            server.__class__ = self._watched(type(server))
            server.__dict__["_held"] = held

    def _watched(self, cls: type) -> type:
        watch = self

        class Watched(cls):
            @property
            def held_bytes(self) -> float:
                return self.__dict__["_held"]

            @held_bytes.setter
            def held_bytes(self, value: float) -> None:
                if value > self.__dict__["_held"]:
                    watch.peak[self.name] = max(watch.peak.get(self.name, 0.0), value)
                    if self.pressure == HIGH:
                        watch.at_high[self.name] = watch.at_high.get(self.name, 0) + 1
                self.__dict__["_held"] = value

        return Watched


def watched_run(scenario) -> tuple[DriveWatch, sim.Results, Model]:
    model = Model(sim.load_scenario(scenario))
    watch = DriveWatch(model)
    return watch, Results(run_model(model)), model


def high_windows(result) -> list[tuple[float, float]]:
    changes = result.pressure
    ends = [*changes["time"][1:], result.end_time]
    return [(start, end) for start, end, level in zip(changes["time"], ends, changes["level"]) if level == "High"]


# ---- Store Driver ---------------------------------------------------------------------------------


def back_pressure_result():
    return shared_run(sim.load_scenario(SCENARIO).model_dump(mode="json", by_alias=True))


def test_at_high_no_store_driver_commit_lands():
    result = back_pressure_result()
    windows = high_windows(result)
    assert len(windows) >= 1
    log = result.tracking_raw
    commits = log[(log["event_id"] == "RECEIVE") & (log["source"] == "STOREDRIVER")]["time_s"].to_numpy()
    for start, end in windows:
        assert not ((commits >= start) & (commits < end)).any(), (start, end)
    summary = result.summary()
    assert summary["lost"] == 0 and summary["delivered"] == summary["recipients_total"]


@pytest.mark.parametrize("rate", [None, "6/s"])
def test_the_queue_drive_stops_one_sample_past_high(rate):
    scenario = sim.load_scenario(SCENARIO, overrides={"workload.rate": rate} if rate else None)
    watch, result, _ = watched_run(scenario)
    assert "High" in set(result.pressure["level"])
    peak_pct = 100 * (USED + watch.peak["SEA-HUB1"]) / DISK
    assert HIGH_PCT <= peak_pct <= STORE_DRIVER_BOUND
    assert watch.at_high.get("SEA-HUB1", 0) == 0  # no byte committed at High
    assert result.summary()["lost"] == 0


def test_a_retry_hands_a_hub_no_more_than_its_threads_take():
    """An Outbox retry in a Medium window between two High ones hands the Hub 20 messages (its submission
    threads), the rest stay in the Outbox; at High again the 20 are not committed and go back."""
    raw = one_site(hubs=1, rate="20/s", duration="1h", stages={"store_driver_submit": "1s"})
    model = Model(sim.load_scenario(raw))
    model.back_pressure.monitored = []  # the levels are set by hand here
    hub, mailbox = model.hubs["HUB1"], model.mailbox_servers["MBX1"]
    hub.set_pressure(HIGH)
    model.start()
    model.env.run(until=60.0)
    assert len(mailbox.outbox.waiting) > 900 and hub.submit.length == 0
    hub.set_pressure(MEDIUM)
    retry_at = mailbox.outbox.timer.at
    model.env.run(until=retry_at + 0.5)  # the retry has fired; no 1 s submission has ended yet
    assert hub.submissions == SUBMISSION_THREADS
    assert hub.submit.busy == SUBMISSION_THREADS and len(hub.submit.queue) == 0
    generated = sum(source.generated for source in model.sources)
    assert len(mailbox.outbox.waiting) == generated - SUBMISSION_THREADS
    hub.set_pressure(HIGH)
    model.env.run(until=retry_at + 10.0)  # 20 one-second submissions on 4 cores end within 5 s
    assert hub.held_bytes == 0 and hub.submit.length == 0
    assert len(mailbox.outbox.waiting) == sum(source.generated for source in model.sources)


def test_no_retry_in_the_burst_hands_over_more_than_the_threads():
    """In the bundled scenario no instant sees more SUBMITs than the Hub has submission threads."""
    log = back_pressure_result().tracking_raw
    submits = log[log["event_id"] == "SUBMIT"]
    assert submits.groupby("time_s").size().max() <= SUBMISSION_THREADS
