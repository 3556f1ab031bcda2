"""Each scenario's report opens with the figure answering its question (issue 22.2), titled with the answer
computed from the run: the titles are checked here against the summary figures they claim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, one_site, shared_run
from test_faults import chain

import sim
from sim.results.answers import ANSWERS, QUESTIONS, question_of
from sim.results.report_html import report_html
from sim.scenario.schema import Question

BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
SHORT = {
    "quickstart": {"duration": "1h", "warmup": "0"},
    "colocated-hub": {"duration": "1h", "warmup": "0"},
    "two-sites": {"duration": "30m", "warmup": "0"},
    "three-sites-hub-site": {"duration": "30m", "warmup": "0"},
    "hub-outage": {"duration": "2h40m", "record": "summary", "tracking_log": False},
    "hub-failure-at-peak": {"duration": "4h", "record": "summary", "tracking_log": False},
    "site-link-down": {"duration": "3h15m", "drain": "0s", "record": "summary", "tracking_log": False},
    "edge-internet": {"duration": "30m", "warmup": "0"},
    "shared-namespace": {"duration": "1h", "warmup": "0"},
    "capacity-10k": {"duration": "2h", "warmup": "30m", "drain": "0s"},
}
"""Runs cut short where the question allows (each still holds its fault); the others run as bundled."""


def _run(path: Path):
    return shared_run(sim.load_scenario(path, SHORT.get(path.stem)).model_dump(mode="json"))


def _title(fig) -> str:
    return " ".join(fig.get_suptitle().split())  # the title is wrapped to the figure's width


def test_every_question_has_a_figure_and_the_schema_names_the_same_ones():
    assert set(QUESTIONS) == set(ANSWERS) and set(Question.__args__) == {"auto", *QUESTIONS}


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_scenarios_report_opens_with_its_answer(path):
    declared = yaml.safe_load(path.read_text())["question"]  # each names the question its README row asks
    assert declared in QUESTIONS
    result = _run(path)
    assert question_of(result) == declared
    html = report_html(result, path.parent / "no-such-folder")
    assert re.findall(r'<section id="([a-z]+)"', html)[0] == "answer"
    heading = re.search(r'<section id="answer"><h2 class="answer">([^<]+)</h2>', html)
    assert heading and len(heading.group(1)) > 30
    answer = html.index('id="answer"')
    assert html.index("<img", answer) < html.index('id="scenario"')  # the figure comes first, then the rest


def test_n_minus_1_is_titled_with_the_survivors_utilisation_while_the_hub_was_down():
    result = _run(ROOT / "scenarios" / "hub-failure-at-peak.yaml")
    window = result.summary()["fault_windows"][0]
    title = _title(result.answer())
    assert window["target"] == "SEA-HUB1" and window["utilisation_max"] < 0.7
    assert title.startswith("N-1 holds: the busiest survivor")
    assert f"at {window['utilisation_max']:.0%} of its cores while SEA-HUB1 was down, against 70%" in title


def test_point_of_failure_names_the_queue_and_its_most_from_the_fault_window():
    result = _run(ROOT / "scenarios" / "site-link-down.yaml")
    window = result.summary()["fault_windows"][0]
    assert window["largest_queue"] == "DEN-HUB1\\London"  # the closest Hub that answers, on the path to London
    assert _title(result.answer()) == (
        f"Queue at point of failure: mail for London waited in Retry on DEN-HUB1, up to "
        f"{window['max_queue_length']:,} messages, while Denver-London was down"
    )


def test_held_mail_counts_the_dsns_and_expiries_of_the_summary():
    result = _run(ROOT / "scenarios" / "mailbox-server-down.yaml")
    summary = result.summary()
    title = _title(result.answer())
    assert summary["delay_dsns"] > 0 and summary["expired"] > 0
    assert f"{summary['delay_dsns']:,} delay DSNs, {summary['expired']:,} expired into NDRs (4.4.7)" in title
    window = summary["fault_windows"][0]
    assert title.startswith(f"While SEA-MBX2 was down (3h): up to {window['max_queue_length']:,} messages waited")


def test_back_pressure_counts_the_time_at_high_and_the_refusals():
    result = _run(ROOT / "scenarios" / "back-pressure.yaml")
    summary = result.summary()
    high = summary["back_pressure_seconds"]["SEA-HUB1"]["High"]
    title = _title(result.answer())
    assert f"SEA-HUB1 at High for {round(high / 60)}m" in title
    assert f"{summary['refused_and_retried']:,} refused messages retried, all delivered later" in title


def test_round_robin_shares_come_from_the_paths():
    result = _run(ROOT / "scenarios" / "quickstart.yaml")
    first = result.messages.drop_duplicates("message_id")
    hops = first["path"].astype(str).str.split(">")
    split = {
        server: hops[hops.str[0] == server].str[1].value_counts(normalize=True) for server in ("SEA-MBX1", "SEA-MBX2")
    }
    words = {server: f"{s['SEA-HUB1'] * 100:.0f}/{s['SEA-HUB2'] * 100:.0f}" for server, s in split.items()}
    title = _title(result.answer())
    if words["SEA-MBX1"] == words["SEA-MBX2"]:  # said once for both
        assert title == f"Round robin: SEA-MBX1 and SEA-MBX2 each split {words['SEA-MBX1']} over SEA-HUB1, SEA-HUB2"
    else:
        assert title.startswith(f"Round robin: SEA-MBX1 splits {words['SEA-MBX1']} over SEA-HUB1, SEA-HUB2")


def test_headroom_estimates_n_minus_1_from_the_busiest_hour():
    result = _run(ROOT / "scenarios" / "capacity-10k.yaml")
    peak = result.summary()["peak_utilisation_by_server"]
    seattle = (peak["SEA-HUB1"] + peak["SEA-HUB2"]) / 2 * 2  # two Hubs' load on one
    title = _title(result.answer())
    assert f"Seattle's Hubs peak at {max(peak['SEA-HUB1'], peak['SEA-HUB2']):.0%} at the busiest hour" in title
    assert re.search(rf"about {seattle * 100:.0f}(\.\d)?% with one of its 2 down \(estimated\), against 70%", title)


@pytest.mark.parametrize("scenario, question", [
    (chain(record="summary"), "point-of-failure"),
    (one_site(hubs=3, faults=[{"kind": "server", "server": "HUB1", "down_at": "10m", "up_at": "20m"}]), "n-1"),
    (one_site(hubs=2, faults=[{"server": "HUB1", "service": "transport", "down_at": "10m", "up_at": "20m"}]),
     "failover"),
    (one_site(hubs=2, mailbox_servers=2, faults=[{"kind": "server", "server": "MBX2", "down_at": "10m",
                                                  "up_at": "20m"}]), "held-mail"),
    (one_site(hubs=2), "headroom"),
])  # fmt: skip
def test_auto_chooses_the_question_from_what_the_scenario_holds(scenario, question):
    result = shared_run({**scenario, "duration": "30m"})
    assert result.scenario.question == "auto" and question_of(result) == question
    assert ANSWERS[question](result).get_suptitle()
