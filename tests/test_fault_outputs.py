"""What a user sees of a fault: the faults figure, the summary's accounting lines, and the files saved."""

from __future__ import annotations

from conftest import ROOT, one_site, shared_run
from test_faults import chain

import sim
from sim.results.report import format_summary
from sim.scenario.units import format_duration


def test_the_faults_figure_draws_each_window_where_the_scenario_puts_it():
    result = shared_run(chain())
    fig = result.figure("faults")
    timeline, held = fig.axes
    assert [label.get_text() for label in timeline.get_yticklabels()] == ["site link Denver-London"]
    bars = timeline.collections[0].get_paths()[0].get_extents()
    assert (round(bars.x0, 6), round(bars.x1, 6)) == (round(10 / 60, 6), round(40 / 60, 6))  # 10m to 40m
    assert "Retry" in [text.get_text() for text in held.get_legend().get_texts()]


def test_a_run_ending_during_an_outage_says_what_is_still_queued_and_in_what_state():
    scenario = chain(drain="0s", faults=[{"kind": "site_link", "sites": ["Denver", "London"], "down_at": "10m"}])
    result = shared_run(scenario)
    summary = result.summary()
    held = result.in_flight
    assert summary["in_queue_at_end"] == len(held) > 0
    assert summary["still_queued_by_state"] == {"Retry": len(held)}  # all on DEN-HUB1's London queue, in Retry
    text = format_summary(summary)
    rows = {line.split("  ")[1].strip(): line.split("  ", 2)[2].strip() for line in text.splitlines()
            if line.startswith("  ") and line.count("  ") >= 2}  # fmt: skip
    assert rows["still queued at end"] == f"{len(held):,}  (Retry {len(held):,})"
    assert rows["lost (must be 0)"] == "0" and "fault windows: 1" in text


def test_the_summary_prints_the_time_at_medium_and_high_back_pressure_from_the_level_changes():
    result = shared_run(
        sim.load_scenario(ROOT / "scenarios" / "back-pressure.yaml").model_dump(mode="json", by_alias=True)
    )
    changes = result.pressure
    spent = {"Normal": 0.0, "Medium": 0.0, "High": 0.0}
    times = [0.0, *changes["time"], result.end_time]
    for level, start, end in zip(["Normal", *changes["level"]], times, times[1:]):
        spent[level] += end - start
    line = (
        f"SEA-HUB1{' ' * 24}{format_duration(round(spent['Medium'], 3))} / {format_duration(round(spent['High'], 3))}"
    )
    assert spent["High"] > 600 and line in format_summary(result.summary())


def test_save_draws_the_faults_figure_only_when_something_broke(tmp_path):
    shared_run(chain()).save(tmp_path / "broken")
    assert (tmp_path / "broken" / "faults.png").stat().st_size > 0
    shared_run(one_site(hubs=1, rate="1/s", duration="10m")).save(tmp_path / "clean")
    assert not (tmp_path / "clean" / "faults.png").exists()
    assert (tmp_path / "clean" / "queues.png").exists()


def test_the_max_queue_length_line_counts_in_the_right_number():
    summary = dict(shared_run(chain()).summary())
    for count, words in ((1, "1 message at X\\Q"), (1200, "1,200 messages at X\\Q")):
        summary["peak_queue_length_by_queue"] = {"X\\Q": count}
        assert words in format_summary(summary)
