"""`exsim size`: the smallest value of a parameter for which every service-level objective holds, N-1 included.

For each candidate value (a site's Hub count by default, or any --vary path such as a Hub's cores):
1. the analytic first pass (sim.capacity.analytic) solves every combination of `failures` Hubs of the
   site down, in milliseconds, and gives the smallest candidate it expects to pass. A candidate that
   leaves a site with mailboxes and no Hub fails here for certain ("no Hub left in site London") and is
   never simulated: its mail could never move;
2. the simulation confirms the candidates near that boundary only: it starts there and walks down while
   candidates pass (so the one below the answer is always simulated), or up until one passes. Its verdict
   stands.

What a candidate's simulation is (sim.capacity.cases): each distinct case of Hubs down (identical Hubs
make one case), each Hub down for the whole run, over the scenario's warm-up and the busiest hour of its
curve. Replications run two at a time on common seeds, and stop as soon as the 95% Student t interval of
every objective decides it (every upper end at or under its target: pass; some lower end over it: fail),
or at `replications`. A candidate fails when a run fails, is overloaded (sim.results.overload), ends with
more than 1% of its recipients still held anywhere, when a Hub breaks one of Microsoft's "never above" performance
counter thresholds at a sample after the warm-up (sim.results.thresholds: a delivery queue over 250, the Submission
queue over 100, ...), or when a recipient submitted in the hour that matters
was not delivered by the end and so makes a latency objective infinite.

Objectives are judged over the hours that matter (sim.results.hours): each is the larger of its figure at
the busiest hour and at the worst hour, over every recipient submitted then (one not delivered by the end
counts as failing it): latency_p99_s, latency_p95_s, latency_p50_s, latency_mean_s, max_queue (the max
queue length) and utilisation (the busiest server's cores); any other name is read from the runs table.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import pandas as pd

from ..scenario.loading import load_scenario
from ..scenario.schema import Scenario
from ..scenario.units import format_duration
from .analytic import evaluate
from .cases import distinct_cases, down_combinations, focus, site_of, sites_without_hubs
from .executors import Executor
from .seeds import replication_seeds
from .stats import interval
from .sweep import execute
from .worker import Task

OBJECTIVES = {
    "latency_p99_s": (("peak_latency_p99_s", "worst_hour_latency_p99_s"), "latency_p_s", 0.99),
    "latency_p95_s": (("peak_latency_p95_s", "worst_hour_latency_p95_s"), "latency_p_s", 0.95),
    "latency_p50_s": (("peak_latency_p50_s", "worst_hour_latency_p50_s"), "latency_p_s", 0.50),
    "latency_mean_s": (("peak_latency_mean_s", "worst_hour_latency_mean_s"), "latency_mean_s", None),
    "max_queue": (("peak_max_queue_length", "worst_hour_max_queue_length"), "max_queue", 0.99),
    "utilisation": (("peak_utilisation_max", "worst_hour_utilisation_max"), "utilisation", None),
}
"""Objective -> (figures of the runs table, the larger of which is judged; figure of the analytic pass; quantile)."""
STUCK_SHARE = 0.01
"""A candidate fails when a run ends with more than this share of its recipients still held anywhere."""
BATCH = 2
"""Replications run per look at the intervals (fixed, so every executor gives the same answer)."""
UNDELIVERED = ("peak_undelivered", "worst_hour_undelivered")
LEVERS = frozenset({"cases", "window", "early_stop"})
"""What makes a sizing cheaper without changing its answer: identical Hubs as one case, the warm-up and busiest
hour only, replications that stop once decided. Pass fewer (none: the exhaustive reference) to measure each."""
DRAIN = 600.0
"""Each run goes on at least this long (and at least the largest latency objective) after the last message."""


@dataclass
class Candidate:
    """One value of the parameter: analytic and simulated figures (worst case of Hubs down) and verdicts."""

    value: object
    analytic: dict[str, float]
    analytic_pass: bool
    simulated: dict[str, tuple[float, float]] = field(default_factory=dict)
    """objective -> (mean, upper end of the 95% interval), at the worst case."""
    simulated_pass: bool | None = None
    worst: str = ""
    notes: list[str] = field(default_factory=list)
    cases: int = 0
    """Distinct cases of Hubs down simulated."""
    replications: int = 0
    """Replications run of each case (fewer than asked when the intervals decided early)."""
    undelivered: int = 0
    """The most recipients submitted in the hours that matter and not delivered by the end, in any run."""


@dataclass
class Sizing:
    """The answer and every candidate looked at."""

    parameter: str
    slos: dict[str, float]
    failures: int
    candidates: list[Candidate]
    answer: object | None
    notes: list[str] = field(default_factory=list)
    """What applies to every candidate: identical Hubs taken as one case, the window simulated."""

    def table(self) -> pd.DataFrame:
        """One row per candidate: analytic figures and verdict, simulated mean and upper 95% end, verdict."""
        rows = []
        for c in self.candidates:
            row = {self.parameter: c.value, "analytic_pass": c.analytic_pass}
            row.update({f"analytic_{k}": v for k, v in c.analytic.items() if k in self.slos})
            for k, (mean, high) in c.simulated.items():
                row[f"sim_{k}_mean"], row[f"sim_{k}_ci_high"] = mean, high
            row.update(simulated_pass=c.simulated_pass, worst_combination=c.worst, cases=c.cases,
                       replications=c.replications, undelivered=c.undelivered)  # fmt: skip
            rows.append(row)
        return pd.DataFrame(rows)


def _faults(scenario: Scenario, down: frozenset[str]) -> list[dict]:
    kept = [f.model_dump() for f in scenario.faults]
    return kept + [{"server": name, "down_at": 0.0} for name in sorted(down)]


def analytic_figures(scenario: Scenario, combos: list[frozenset[str]], slos: dict[str, float]) -> dict[str, float]:
    """Each objective's analytic figure at the worst combination (the largest value); infinite with no Hub left."""
    worst: dict[str, float] = {}
    for down in combos:
        if sites_without_hubs(scenario, down):
            return {name: math.inf for name in [*slos, "utilisation"]}
        for name in slos:
            _, key, p = OBJECTIVES.get(name, (name, name, 0.99))
            value = evaluate(scenario, down, p or 0.99).get(key, math.nan)
            worst[name] = max(worst.get(name, -math.inf), value)
        worst["utilisation"] = max(worst.get("utilisation", 0.0), evaluate(scenario, down)["utilisation"])
    return worst


