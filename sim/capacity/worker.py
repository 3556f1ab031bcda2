"""One run of a sweep, reduced to one row of plain figures: what travels back from a process or Dask worker.

`run_task` is a module-level function of the installed package, so a spawned process or a Dask worker
imports it by name (never a function defined in a notebook). It builds the variant's scenario from
the base scenario and the variant's overrides inside the worker, so a variant that cannot be built or
run is recorded with its error like any other failure, and the sweep goes on. The whole Results is
dropped in the worker; only the row comes back.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from typing import Any

from ..runner import run
from ..scenario.loading import load_scenario
from ..scenario.schema import Scenario

SKIPPED = ("seed", "simulated_s")
"""Scalar summary keys that are settings, not figures."""


@dataclass(frozen=True)
class Task:
    """One run: the variant (its index and values as overrides) and the replication (its index and seed)."""

    scenario: Scenario
    variant: int
    values: dict[str, Any]
    replication: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    """Overrides applied before the variant's values (e.g. a Hub left down for N-1)."""

    @property
    def key(self) -> tuple[int, int]:
        """(variant, replication): what identifies the run in the tables and on resume."""
        return self.variant, self.replication


def figures(summary: dict) -> dict[str, float]:
    """The summary's scalar figures, plus the largest core utilisation over servers and the max queue length over
    queues (the most messages one queue held at once, since warm-up)."""
    row = {}
    for key, value in summary.items():
        if key in SKIPPED or isinstance(value, str) or value is None:
            continue
        if isinstance(value, bool):
            row[key] = value
        elif isinstance(value, (int, float)):
            row[key] = float(value) if isinstance(value, float) else int(value)
    row["utilisation_max"] = max(summary.get("utilisation_by_server", {}).values(), default=0.0)
    row["max_queue_length"] = max(summary.get("max_queue_length", {}).values(), default=0)
    return row


def table_value(value: Any) -> Any:
    """A variant's value as a table cell: numbers and text as they are, anything else as JSON text."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return json.dumps(value, sort_keys=True, default=str)


def run_task(task: Task) -> dict:
    """Run one task; the row holds its keys, seed, status ('ok' or 'error'), error text and figures."""
    row: dict[str, Any] = {"variant": task.variant, "replication": task.replication, "seed": task.seed}
    row.update({path: table_value(value) for path, value in task.values.items()})
    try:
        scenario = load_scenario(task.scenario, {**task.overrides, **task.values}) if (
            task.values or task.overrides) else task.scenario  # fmt: skip
        summary = run(scenario, task.seed).summary()
    except Exception as error:  # recorded in the row: one failing run never stops the sweep
        text = str(error).strip().splitlines()
        where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        place = f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
        row.update(status="error", error=f"{type(error).__name__}: {' '.join(text)[:500]}{place}")
        return row
    row.update(status="ok", error="")
    row["overload"] = "; ".join(summary.get("overload", []))
    row["perfmon_breach"] = "; ".join(summary.get("perfmon_breaches", []))
    row.update(figures(summary))
    return row
