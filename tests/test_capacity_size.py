"""`exsim size` against Erlang C, the analytic first pass, N-1 combinations, and the capacity commands' CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ZERO_STAGES, one_site
from queueing_theory import mmc_mean_wait

import sim
from sim.capacity.analytic import evaluate
from sim.capacity.size import down_combinations, size
from sim.cli import main

RATE, SLO = 3.0, 1.3  # messages/s of exponential 1 s categorizer work; objective on the mean latency (wait + 1 s)


def mmc(cores: int = 4) -> dict:
    """An M/M/c on a Hub's cores: 64 categorizer threads, `cores` cores, every other stage free."""
    scenario = one_site(hubs=1, rate=f"{RATE}/s", duration="3000s", warmup="300s", record="summary",
                        tracking_log=False)  # fmt: skip
    scenario["sites"][0]["hubs"][0].update(cores=cores, categorizer_threads=64)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "1s"}}
    return scenario


def erlang_c_answer() -> int:
    """The fewest cores whose Erlang C mean wait plus the 1 s service meets the objective."""
    return next(c for c in range(int(RATE) + 1, 20) if mmc_mean_wait(RATE, 1.0, c) + 1.0 <= SLO)


def test_size_returns_the_erlang_c_answer_and_its_analytic_pass_agrees():
    answer = erlang_c_answer()  # 5: 4 cores give 1.509 s, 5 cores 1.118 s
    sizing = size(mmc(), "sites.A.hubs.HUB1.cores", [3, 4, 5, 6, 7], {"latency_mean_s": SLO}, replications=4, seed=3)
    assert sizing.answer == answer
    analytic = [c.value for c in sizing.candidates if c.analytic_pass]
    assert analytic[0] == answer
    by_value = {c.value: c for c in sizing.candidates}
    assert by_value[answer - 1].analytic["latency_mean_s"] == pytest.approx(mmc_mean_wait(RATE, 1, answer - 1) + 1)
    assert by_value[answer].simulated_pass is True and by_value[answer - 1].simulated_pass is False
    assert by_value[answer + 2].simulated_pass is None  # far from the boundary: not simulated
    low, high = by_value[answer].simulated["latency_mean_s"]
    assert low <= high <= SLO


def test_n_minus_1_takes_every_combination_of_hubs_down():
    scenario = sim.load_scenario(one_site(hubs=3))
    assert down_combinations(scenario, "A", 1) == [frozenset({"HUB1"}), frozenset({"HUB2"}), frozenset({"HUB3"})]
    assert len(down_combinations(scenario, "A", 2)) == 3
    # with one of two Hubs down, the other carries the whole site: twice the utilisation of the analytic pass
    two = sim.load_scenario(one_site(hubs=2, rate="4/s"))
    both_up, one_down = evaluate(two)["utilisation"], evaluate(two, frozenset({"HUB1"}))["utilisation"]
    assert one_down == pytest.approx(2 * both_up)


def test_n_minus_1_sizing_needs_one_hub_more_than_the_load_alone():
    """One Hub of 1 core carries the site at rho 0.4 (4/s x 100 ms); with one Hub down at any time it takes two."""
    scenario = one_site(hubs=1, rate="4/s", duration="20m", warmup="2m", record="summary", tracking_log=False)
    scenario["sites"][0]["hubs"][0].update(cores=1)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "100ms"}}
    alone = size(scenario, "sites.A.hub_count", [1, 2, 3], {"latency_p99_s": 5}, failures=0, replications=2)
    n_1 = size(scenario, "sites.A.hub_count", [1, 2, 3], {"latency_p99_s": 5}, failures=1, replications=2)
    assert (alone.answer, n_1.answer) == (1, 2)
    worst = {c.value: c.worst for c in n_1.candidates if c.simulated_pass is not None}
    assert worst[2] in ("HUB1 down", "HUB2 down")


def write(tmp_path, scenario: dict, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(json.dumps(scenario))  # JSON is YAML
    return str(path)


def test_exsim_size_prints_candidates_answer_and_rule_of_thumb(tmp_path, capsys):
    scenario = mmc()
    scenario["sites"][0]["mailbox_servers"][0]["cores"] = 28
    path = write(tmp_path, scenario)
    code = main(["size", path, "--slo", f"latency_mean_s={SLO}", "--vary", "sites.A.hubs.HUB1.cores=3..7",
                 "--replications", "3", "--out", str(tmp_path / "size"), "--quiet"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert f"Answer: sites.A.hubs.HUB1.cores = {erlang_c_answer()}" in out
    assert "Rule of thumb (7:1 Mailbox:Hub cores): 28 Mailbox cores in site A need 4 Hub cores" in out
    assert (tmp_path / "size" / "size_sites_A_hubs_HUB1_cores.png").stat().st_size > 10_000
    table = pd.read_csv(tmp_path / "size" / "size_sites_A_hubs_HUB1_cores.csv")
    assert list(table["sites.A.hubs.HUB1.cores"]) == [3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--slo", "latency_p99_s"], "--slo 'latency_p99_s': write NAME=NUMBER"),
        (["--slo", "latency_p99_s=60", "--vary", "sites.A.hub_count=5..2"], "the range 5..2 is empty"),
        (["--slo", "latency_p99_s=60", "--workers", "0"], "--workers 0: give 1 or more"),
    ],
)
def test_bad_size_options_are_one_line(tmp_path, capsys, args, message):
    assert main(["size", write(tmp_path, mmc()), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_exsim_sweep_resume_and_compare(tmp_path, capsys):
    path = write(tmp_path, mmc(5))
    out = tmp_path / "sweep"
    args = ["sweep", path, "--vary", "sites.A.hubs.HUB1.cores=5,6", "--replications", "3", "--seed", "4", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "peak_latency_p99_s" in printed and "±" in printed
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 6 and set(runs["sites.A.hubs.HUB1.cores"]) == {5, 6}
    assert main([*args, "--out", str(out)]) == 2  # the folder holds a sweep: --resume or another folder
    assert "--resume" in capsys.readouterr().err
    assert main([*args, "--out", str(out), "--resume"]) == 0  # nothing missing: nothing run, same tables
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs)
    capsys.readouterr()
    for cores in (5, 6):
        assert main(["sweep", path, "--set", f"sites.A.hubs.HUB1.cores={cores}", "--replications", "3", "--seed", "4",
                     "--quiet", "--out", str(tmp_path / f"c{cores}")]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "c5"), str(tmp_path / "c6")]) == 0
    text = capsys.readouterr().out
    latency = next(line for line in text.splitlines() if line.strip().startswith("latency_mean_s"))
    assert latency.split()[-1] == "yes"  # 5 -> 6 cores: the mean wait falls from 0.24 s to 0.06 s
    assert "paired t test (same seeds)" in text


def test_compare_two_run_folders_has_no_significance(tmp_path, capsys):
    path = write(tmp_path, mmc(5))
    for name, seed in (("a", "1"), ("b", "2")):
        assert main(["run", path, "--seed", seed, "--quiet", "--out", str(tmp_path / name)]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "(one run a side: no significance)" in capsys.readouterr().out
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "nowhere")]) == 2


def test_a_bad_varied_value_is_one_line_naming_the_option(tmp_path, capsys):
    assert main(["sweep", write(tmp_path, mmc()), "--vary", "sites.A.hubs.HUB1.cores=0,2", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["exsim: --vary sites.A.hubs.HUB1.cores=0: sites[0].hubs[0].cores: must be 1 or more, got 0"]