def meets(figures: dict[str, float], slos: dict[str, float]) -> bool:
    """True when every objective's figure is finite and at most its target."""
    return all(math.isfinite(figures.get(k, math.nan)) and figures[k] <= v for k, v in slos.items())


def objective_values(runs: pd.DataFrame, name: str) -> pd.Series:
    """Each run's figure for an objective: the larger of the hours that matter (or the runs table's own column)."""
    columns = [c for c in OBJECTIVES.get(name, ((name,),))[0] if c in runs.columns]
    return runs[columns].max(axis=1) if columns else pd.Series(math.nan, index=runs.index)


def _run_failures(candidate: Candidate, runs: pd.DataFrame) -> bool:
    """Notes and True for what fails a candidate whatever its figures: an overloaded run, mail held at the end, a
    Hub over one of Microsoft's "never above" counter thresholds (sim.results.thresholds: e.g. a delivery queue over
    250, the Submission queue over 100)."""
    failed = False
    if runs["overloaded"].any():
        failed = True
        candidate.notes.append("overloaded: " + runs.loc[runs["overloaded"], "overload"].iloc[0])
    breached = runs["perfmon_breach"].fillna("").astype(str) != "" if "perfmon_breach" in runs else None
    if breached is not None and breached.any():
        failed = True
        candidate.notes.append("Microsoft's threshold broken: " + runs.loc[breached, "perfmon_breach"].iloc[0])
    stuck = runs["in_queue_at_end"] > STUCK_SHARE * runs["recipients_total"]
    if stuck.any():
        failed = True
        worst = runs.loc[stuck, "in_queue_at_end"].max()
        candidate.notes.append(f"{worst:,.0f} recipients still held at the end of a run (mail waiting for a Hub)")
    return failed


