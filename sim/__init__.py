"""exsim: a discrete-event simulator of Microsoft Exchange Server 2007 mail transport.

::

    import sim
    result = sim.run("scenarios/quickstart.yaml", seed=7)
    result.summary(); result.messages; result.figure("latency")
    runs = sim.replicate("scenarios/quickstart.yaml", 10).means     # means with 95% confidence intervals
    calibration = sim.calibrate("logs/")   # derived figures from real message tracking logs (sim/calibrate/)
"""

from . import calibrate  # a package you can call: sim.calibrate(paths) (sim/calibrate/__init__.py)
from .capacity.sweep import Sweep, replicate, sweep
from .model.organisation import Model
from .results.results import Results
from .runner import run
from .scenario.errors import ScenarioError
from .scenario.loading import load_scenario
from .scenario.schema import Scenario

__all__ = ["Model", "Results", "Scenario", "ScenarioError", "Sweep", "calibrate", "load_scenario", "replicate",
           "run", "sweep"]  # fmt: skip
__version__ = "0.1.0"
