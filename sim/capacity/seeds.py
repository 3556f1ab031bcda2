"""Replication seeds: one root seed, children spawned by numpy's SeedSequence, each stored with its row.

Replication i's seed depends only on (root, i): SeedSequence(root).spawn(n)[i] has spawn key (i,)
whatever n is, so adding replications keeps the earlier ones, and every variant of a sweep uses the
same seeds (common random numbers). The seed is a plain integer below 2**63 (it fits a Parquet int64
column), and `sim.run(scenario, seed)` with it re-runs that replication alone to the same numbers.
"""

from __future__ import annotations

import numpy as np


def replication_seeds(root: int, n: int) -> list[int]:
    """The seeds of replications 0..n-1 under `root`."""
    children = np.random.SeedSequence(int(root)).spawn(n)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]
