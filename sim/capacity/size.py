"""`exsim size`: the smallest value of a parameter for which every service-level objective holds, N-1 included.

For each candidate value (a site's Hub count by default, or any --vary path such as a Hub's cores):
1. the analytic first pass (sim.capacity.analytic) solves every combination of `failures` Hubs of the
   site down, in milliseconds, and gives the smallest candidate it expects to pass;
2. the simulation confirms the candidates near that boundary only: it starts there and walks down
   while candidates pass, or up until one passes. A candidate passes when, for every combination of
   Hubs down (each Hub down for the whole run: a fault from 0 with no end), every objective holds at
   the upper end of its 95% interval over the replications at the busiest hour, no run is overloaded
   and none failed, and no run ends with more than 1% of its recipients still held (with every Hub of a
   site down, mail waits in the Outboxes and would never show in latencies). The simulation's verdict stands.

Objectives name a busiest-hour figure (sim.results.peak): latency_p99_s, latency_p95_s, latency_p50_s,
latency_mean_s (the busiest hour's), max_queue (the most messages a queue held at a sample), utilisation
(the busiest server's cores); any other name is read from the runs table as it is.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import pandas as pd

from ..scenario.loading import load_scenario
from ..scenario.schema import Scenario
from .analytic import evaluate
from .executors import Executor
from .seeds import replication_seeds
from .stats import interval
from .sweep import execute, plan_tasks

OBJECTIVES = {
    "latency_p99_s": ("peak_latency_p99_s", "latency_p_s", 0.99),
    "latency_p95_s": ("peak_latency_p95_s", "latency_p_s", 0.95),
    "latency_p50_s": ("peak_latency_p50_s", "latency_p_s", 0.50),
    "latency_mean_s": ("peak_latency_mean_s", "latency_mean_s", None),
    "max_queue": ("peak_max_queue_length", "max_queue", 0.99),
    "utilisation": ("peak_utilisation_max", "utilisation", None),
}
"""Objective -> (figure of the runs table, figure of the analytic pass, quantile the analytic pass uses)."""
STUCK_SHARE = 0.01
"""A candidate fails when a run ends with more than this share of its recipients still held anywhere."""


@dataclass
class Candidate:
    """One value of the parameter: analytic and simulated figures (worst combination of Hubs down) and verdicts."""

    value: object
    analytic: dict[str, float]
    analytic_pass: bool
    simulated: dict[str, tuple[float, float]] = field(default_factory=dict)
    """objective -> (mean, upper end of the 95% interval), at the worst combination."""
    simulated_pass: bool | None = None
    worst: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Sizing:
    """The answer and every candidate looked at."""

    parameter: str
    slos: dict[str, float]
    failures: int
    candidates: list[Candidate]
    answer: object | None

    def table(self) -> pd.DataFrame:
        """One row per candidate: analytic figures and verdict, simulated mean and upper 95% end, verdict."""
        rows = []
        for c in self.candidates:
            row = {self.parameter: c.value, "analytic_pass": c.analytic_pass}
            row.update({f"analytic_{k}": v for k, v in c.analytic.items() if k in self.slos})
            for k, (mean, high) in c.simulated.items():
                row[f"sim_{k}_mean"], row[f"sim_{k}_ci_high"] = mean, high
            row.update(simulated_pass=c.simulated_pass, worst_combination=c.worst)
            rows.append(row)
        return pd.DataFrame(rows)


def site_of(path: str) -> str | None:
    """The site a parameter path names (sites.Seattle.hub_count -> Seattle), or None."""
    parts = path.replace("[", ".").replace("]", "").split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "sites" else None


def down_combinations(scenario: Scenario, site: str | None, failures: int) -> list[frozenset[str]]:
    """Every combination of `failures` Hubs of the site down (of each site in turn when none is named)."""
    if failures <= 0:
        return [frozenset()]
    sites = [s for s in scenario.sites if site is None or s.name == site or str(scenario.sites.index(s)) == site]
    combos = []
    for s in sites:
        names = [hub.name for hub in s.all_hubs]
        combos += [frozenset(c) for c in itertools.combinations(names, min(failures, len(names)))]
    return combos or [frozenset()]


def _faults(scenario: Scenario, down: frozenset[str]) -> list[dict]:
    kept = [f.model_dump() for f in scenario.faults]
    return kept + [{"server": name, "down_at": 0.0} for name in sorted(down)]


def analytic_figures(scenario: Scenario, combos: list[frozenset[str]], slos: dict[str, float]) -> dict[str, float]:
    """Each objective's analytic figure at the worst combination (the largest value)."""
    worst: dict[str, float] = {}
    for down in combos:
        for name in slos:
            _, key, p = OBJECTIVES.get(name, (name, name, 0.99))
            figures = evaluate(scenario, down, p or 0.99)
            value = figures.get(key, math.nan)
            worst[name] = max(worst.get(name, -math.inf), value)
        worst["utilisation"] = max(worst.get("utilisation", 0.0), evaluate(scenario, down)["utilisation"])
    return worst


