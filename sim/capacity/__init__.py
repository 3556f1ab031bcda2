"""Capacity planning: replications, sweeps, sizing and comparisons, on serial, process-pool or Dask executors.

This layer sits between the command line and `sim.run`: it runs many simulations and reduces each to a
row of figures, so nothing here holds a model or a whole result for long. `replicate` and `sweep`
are exported as `sim.replicate` and `sim.sweep`; `exsim sweep`, `exsim size` and `exsim compare` are
built on them.
"""

from .sweep import Sweep, replicate, sweep

__all__ = ["Sweep", "replicate", "sweep"]
