"""Every bundled scenario validates and runs (shortened) with nothing lost, and its tables match the golden
digests (tests/golden.py): a change meant to leave results alone, for speed or memory, must leave them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from golden import compare, digests

import sim

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "data" / "golden.json"


def test_the_documented_scenarios_are_bundled():
    names = {path.name for path in SCENARIOS}
    assert {"quickstart.yaml", "colocated-hub.yaml", "two-sites.yaml", "hub-outage.yaml"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenario_runs_with_nothing_lost_and_its_tables_unchanged(path):
    text = path.read_text()
    assert text.startswith("#"), "each scenario opens with a comment header saying what it teaches"
    scenario = sim.load_scenario(path)
    short = {"duration": min(scenario.duration, 3 * 3600), "warmup": 0, "drain": "10m"}
    result = sim.run(path, overrides=short)
    summary = result.summary()
    assert summary["messages_generated"] > 0
    assert summary["delivered"] > 0
    assert summary["lost"] == 0
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    actual = digests(result)
    if os.environ.get("EXSIM_UPDATE_GOLDEN"):
        if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker would write the file over the others' digests
            pytest.fail("regenerate the golden digests in one process: add -p no:xdist")
        golden[path.stem] = actual
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
        return
    assert path.stem in golden, f"no golden digest for {path.name}: run with EXSIM_UPDATE_GOLDEN=1 once"
    assert compare(golden[path.stem], actual) == []


def test_the_golden_digest_sees_a_changed_value_and_ignores_float_noise_and_new_columns():
    from conftest import one_site, shared_run

    result = shared_run(one_site(hubs=1, rate="1/s", duration="10m"))
    expected = digests(result)
    messages = result.messages.copy()
    noisy = messages.assign(latency_s=messages["latency_s"] * (1 + 1e-14), clock="new column")
    changed = messages.assign(latency_s=messages["latency_s"].where(messages.index != 3, messages["latency_s"] + 1e-4))

    class View:  # the same result with one table replaced
        def __init__(self, table):
            self.table = table

        def __getattr__(self, name):
            return self.table if name == "messages" else getattr(result, name)

    assert compare(expected, digests(View(noisy))) == []
    assert compare(expected, digests(View(changed))) == ["messages.latency_s: values differ"]
