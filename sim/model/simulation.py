"""Running a model to its end time and handing over its record: the model layer's one entry point.

End of run: mail is generated until `duration`; the run goes on for `drain` more, then stops; events
due exactly at the end are not processed (SimPy's rule, tests/test_engine.py). What is still in the
model then is listed in the record's in-flight table.
"""

from __future__ import annotations

from ..exchange.record import RunRecord
from ..scenario.schema import Scenario
from .engine import cyclic_gc_paused
from .organisation import Model
from .snapshot import snapshot


def run(model: Model, progress: bool = False) -> RunRecord:
    """Run `model` to duration + drain and hand over the record of what happened."""
    model.start()
    end = model.scenario.end_time
    with cyclic_gc_paused():
        if progress:
            _run_with_progress(model, end)
        else:
            model.env.run(until=end)
        return snapshot(model)


def simulate(scenario: Scenario, seed: int | None = None, progress: bool = False) -> RunRecord:
    """Build the organisation of `scenario` and run it (seed: the scenario's unless given)."""
    return run(Model(scenario, seed), progress)


def _run_with_progress(model: Model, end: float) -> None:
    from tqdm import tqdm

    steps = 200
    with tqdm(total=round(end), unit="sim-s", desc=model.scenario.name, leave=False) as bar:
        for step in range(1, steps + 1):
            model.env.run(until=end * step / steps)
            bar.update(round(end * step / steps) - bar.n)
