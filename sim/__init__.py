"""exsim: a discrete-event simulator of Microsoft Exchange Server 2007 mail transport.

::

    import sim
    result = sim.run("scenarios/quickstart.yaml", seed=7)
    result.summary(); result.messages; result.figure("latency")
    runs = sim.replicate("scenarios/quickstart.yaml", 10).means     # means with 95% confidence intervals
    calibration = sim.calibrate("logs/")   # derived figures from real message tracking logs (sim/calibrate/)

Every public name is imported on first use (PEP 562): `import sim` alone loads none of pandas, the
model, capacity planning or calibration, so `exsim --help` and a bad-input error answer at once
(benchmarks/bench_import.py measures it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import calibrate
    from .capacity.sweep import Sweep, replicate, sweep
    from .model.organisation import Model
    from .results.results import Results
    from .runner import run
    from .scenario.errors import ScenarioError
    from .scenario.loading import load_scenario
    from .scenario.schema import Scenario

_WHERE = {
    "Model": ".model.organisation",
    "Results": ".results.results",
    "Scenario": ".scenario.schema",
    "ScenarioError": ".scenario.errors",
    "Sweep": ".capacity.sweep",
    "load_scenario": ".scenario.loading",
    "replicate": ".capacity.sweep",
    "run": ".runner",
    "sweep": ".capacity.sweep",
}
"""Each public name and the module that defines it; `calibrate` is the package sim.calibrate (callable)."""

__all__ = ["Model", "Results", "Scenario", "ScenarioError", "Sweep", "calibrate", "load_scenario", "replicate",
           "run", "sweep"]  # fmt: skip
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it, so later look-ups cost nothing."""
    if name == "calibrate":
        value = importlib.import_module(".calibrate", __name__)
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