def _objective(candidate: Candidate, runs: pd.DataFrame, combos: list, name: str, target: float) -> tuple[bool, bool]:
    """Judge one objective over every case: (failed, decided); fill its figures at the worst case."""
    values = objective_values(runs, name)
    failed = bool((values == math.inf).any())
    if failed:
        candidate.notes.append(f"{name}: {candidate.undelivered:,} recipients submitted in the hour that matters "
                               "were not delivered by the end")  # fmt: skip
    decided, worst = True, None
    for variant, group in values.groupby(runs["variant"]):
        found = interval(group)
        high = math.inf if math.isinf(group.max()) else found.high if math.isfinite(found.high) else found.mean
        if worst is None or high > worst[1]:
            worst = (found.mean, high, variant)
        if found.n >= 2 and found.low > target:
            failed = True  # the whole interval is over the target
        elif not (found.n >= 2 and high <= target):
            decided = False
    candidate.simulated[name] = worst[:2]
    down = sorted(combos[int(worst[2])])
    candidate.worst = ", ".join(down) + " down" if down else "all Hubs up"
    return failed, decided


def judge(candidate: Candidate, runs: pd.DataFrame, combos: list[frozenset[str]], slos: dict, final: bool) -> bool:
    """Fill the candidate's figures and verdict from the runs so far; True when the verdict is decided."""
    candidate.notes = []  # judged afresh at each look
    if not (runs["status"] == "ok").all():
        candidate.notes.append("a run failed: " + runs.loc[runs["status"] != "ok", "error"].iloc[0])
        candidate.simulated_pass = False
        return True
    candidate.undelivered = int(runs[[c for c in UNDELIVERED if c in runs]].max(axis=1).max()) if len(runs) else 0
    failed, decided = _run_failures(candidate, runs), True
    for name, target in slos.items():
        objective_failed, objective_decided = _objective(candidate, runs, combos, name, target)
        failed, decided = failed or objective_failed, decided and objective_decided
    if failed:
        candidate.simulated_pass = False
        return True
    if decided or final:
        candidate.simulated_pass = all(
            math.isfinite(high) and high <= slos[name] for name, (_, high) in candidate.simulated.items()
        )
        return True
    return False


def simulate_candidate(candidate: Candidate, scenario: Scenario, combos: list[frozenset[str]], slos: dict,
                       seeds: list[int], executor: Executor, sequential: bool = True) -> None:  # fmt: skip
    """Run each case's replications, BATCH at a time while the intervals have not decided (module docstring)."""
    rows: list[dict] = []
    step = BATCH if sequential else len(seeds)
    for first in range(0, len(seeds), step):
        tasks = [Task(scenario, v, {"faults": _faults(scenario, down)}, first + r, seed)
                 for v, down in enumerate(combos) for r, seed in enumerate(seeds[first : first + step])]  # fmt: skip
        rows += execute(tasks, executor, progress=False)
        runs = pd.DataFrame(rows).sort_values(["variant", "replication"], ignore_index=True)
        candidate.cases, candidate.replications = len(combos), first + len(tasks) // len(combos)
        if judge(candidate, runs, combos, slos, final=first + step >= len(seeds)):
            return


def size(scenario: Scenario | str, parameter: str, values: list, slos: dict[str, float], failures: int = 0,
         replications: int = 5, seed: int | None = None, executor: Executor | None = None,
         progress: bool | None = None, levers: frozenset[str] = LEVERS) -> Sizing:  # fmt: skip
    """The smallest of `values` for `parameter` meeting every objective with `failures` Hubs down (module docstring).

    levers: LEVERS by default; frozenset() simulates every combination of Hubs down over the scenario's whole
    window with every replication: the exhaustive reference the levers must match.
    progress: one line per candidate on stderr (None: when stdout is not a terminal).
    """
    from .executors import SerialExecutor

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    executor = executor or SerialExecutor()
    seeds = replication_seeds(base.seed if seed is None else seed, replications)
    window, notes = _run_window(base, slos, levers)
    candidates, built = [], {}
    for value in values:
        candidate, built[value] = _candidate(base, parameter, value, slos, failures, levers, window, notes)
        candidates.append(candidate)

    def simulate(candidate: Candidate) -> None:
        started = time.perf_counter()
        variant, combos = built[candidate.value]
        simulate_candidate(candidate, variant, combos, slos, seeds, executor, "early_stop" in levers)
        _progress(progress, parameter, candidate, time.perf_counter() - started)

    answer = walk(candidates, simulate)
    explain(candidates, base, failures)
    return Sizing(parameter, dict(slos), failures, candidates, answer, notes)


