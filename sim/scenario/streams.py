"""Named random streams: a numpy Generator that depends only on (seed, name).

Why here, in the lowest layer: the model draws from these streams while it runs (sim.model.random.Streams) and
the results draw what only the output shows (the Internet hosts of the tracking log, sim.results.tables) from
streams of their own, by the same rule, so a stream added for one never moves a draw of another.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> tuple[int, ...]:
    """A stable digest of a stream name such as "arrivals/SEA-MBX1", as SeedSequence's spawn key."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def named_generator(seed: int, name: str) -> np.random.Generator:
    """A numpy Generator seeded by SeedSequence(seed, spawn_key=stream_key(name))."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=stream_key(name))))
