"""`sim.run`: a scenario in, Results out; the one place the model and the results meet."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .model.simulation import simulate
from .results.results import Results
from .scenario.loading import load_scenario
from .scenario.schema import Scenario


def run(scenario: Scenario | str | os.PathLike | Mapping, seed: int | None = None,
        overrides: Mapping[str, Any] | None = None, progress: bool = False) -> Results:  # fmt: skip
    """Run a scenario (a Scenario, a YAML path or a mapping) and return its Results."""
    if overrides or not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    return Results(simulate(scenario, seed, progress))