def _run_window(base: Scenario, slos: dict[str, float], levers: frozenset[str]) -> tuple[dict, list[str]]:
    """The overrides every simulated run gets (the focus window, a drain) and the notes that say so."""
    window = focus(base) if "window" in levers else {}
    notes = [_window_note(base, window)] if window else []
    latency = [target for name, target in slos.items() if name.startswith("latency")]
    drain = max(base.drain, DRAIN, *latency)
    if drain > base.drain:
        window["drain"] = drain
        notes.append(f"each run drains for {format_duration(drain)} after the last message, so mail still held at "
                     "the end has certainly missed its latency objective")  # fmt: skip
    return window, notes


def _candidate(base: Scenario, parameter: str, value, slos: dict, failures: int, levers: frozenset[str],
               window: dict, notes: list[str]) -> tuple[Candidate, tuple[Scenario, list]]:  # fmt: skip
    """One candidate with its analytic verdict, and (the scenario to simulate, its cases); adds case notes."""
    variant = load_scenario(base, {parameter: value})
    site = site_of(parameter)
    combos, same = distinct_cases(variant, site, failures) if "cases" in levers else \
        (down_combinations(variant, site, failures), [])  # fmt: skip
    notes += [note for note in same if note not in notes]
    figures = analytic_figures(variant, combos, slos)
    candidate = Candidate(value, figures, meets(figures, slos))
    empty = sorted({s for down in combos for s in sites_without_hubs(variant, down)})
    if empty:
        candidate.notes.append(f"no Hub left in site {', '.join(empty)}: its mail can never move (not simulated)")
        candidate.simulated_pass = False
    return candidate, (load_scenario(variant, window) if window else variant, combos)


def walk(candidates: list[Candidate], simulate) -> object | None:
    """From the analytic boundary, walk down while candidates pass or up until one does; the answer's value."""
    index = next((i for i, c in enumerate(candidates) if c.analytic_pass), len(candidates) - 1)
    answer, step = None, None
    while 0 <= index < len(candidates):
        candidate = candidates[index]
        if candidate.simulated_pass is None:
            simulate(candidate)
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
    return answer


def _window_note(scenario: Scenario, window: dict) -> str:
    start = window["workload.start_of_day"] + scenario.warmup
    return (f"simulated: {window['duration'] / 3600:g} h a run, the warm-up and the busiest hour of the curve "
            f"({int(start // 3600) % 24:02d}:00-{int(start // 3600 + 1) % 24:02d}:00), not the whole "
            f"{scenario.duration / 3600:g} h")  # fmt: skip


def _progress(progress: bool | None, parameter: str, candidate: Candidate, seconds: float) -> None:
    """One line per candidate on stderr, where no progress bar shows (stdout not a terminal), unless quiet."""
    if progress is False or (progress is None and sys.stdout.isatty()):
        return
    verdict = {True: "PASS", False: "FAIL"}[bool(candidate.simulated_pass)]
    print(f"exsim size: {parameter}={candidate.value}: {verdict} ({candidate.cases} case"
          f"{'s' * (candidate.cases != 1)} x {candidate.replications} replication"
          f"{'s' * (candidate.replications != 1)}, {seconds:.1f} s)", file=sys.stderr, flush=True)  # fmt: skip


def explain(candidates: list[Candidate], scenario: Scenario, failures: int) -> None:
    """Where the analytic pass and the simulation part, and why that can be (notes on each such candidate)."""
    curve = scenario.workload.rate is None and len(set(scenario.workload.hourly_weights)) > 1
    slow = [f"{hub.name} has {hub.categorizer_threads} categorizer threads on {hub.cores} cores"
            for site in scenario.sites for hub in site.all_hubs if hub.categorizer_threads < hub.cores]  # fmt: skip
    for c in candidates:
        if c.simulated_pass is None or c.simulated_pass == c.analytic_pass or not c.cases:
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