def meets(figures: dict[str, float], slos: dict[str, float]) -> bool:
    """True when every objective's figure is finite and at most its target."""
    return all(math.isfinite(figures.get(k, math.nan)) and figures[k] <= v for k, v in slos.items())


def simulate_candidate(candidate: Candidate, scenario: Scenario, combos: list[frozenset[str]], slos: dict,
                       seeds: list[int], executor: Executor, progress: bool | None) -> None:  # fmt: skip
    """Run every combination x replication of one candidate; fill its simulated figures and verdict."""
    vary = {"faults": [_faults(scenario, down) for down in combos]}
    runs = pd.DataFrame(execute(plan_tasks(scenario, vary, seeds), executor, progress=progress))
    candidate.simulated_pass = bool((runs["status"] == "ok").all())
    if not candidate.simulated_pass:
        candidate.notes.append("a run failed: " + runs.loc[runs["status"] != "ok", "error"].iloc[0])
        return
    if runs["overloaded"].any():
        candidate.simulated_pass = False
        candidate.notes.append("overloaded: " + runs.loc[runs["overloaded"], "overload"].iloc[0])
    stuck = runs["in_queue_at_end"] > STUCK_SHARE * runs["recipients_total"]
    if stuck.any():  # e.g. every Hub of a site down: its mail waits in the Outboxes and never shows in latencies
        candidate.simulated_pass = False
        worst = runs.loc[stuck, "in_queue_at_end"].max()
        candidate.notes.append(f"{worst:,.0f} recipients still held at the end of a run (mail waiting for a Hub)")
    for name, target in slos.items():
        column = OBJECTIVES.get(name, (name,))[0]
        worst = None
        for variant, group in runs.groupby("variant"):
            found = interval(group[column])
            high = found.high if math.isfinite(found.high) else found.mean
            if worst is None or high > worst[1]:
                worst = (found.mean, high, variant)
        candidate.simulated[name] = worst[:2]
        if not (math.isfinite(worst[1]) and worst[1] <= target):
            candidate.simulated_pass = False
        down = sorted(combos[int(worst[2])])
        candidate.worst = ", ".join(down) + " down" if down else "all Hubs up"


def size(scenario: Scenario | str, parameter: str, values: list, slos: dict[str, float], failures: int = 0,
         replications: int = 5, seed: int | None = None, executor: Executor | None = None,
         progress: bool | None = None) -> Sizing:  # fmt: skip
    """The smallest of `values` for `parameter` meeting every objective with `failures` Hubs down (module docstring)."""
    from .executors import SerialExecutor

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    executor = executor or SerialExecutor()
    seeds = replication_seeds(base.seed if seed is None else seed, replications)
    site = site_of(parameter)
    built, candidates = {}, []
    for value in values:
        variant = load_scenario(base, {parameter: value})
        combos = down_combinations(variant, site, failures)
        figures = analytic_figures(variant, combos, slos)
        built[value] = (variant, combos)
        candidates.append(Candidate(value, figures, meets(figures, slos)))
    first = next((i for i, c in enumerate(candidates) if c.analytic_pass), len(candidates) - 1)
    index, answer, step = first, None, None
    while 0 <= index < len(candidates):
        candidate = candidates[index]
        variant, combos = built[candidate.value]
        simulate_candidate(candidate, variant, combos, slos, seeds, executor, progress)
        if candidate.simulated_pass:
            answer = candidate.value
            if step == +1:
                break
            step = -1
        elif step == -1:
            break
        else:
            step = +1
        index += step
    explain(candidates, base, failures)
    return Sizing(parameter, dict(slos), failures, candidates, answer)


def explain(candidates: list[Candidate], scenario: Scenario, failures: int) -> None:
    """Where the analytic pass and the simulation part, and why that can be (notes on each such candidate)."""
    curve = scenario.workload.rate is None and len(set(scenario.workload.hourly_weights)) > 1
    slow = [f"{hub.name} has {hub.categorizer_threads} categorizer threads on {hub.cores} cores"
            for site in scenario.sites for hub in site.all_hubs if hub.categorizer_threads < hub.cores]  # fmt: skip
    for c in candidates:
        if c.simulated_pass is None or c.simulated_pass == c.analytic_pass:
            continue
        why = []
        if curve:
            why.append("diurnal peaks: the analytic pass takes the busiest hour as steady at its mean rate; the "
                       "simulation carries queues over from the hour before and sees Poisson bursts")  # fmt: skip
        if slow:
            why.append("thread limits below the cores (" + "; ".join(slow[:2]) + "): threads and cores interact, "
                       "the analytic pass takes the binding limit alone")  # fmt: skip
        if failures:
            why.append("faults: with Hubs down the analytic pass spreads mail evenly over the Hubs left; the "
                       "simulation follows each Mailbox server's round robin and cross-site relays")  # fmt: skip
        why.append("tails: the analytic p-quantiles are approximations (Erlang C waits plus an exponential service)")
        c.notes += why
