"""Every bundled scenario validates and runs (shortened) with nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def test_the_documented_scenarios_are_bundled():
    names = {path.name for path in SCENARIOS}
    assert {"quickstart.yaml", "colocated-hub.yaml", "two-sites.yaml", "hub-outage.yaml"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenario_runs_with_nothing_lost(path):
    text = path.read_text()
    assert text.startswith("#"), "each scenario opens with a comment header saying what it teaches"
    scenario = sim.load_scenario(path)
    short = {"duration": min(scenario.duration, 3 * 3600), "warmup": 0, "drain": "10m"}
    summary = sim.run(path, overrides=short).summary()
    assert summary["messages_generated"] > 0
    assert summary["delivered"] > 0
    assert summary["lost"] == 0
