"""`sim.run`: a scenario in, Results out; the one place the model and the results meet."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .formats.clock import start_of
from .model.instant import Replay
from .model.simulation import simulate
from .results import instant
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
    return Results(simulate(scenario, seed, progress, watch), replay=replay)


def replay(scenario: Scenario, seed: int) -> instant.QueueSource:
    """The run of `scenario` and `seed` replayed to the instants Results.queue_view asks for (a function of this
    module, so a pickled Results names it, never the model)."""
    return Replay(scenario, seed)


def queue_view(scenario: Scenario, at: str | float, seed: int | None = None) -> pd.DataFrame:
    """Get-Queue at `at` (as Results.queue_view reads it) of a scenario run only up to that instant
    (`exsim queues`): ValueError when `at` is not in the run."""
    start = start_of(scenario)
    seconds = instant.seconds_at(at, start, scenario.end_time)
    states = Replay(scenario, scenario.seed if seed is None else int(seed)).queues_at(seconds)
    return instant.queue_view(states, seconds, start)
