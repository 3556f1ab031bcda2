"""Capacity planning: replications, sweeps, sizing and comparisons, on serial, process-pool or Dask executors.

This layer sits between the command line and `sim.run`: it runs many simulations and reduces each to a
row of figures, so nothing here holds a model or a whole result for long. `replicate` and `sweep`
are exported as `sim.replicate` and `sim.sweep`; `exsim sweep`, `exsim size` and `exsim compare` are
built on them. Names are imported on first use (PEP 562), so `exsim --help` never loads pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sweep import Sweep, replicate, sweep

__all__ = ["Sweep", "replicate", "sweep"]


def __getattr__(name: str) -> Any:
    """`Sweep`, `replicate` and `sweep` from sim.capacity.sweep, imported on first use."""
    if name not in __all__:
        raise AttributeError(f"module 'sim.capacity' has no attribute {name!r}")
    from .sweep import Sweep, replicate, sweep  # the function `sweep` replaces the submodule's attribute, as before

    globals().update(Sweep=Sweep, replicate=replicate, sweep=sweep)
    return globals()[name]
