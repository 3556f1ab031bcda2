"""What the benchmark scripts share: timing one exsim run phase by phase, and peak memory."""

from __future__ import annotations

import gc
import resource
import time

import sim
from sim.model.simulation import run


def max_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed_run(source, overrides: dict | None = None) -> dict:
    """Load, build, run and summarise one scenario, timing each phase (imports are not included)."""
    gc.collect()
    start = time.perf_counter()
    scenario = sim.load_scenario(source, overrides)
    loaded = time.perf_counter()
    model = sim.Model(scenario)
    built = time.perf_counter()
    results = sim.Results(run(model))
    ran = time.perf_counter()
    summary = results.summary()
    done = time.perf_counter()
    return {
        "scenario": scenario,
        "model": model,
        "results": results,
        "summary": summary,
        "load_s": loaded - start,
        "build_s": built - loaded,
        "run_s": ran - built,
        "summary_s": done - ran,
        "wall_s": done - start,
        "events": model.events_scheduled(),
    }
