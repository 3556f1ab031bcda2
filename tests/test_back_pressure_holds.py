"""Back pressure that holds (issue 19 point 4): at High nothing more is committed, so the queue drive stops
just past High; inbound SMTP is bounded by the connection limits and waits at the sender.

Every expected value is worked out by hand from the scenario and docs/exchange/back-pressure.md, never read from a run:
- scenarios/back-pressure.yaml: a 2 GB queue drive, High = floor(100 x (2048 - 500) / 2048) = 75 % (SP1,
  DOMAIN.md 6); one Hub with the default 4 cores and 20 Store Driver submission threads
  (MaxConcurrentMailboxSubmissions, DOMAIN.md 5.1); sizes lognormal with a 200 KB mean.
- The drive may pass High by one 2 s sample's inflow (what came in between the sample below High and the
  sample that found it) plus the messages in service then. Every committed KB costs the stage that commits
  it a fixed per-KB core time on one of the Hub's cores (Store Driver submission 0.2 ms/KB, SMTP Receive
  0.1 ms/KB: the stage defaults), so one sample lets in at most cores x 2 s / per-KB time.
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
CONNECTIONS = 20  # MaxPerDomainOutboundConnections (5.1) and MaxInboundConnectionPerSource (5.2)


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


# ---- SMTP Receive ---------------------------------------------------------------------------------


def two_sites(receive_connector: dict | None = None) -> dict:
    """Site A's Hub relays to site B's one Hub: 1 core, a 2 GB queue drive 1.3 GB full, constant 200 KB
    messages at 10/s, 90 % of them to B's 900 mailboxes; B's users send nothing."""
    hub_b = {"name": "B-HUB1", "cores": 1, "back_pressure": {"disk_size": "2GB", "disk_used": "1.3GB"}}
    if receive_connector is not None:
        hub_b["receive_connectors"] = [{"name": "Default B-HUB1", "usage": "Internal", **receive_connector}]
    return {
        "name": "a small-drive Hub receiving from another site",
        "duration": "1h",
        "drain": "1h",
        "seed": 5,
        "sites": [
            {"name": "A", "hubs": [{"name": "A-HUB1"}], "mailbox_servers": [{"name": "A-MBX1", "mailboxes": 100}]},
            {
                "name": "B",
                "hubs": [hub_b],
                "mailbox_servers": [{"name": "B-MBX1", "mailboxes": 900, "sends_mail": False}],
            },
        ],  # fmt: skip
        "site_links": [{"sites": ["A", "B"], "cost": 10, "latency": "10ms", "bandwidth": "1Gbps"}],
        "workload": {"rate": "10/s", "recipients": {"dist": "constant", "mean": 1}, "size": "200KB"},
    }


def uncommitted_peaks(model: Model, server: str) -> tuple[dict[int, int], list[int]]:
    """Watch `server`'s SMTP Receive from outside: the most messages it held uncommitted from each sending
    server at once, and in all (a list holding the peak)."""
    receiving = model.transport_servers[server]
    now: dict[int, int] = {}
    peak: dict[int, int] = {}
    total = [0, 0]
    arrive, commit = receiving.receive_smtp, receiving.receive.on_done

    def arrived(msg) -> None:
        source = msg.path[-1]
        now[source] = now.get(source, 0) + 1
        peak[source] = max(peak.get(source, 0), now[source])
        total[0] += 1
        total[1] = max(total[1], total[0])
        arrive(msg)

    def committed(msg) -> None:
        now[msg.path[-2]] -= 1
        total[0] -= 1
        commit(msg)

    receiving.receive_smtp = arrived
    receiving.receive.on_done = committed
    return peak, total


def test_smtp_receive_holds_no_more_than_the_connections_and_the_drive_stays_bounded():
    model = Model(sim.load_scenario(two_sites()))
    watch = DriveWatch(model)
    peak, _ = uncommitted_peaks(model, "B-HUB1")
    result = Results(run_model(model))
    sender = model.topology.index["A-HUB1"]
    assert peak[sender] <= CONNECTIONS
    assert "High" in set(result.pressure[result.pressure["server"] == "B-HUB1"]["level"])
    # one core, SMTP Receive 0.1 ms/KB: a sample lets in at most 1 x 2 s / 0.1 ms = 20,000 KB, plus the 20
    # messages of 200 KB in service: 75 % + 24,000 KB of 2 GB = 76.1 %
    bound = HIGH_PCT + 100 * (sample_inflow_kb(1, 0.0001) + CONNECTIONS * 200) * KB / DISK
    assert 100 * (USED + watch.peak["B-HUB1"]) / DISK <= bound
    # at High the sender's remote delivery queue waits in Retry, refused with 452 4.3.1 (DOMAIN.md 6)
    events = result.queue_events
    refused = events[(events["server"] == "A-HUB1") & (events["status"] == "Retry")]
    assert refused["last_error"].astype(str).str.startswith("452 4.3.1").any()
    summary = result.summary()
    assert summary["lost"] == 0 and summary["delivered"] == summary["recipients_total"]


@pytest.mark.parametrize(
    "limits, per_source, total",
    [({"max_inbound_connection_per_source": 5}, 5, 5), ({"max_inbound_connection": 3}, 3, 3)],
)
def test_the_receive_connector_limits_bound_what_a_sender_has_in_flight(limits, per_source, total):
    model = Model(sim.load_scenario(two_sites(limits)))
    peak, overall = uncommitted_peaks(model, "B-HUB1")
    summary = Results(run_model(model)).summary()
    assert peak[model.topology.index["A-HUB1"]] <= per_source
    assert overall[1] <= total
    assert summary["lost"] == 0 and summary["delivered"] == summary["recipients_total"]


def test_validate_lists_the_assumed_limits_and_retry_interval(tmp_path, capsys):
    """The UNCONFIRMED defaults the mechanism rests on are shown as assumptions (DOMAIN.md 1.1, 5.1, 5.2)."""
    import yaml

    from sim.cli import main

    path = tmp_path / "s.yaml"
    raw = two_sites({"max_inbound_connection_per_source": 5})
    path.write_text(yaml.safe_dump(raw))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "mail_submission.retry_interval = 30s" in out
    assert "max_concurrent_mailbox_submissions (2 servers) = 20" in out
    assert "Default <SERVER>: 0.0.0.0:25" in out and "unlimited connections, 20 per source" in out
    assert "max_inbound_connection by default" in out and "5000 connections, 5 per source" in out


def test_connections_close_when_either_end_stops():
    """The receiver stops with sessions open, then the sender with sessions open: every connection closes
    (none leaks a sender's thread or a receiver's count) and every message is delivered."""
    raw = two_sites()
    del raw["sites"][1]["hubs"][0]["back_pressure"]  # a large drive: the faults alone are under test
    raw["workload"]["rate"] = "7/s"  # B-HUB1's one core near its limit: SMTP Receive often waits for it
    raw["faults"] = [
        {"server": "B-HUB1", "down_at": "10m", "up_at": "20m"},
        {"server": "A-HUB1", "down_at": "30m", "up_at": "35m"},
        {"server": "B-HUB1", "down_at": "36m", "up_at": "40m"},
    ]
    model = Model(sim.load_scenario(raw))
    open_at_stop = []
    for name in ("A-HUB1", "B-HUB1"):
        server = model.hubs[name]

        def stop(server=server, stop=server.stop) -> None:
            relays = [s for s in server.stations if hasattr(s, "sessions")]
            received = sum(msg.session is not None for msg in server.receive.held())
            open_at_stop.append(received + sum(s.sessions for s in relays))
            stop()

        server.stop = stop
    summary = Results(run_model(model)).summary()
    assert len(open_at_stop) == 3 and all(n > 0 for n in open_at_stop), open_at_stop  # each found sessions open
    assert summary["lost"] == 0 and summary["delivered"] == summary["recipients_total"]
    relays = [s for s in model.stations if hasattr(s, "sessions")]
    assert relays and all(s.sessions == 0 and s.busy == 0 for s in relays)
    sender = model.hubs["A-HUB1"]
    assert sender.outbound_connections.free == sender.outbound_connections.capacity
    assert all(load.in_use == 0 and not any(load.by_source.values()) for load in model.inbound.loads.values())
