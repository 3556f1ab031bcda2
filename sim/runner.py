"""`sim.run`: a scenario in, Results out; the one place the model and the results meet."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from .model.simulation import simulate
from .results.results import Results
from .scenario.loading import load_scenario
from .scenario.schema import Scenario


def run(scenario: Scenario | str | os.PathLike | Mapping, seed: int | None = None,
        overrides: Mapping[str, Any] | None = None, progress: bool = False,
        watch: Callable[[float, int], bool] | None = None) -> Results:  # fmt: skip
    """Run a scenario (a Scenario, a YAML path or a mapping) and return its Results.

    `watch(now, messages so far)`, called between slices of simulated time, stops the run early by
    returning True: the Results are then of what finished, `partial` (sim.model.simulation.run).
    """
    if overrides or not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    return Results(simulate(scenario, seed, progress, watch))
