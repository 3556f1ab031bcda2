"""`exsim size` under failure (issue 19.1): a site left without a Hub fails, undelivered mail fails an objective,
identical Hubs are one case, the window simulated, replications that stop when the interval decides, and the
same answer as the exhaustive sizing."""

from __future__ import annotations

import json
import math

import pandas as pd
from conftest import ZERO_STAGES, one_site

import sim
from sim.capacity.cases import distinct_cases, focus
from sim.capacity.size import Candidate, judge, size
from sim.cli import main

ROOT_SCENARIOS = "scenarios"


def n_minus_1() -> dict:
    """One site, 1-core Hubs, 4 messages/s of 100 ms exponential categorizer work: one Hub carries it at rho 0.4."""
    scenario = one_site(hubs=1, rate="4/s", duration="20m", warmup="2m", record="summary", tracking_log=False)
    scenario["sites"][0]["hubs"][0].update(cores=1)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "100ms"}}
    return scenario


def two_sites() -> dict:
    scenario = n_minus_1()
    scenario["sites"].append({"name": "London", "hubs": [{"name": "LON-HUB1", "cores": 1}],
                              "mailbox_servers": [{"name": "LON-MBX1", "mailboxes": 100}]})  # fmt: skip
    scenario["site_links"] = [{"sites": ["A", "London"]}]
    return scenario


