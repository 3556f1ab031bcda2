"""The SimPy world: the engine, the queueing station, the server roles, sources of mail, faults, the recorder.

Entry points: `Model` (the organisation on one Environment) and `simulation.run(model)` /
`simulation.simulate(scenario, seed)`, which return a `RunRecord` of plain data.
"""

from .compiled import activate

activate()  # the compiled core, when built and up to date (sim/model/compiled.py); else pure Python
