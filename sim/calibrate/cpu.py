"""`exsim calibrate --perfmon`: each Hub's CPU demand per message from its counters, and the one figure the
scenario's stages are scaled to.

Steps: read the counter logs (sim.calibrate.perfmon; rates from the tracking logs where a log has no rate
counter, sim.calibrate.tracking_rates), keep the machines that are Hubs in the tracking logs, find each one's
core count, fit each (sim.calibrate.demand). The scenario has one set of stage costs for every Hub, so several
Hubs give one demand: their demands weighted by the messages each handled (the organisation's mean CPU per
message), with the interval the same weighting of their interval ends (at least as wide as the interval of the
weighted mean, since the ends of independent intervals do not all err the same way).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..scenario.schema import HubSettings
from .demand import ServerDemand, server_demand
from .derive import Calibration
from .names import canonical
from .organisation import CalibrationError
from .perfmon import finite_pairs, read_perfmon
from .tracking_rates import tracking_rates


@dataclass(frozen=True)
class Measured:
    """The Hubs' demands, the one figure for the scenario and its interval (CPU-seconds per message)."""

    hubs: list[ServerDemand]
    demand: float
    low: float
    high: float
    ignored: list[str]
    """Machines in the counter logs that are no Hub in the tracking logs (not fitted)."""


def _cores(found: int | None, option: int | None) -> tuple[int, str]:
    if found:
        return found, f"{found} \\Processor(n) instances in the log"
    if option:
        return option, "--cores"
    default = HubSettings().cores
    return default, f"the scenario's default, {default}: give --cores or log \\Processor(*)"


def measure(perfmon: list[str | os.PathLike], tracking: list[str | os.PathLike], cal: Calibration,
            cores: int | None = None) -> Measured:  # fmt: skip
    """Fit every Hub the counter logs hold; CalibrationError (one line) when none is a Hub or a fit cannot decide."""
    hubs = {canonical(s.name): s.name for _i, s in cal.organisation.of_kind("hub")}
    machines = read_perfmon(perfmon, tracking_rates(tracking))
    fitted, ignored, weights = [], [], []
    for series in machines:
        name = hubs.get(canonical(series.machine))
        if name is None:
            ignored.append(series.machine)
            continue
        count, source = _cores(series.cores, cores)
        rates, utilisation = finite_pairs(series)
        fitted.append(server_demand(name, rates, utilisation, count, source, series.rate_from))
        weights.append(float(np.mean(rates)) if rates else 0.0)
    if not fitted:
        raise CalibrationError(f"--perfmon: none of the machines in the counter logs ({', '.join(ignored)}) is a Hub "
                               f"in the tracking logs ({', '.join(sorted(hubs.values())) or 'none'}); give the Hubs' "
                               "counters")  # fmt: skip
    w = np.asarray(weights) / (sum(weights) or 1.0)
    pick = lambda values: float(np.dot(w, values))  # noqa: E731
    return Measured(fitted, pick([d.seconds for d in fitted]), pick([d.low for d in fitted]),
                    pick([d.high for d in fitted]), ignored)  # fmt: skip
