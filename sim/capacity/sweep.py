"""`sim.sweep` and `sim.replicate`: the Cartesian product of varied values, each run n times on common seeds.

Every variant runs the same replication seeds (common random numbers: a difference between variants
is the variants', not luck's), drawn from one root seed (sim.capacity.seeds). The result is two tidy
tables: `runs`, one row per run (variant values, replication, seed, figures, status, error), and
`variants`, one row per variant and figure with the mean and its 95% Student t interval. With `out`,
each run's row is written to disk as it finishes (sim.capacity.store), so a sweep that stops keeps
what finished and `resume=True` runs only what is missing.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..scenario.loading import load_scenario
from ..scenario.schema import Scenario
from .executors import Executor, make_executor
from .seeds import replication_seeds
from .stats import interval
from .store import RunStore, sort_runs
from .worker import Task, run_task

KEYS = ("variant", "replication", "seed", "status", "error", "overload", "perfmon_breach")
"""Columns of the runs table that are not figures (besides the varied paths)."""


class SweepStopped(RuntimeError):
    """A run failed and fail_fast was asked: the sweep stopped (what finished is kept)."""


class Sweep:
    """The tables of a finished sweep (or of replications, a sweep with nothing varied)."""

    def __init__(self, runs: pd.DataFrame, paths: list[str], seeds: list[int], root_seed: int) -> None:
        self.runs = runs
        self.paths = paths
        self.seeds = seeds
        self.root_seed = root_seed
        self.variants = variants_table(runs, paths)

    def __repr__(self) -> str:
        failed = int((self.runs["status"] != "ok").sum()) if len(self.runs) else 0
        return f"<Sweep {len(self.runs)} runs over {', '.join(self.paths) or 'replications'}, {failed} failed>"

    @property
    def means(self) -> pd.DataFrame:
        """The variants table indexed by figure (for replications of one scenario: one row per figure)."""
        return self.variants.set_index([*self.paths, "figure"]) if self.paths else self.variants.set_index("figure")

    def figure(self, metric: str, x: str | None = None):
        """A matplotlib Figure of `metric` against a varied path with 95% bands, one line per other variant."""
        from ..results.plots.capacity import metric_against

        x = x or (self.paths[0] if self.paths else None)
        if x is None:
            raise ValueError("nothing was varied: a figure needs a varied path on its x axis")
        return metric_against(self.variants, metric, x, [p for p in self.paths if p != x])


def figure_columns(runs: pd.DataFrame, paths: Sequence[str]) -> list[str]:
    """The columns of the runs table that are figures to average."""
    skip = set(KEYS) | set(paths)
    return [c for c in runs.columns if c not in skip and (pd.api.types.is_numeric_dtype(runs[c]))]


def variants_table(runs: pd.DataFrame, paths: Sequence[str]) -> pd.DataFrame:
    """Per variant and figure: runs, errors, n, mean, std, half_width, ci_low, ci_high (95%, Student t)."""
    columns = [*paths, "variant", "runs", "errors", "figure", "n", "mean", "std", "half_width", "ci_low", "ci_high"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    figures = figure_columns(runs, paths)
    rows = []
    for variant, group in runs.groupby("variant", sort=True):
        ok = group[group["status"] == "ok"]
        head = {path: group[path].iloc[0] for path in paths}
        head.update(variant=variant, runs=len(group), errors=int((group["status"] != "ok").sum()))
        for name in figures:
            found = interval(ok[name].astype(float)) if len(ok) else interval([])
            rows.append({**head, "figure": name, "n": found.n, "mean": found.mean, "std": found.std,
                         "half_width": found.half_width, "ci_low": found.low, "ci_high": found.high})  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def plan_tasks(scenario: Scenario, vary: Mapping[str, Sequence], seeds: list[int],
               overrides: Mapping[str, Any] | None = None) -> list[Task]:  # fmt: skip
    """Every (variant, replication) task: variants in the order of the Cartesian product, replications inside."""
    paths = list(vary)
    combos = list(itertools.product(*(list(vary[p]) for p in paths))) if paths else [()]
    return [
        Task(scenario, v, dict(zip(paths, values)), r, seed, dict(overrides or {}))
        for v, values in enumerate(combos)
        for r, seed in enumerate(seeds)
    ]


def execute(tasks: list[Task], executor: Executor, store: RunStore | None = None, fail_fast: bool = False,
            progress: bool | None = None, on_run: Callable[[dict], None] | None = None,
            function: Callable = run_task) -> list[dict] | None:  # fmt: skip
    """Run the tasks, writing each row as it finishes; rows are returned only when there is no store."""
    from tqdm import tqdm

    kept: list[dict] | None = [] if store is None else None
    quiet = (not sys.stderr.isatty()) if progress is None else not progress
    with tqdm(total=len(tasks), unit="run", desc="runs", disable=quiet, leave=False) as bar:
        for row in executor.map(function, tasks):
            if store is not None:
                store.write(row)
            else:
                kept.append(row)
            bar.update(1)
            if on_run is not None:
                on_run(row)
            if fail_fast and row.get("status") != "ok":
                raise SweepStopped(f"run {row['variant']}/{row['replication']} (seed {row['seed']}) failed: "
                                   f"{row['error']}")  # fmt: skip
    return kept


def sweep(scenario: Scenario | str | os.PathLike | Mapping, vary: Mapping[str, Sequence] | None = None,
          replications: int = 10, seed: int | None = None, *, workers: int | None = None, dask: str | None = None,
          executor: Executor | None = None, out: str | os.PathLike | None = None, resume: bool = False,
          fail_fast: bool = False, progress: bool | None = None, overrides: Mapping[str, Any] | None = None,
          on_run: Callable[[dict], None] | None = None) -> Sweep:  # fmt: skip
    """Run every combination of the varied values `replications` times on common seeds; see the module docstring.

    vary: {"sites.Seattle.hub_count": [2, 3, 4], "workload.profile": ["average", "heavy"]} (any --set path).
    workers: local processes (spawn); dask: a scheduler address or "local"; executor: one made by the caller
    (left open). seed: the root seed (default the scenario's). on_run(row) is called as each run finishes.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    base = load_scenario(scenario, overrides) if overrides or not isinstance(scenario, Scenario) else scenario
    root = base.seed if seed is None else int(seed)
    seeds = replication_seeds(root, replications)
    vary = {path: list(values) for path, values in (vary or {}).items()}
    tasks = plan_tasks(base, vary, seeds)
    store = None
    if out is not None:
        digest = hashlib.sha256(base.model_dump_json().encode()).hexdigest()[:16]  # the effective scenario
        plan = {"scenario": base.name, "scenario_digest": digest, "vary": vary, "replications": replications,
                "root_seed": root, "seeds": seeds}  # fmt: skip
        store = RunStore(out, plan, resume)
        done = store.done() if resume else set()
        tasks = [task for task in tasks if task.key not in done]
    own = executor is None
    executor = executor or make_executor(workers, dask)
    try:
        kept = execute(tasks, executor, store, fail_fast, progress, on_run)
    finally:
        if own:
            executor.close()
    runs = store.rows() if store is not None else sort_runs(pd.DataFrame(kept)) if kept else pd.DataFrame()
    result = Sweep(runs, list(vary), seeds, root)
    if store is not None:
        store.finish(result.runs, result.variants)
    return result


def replicate(scenario: Scenario | str | os.PathLike | Mapping, n: int = 10, seed: int | None = None,
              **options) -> Sweep:  # fmt: skip
    """n independent replications (seeds spawned from one root); `.runs` per replication, `.means` with 95% CIs."""
    return sweep(scenario, None, n, seed, **options)


__all__ = ["Sweep", "SweepStopped", "replicate", "sweep"]
