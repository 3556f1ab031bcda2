"""exsim: a discrete-event simulator of Microsoft Exchange Server 2007 mail transport.

    import sim
    result = sim.run("scenarios/quickstart.yaml", seed=7)
    result.summary(); result.messages; result.figure("latency")
"""

from .errors import ScenarioError
from .loading import load_scenario
from .model import Model, run
from .results import Results
from .scenario import Scenario

__all__ = ["Model", "Results", "Scenario", "ScenarioError", "load_scenario", "run"]
__version__ = "0.1.0"