def test_a_candidate_that_leaves_a_site_without_a_hub_fails_and_says_so(tmp_path, capsys):
    """London with 1 Hub and 1 failure: no Hub left there, its mail can never move. The analytic pass must not
    read that as latency 0 and a pass; the candidate fails without a simulation, and 2 Hubs is the answer."""
    sizing = size(two_sites(), "sites.London.hub_count", [1, 2], {"latency_p99_s": 5}, failures=1, replications=2)
    one, two = sizing.candidates
    assert not one.analytic_pass and math.isinf(one.analytic["latency_p99_s"])
    assert one.simulated_pass is False and one.cases == 0
    assert "no Hub left in site London" in " ".join(one.notes)
    assert sizing.answer == 2 and two.cases == 1
    path = tmp_path / "two.yaml"
    path.write_text(json.dumps(two_sites()))
    assert main(["size", str(path), "--slo", "latency_p99_s=5", "--failures", "1", "--vary",
                 "sites.London.hub_count=1..2", "--replications", "2", "--quiet"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "sites.London.hub_count=1: no Hub left in site London" in out
    assert "Answer: sites.London.hub_count = 2" in out


def test_a_recipient_not_delivered_by_the_end_fails_a_latency_objective():
    """Two runs whose delivered mail is fast (p99 0.3 s) but where, in one, 40 recipients submitted in the hour
    that matters were still held at the end (its p99 there is infinite): the objective fails and the candidate
    says how many, though the runs hold far less than 1% of all their recipients at the end."""
    runs = pd.DataFrame({
        "variant": [0, 0], "replication": [0, 1], "status": ["ok", "ok"], "error": ["", ""],
        "overloaded": [False, False], "overload": ["", ""], "in_queue_at_end": [40, 0],
        "recipients_total": [100_000, 100_000], "peak_latency_p99_s": [0.3, 0.3],
        "worst_hour_latency_p99_s": [math.inf, 0.31], "peak_undelivered": [0, 0], "worst_hour_undelivered": [40, 0],
    })  # fmt: skip
    candidate = Candidate(2, {}, True)
    assert judge(candidate, runs, [frozenset()], {"latency_p99_s": 60}, final=False) is True
    assert candidate.simulated_pass is False and candidate.undelivered == 40
    assert any("40 recipients submitted in the hour that matters were not delivered" in n for n in candidate.notes)
    fine = runs.assign(worst_hour_latency_p99_s=[0.31, 0.3], worst_hour_undelivered=[0, 0], in_queue_at_end=[0, 0])
    candidate = Candidate(2, {}, True)
    assert judge(candidate, fine, [frozenset()], {"latency_p99_s": 60}, final=False) is True
    assert candidate.simulated_pass is True


def test_mail_held_for_the_whole_run_fails_every_candidate():
    """A Mailbox server down from the start: mail to it waits all run. No Hub count helps, and the table says how
    many recipients were left undelivered."""
    scenario = n_minus_1()
    scenario["sites"][0]["mailbox_servers"].append({"name": "MBX2", "mailboxes": 100})
    scenario["faults"] = [{"kind": "server", "server": "MBX2", "down_at": "0s"}]
    sizing = size(scenario, "sites.A.hub_count", [2, 3], {"latency_p99_s": 60}, failures=1, replications=2)
    assert sizing.answer is None
    simulated = [c for c in sizing.candidates if c.cases]
    assert simulated and all(c.simulated_pass is False and c.undelivered > 100 for c in simulated)
    assert (sizing.table()["undelivered"] > 0).any()


def test_identical_hubs_are_one_case_and_a_hub_named_elsewhere_is_its_own():
    scenario = sim.load_scenario(one_site(hubs=3))
    cases, notes = distinct_cases(scenario, "A", 1)
    assert cases == [frozenset({"HUB1"})] and "identical Hubs" in notes[0]
    assert len(distinct_cases(scenario, "A", 2)[0]) == 1
    raw = one_site(hubs=3)
    raw["sites"][0]["hubs"][2]["cores"] = 8  # HUB3 differs
    assert distinct_cases(sim.load_scenario(raw), "A", 1)[0] == [frozenset({"HUB1"}), frozenset({"HUB3"})]
    raw = one_site(hubs=3)
    raw["send_connectors"] = [{"name": "Out", "address_spaces": ["*"], "source_servers": ["HUB2"]}]
    assert distinct_cases(sim.load_scenario(raw), "A", 1)[0] == [frozenset({"HUB1"}), frozenset({"HUB2"})]


def test_the_window_simulated_is_the_warm_up_and_the_busiest_hour_of_the_curve():
    """capacity-10k runs 07:00-11:00 with a 1-hour warm-up; the business-day curve peaks at 09:00 (weight 2.6), so
    the run simulated starts at 08:00 and lasts 2 hours. A flat rate, or faults of the scenario's own, keep it."""
    scenario = sim.load_scenario(f"{ROOT_SCENARIOS}/capacity-10k.yaml")
    assert focus(scenario) == {"workload.start_of_day": 8 * 3600.0, "start_date": scenario.start_date,
                               "duration": 2 * 3600.0}  # fmt: skip
    assert focus(sim.load_scenario(n_minus_1())) == {}
    assert focus(sim.load_scenario(f"{ROOT_SCENARIOS}/hub-failure-at-peak.yaml")) == {}


def test_replications_stop_once_decided_and_the_answer_matches_the_exhaustive_sizing():
    scenario = n_minus_1()
    quick = size(scenario, "sites.A.hub_count", [1, 2, 3], {"latency_p99_s": 5}, failures=1, replications=6)
    full = size(scenario, "sites.A.hub_count", [1, 2, 3], {"latency_p99_s": 5}, failures=1, replications=6,
                levers=frozenset())  # fmt: skip
    assert quick.answer == full.answer == 2
    by_value = {c.value: c for c in quick.candidates}
    assert by_value[2].simulated_pass and (by_value[2].cases, by_value[2].replications) == (1, 2)
    exhaustive = {c.value: c for c in full.candidates}
    assert (exhaustive[2].cases, exhaustive[2].replications) == (2, 6)


def test_without_a_terminal_each_candidate_gets_one_progress_line_on_stderr(tmp_path, capsys):
    path = tmp_path / "n1.yaml"
    path.write_text(json.dumps(n_minus_1()))
    assert main(["size", str(path), "--slo", "latency_p99_s=5", "--failures", "1", "--vary",
                 "sites.A.hub_count=2..4", "--replications", "2"]) == 0  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(line.startswith("exsim size: sites.A.hub_count=") for line in err)
    assert any(line.startswith("exsim size: sites.A.hub_count=2: PASS (1 case x 2 replications") for line in err)


def test_quiet_sizing_prints_no_progress(tmp_path, capsys):
    path = tmp_path / "n1.yaml"
    path.write_text(json.dumps(n_minus_1()))
    assert main(["size", str(path), "--slo", "latency_p99_s=5", "--failures", "1", "--vary",
                 "sites.A.hub_count=2..3", "--replications", "2", "--quiet"]) == 0  # fmt: skip
    assert capsys.readouterr().err == ""
