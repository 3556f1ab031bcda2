"""Running a model to its end time and handing over its record: the model layer's one entry point.

End of run: mail is generated until `duration`; the run goes on for `drain` more, then stops; events
due exactly at the end are not processed (SimPy's rule, tests/test_engine.py). What is still in the
model then is listed in the record's in-flight table.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..formats.record import RunRecord
from ..scenario.schema import Scenario
from .engine import cyclic_gc_paused
from .organisation import Model
from .snapshot import snapshot


def run(model: Model, progress: bool = False, watch: Callable[[float, int], bool] | None = None) -> RunRecord:
    """Run `model` to duration + drain and hand over the record of what happened.

    `watch(now, messages generated so far)` is called between slices of simulated time (at least 1,000,
    none longer than 5 minutes); when it returns True the run stops there, between two events, and the
    record is of what finished so far, its end_time that moment (Ctrl-C in `exsim run`). Slicing never
    changes the results: the same events run in the same order.
    """
    model.start()
    end = model.scenario.end_time
    with cyclic_gc_paused():
        if watch is not None:
            _run_watched(model, end, watch)
        elif progress:
            _run_with_progress(model, end)
        else:
            model.env.run(until=end)
        return snapshot(model)


def simulate(scenario: Scenario, seed: int | None = None, progress: bool = False,
             watch: Callable[[float, int], bool] | None = None) -> RunRecord:  # fmt: skip
    """Build the organisation of `scenario` and run it (seed: the scenario's unless given); `watch` as in run."""
    return run(Model(scenario, seed), progress, watch)


def _run_watched(model: Model, end: float, watch: Callable[[float, int], bool]) -> None:
    steps = max(1000, math.ceil(end / 300.0))
    sources = model.sources
    for step in range(1, steps + 1):
        model.env.run(until=end if step == steps else end * step / steps)
        if watch(model.env.now, sum(source.generated for source in sources)):
            return


def _run_with_progress(model: Model, end: float) -> None:
    from tqdm import tqdm

    steps = 200
    with tqdm(total=round(end), unit="sim-s", desc=model.scenario.name, leave=False) as bar:
        for step in range(1, steps + 1):
            model.env.run(until=end * step / steps)
            bar.update(round(end * step / steps) - bar.n)
