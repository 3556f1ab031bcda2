"""Named random streams derived from one scenario seed.

Each stream is a numpy Generator seeded by SeedSequence(seed, spawn_key=hash(name)), where the hash is
a stable digest of a name such as "arrivals/SEA-MBX1". Adding a server adds streams but leaves every
other stream unchanged, so variants in a sweep compare on common random numbers.

Samples are drawn from numpy in batches and handed out one at a time: one numpy call per sample would
cost more than Python's own `random`.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from itertools import chain

import numpy as np

from ..scenario.distributions import Distribution
from ..scenario.streams import named_generator

BATCH = 4096
FIRST_BATCH = 16


class Streams:
    """The factory of named streams for one run."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def generator(self, name: str) -> np.random.Generator:
        """A numpy Generator that depends only on (seed, name)."""
        return named_generator(self.seed, name)

    def batched(self, name: str, draw: Callable[[np.random.Generator, int], np.ndarray]) -> Batched:
        """A sampler handing out draw(generator, BATCH) values one by one."""
        return Batched(self.generator(name), draw)

    def sampler(self, spec: Distribution, name: str) -> Batched | Constant:
        """A sampler of a scenario distribution on the stream `name`; a constant one draws nothing."""
        value = spec.constant_value
        if value is not None:
            return Constant(value)
        return self.batched(name, spec.drawer())


class Constant:
    """A sampler that always returns the same value; costs no random numbers."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def next(self) -> float:
        """The value, every time."""
        return self.value


_TYPECODES = {np.dtype(np.float64): "d", np.dtype(np.int64): "q"}


def _compact(values: np.ndarray) -> array | list:
    """A batch as the values iteration hands out: a typed array of Python floats or ints (made one at a time,
    the same numbers as `tolist()`), or a list for any other dtype."""
    code = _TYPECODES.get(values.dtype)
    return array(code, np.ascontiguousarray(values).tobytes()) if code else values.tolist()


class Batched:
    """Hands out values from batches of `draw(generator, n)`; call `next()` for one value.

    Batches start small and double up to BATCH, so the thousands of streams of a large organisation
    (one per queue) cost memory only in proportion to their use. numpy draws the same sequence
    whatever the batch sizes, so results do not depend on them. `next` is the `__next__` of an
    `itertools.chain` over the batches: a draw is one C call, and Python runs only once per batch.
    A batch is kept as a typed array (8 bytes a value; a list of floats takes 32), so a large organisation's
    streams, one per queue, hold megabytes rather than tens of megabytes of values not yet drawn.
    """

    __slots__ = ("_generator", "_draw", "next")

    def __init__(self, generator: np.random.Generator, draw: Callable[[np.random.Generator, int], np.ndarray]):
        self._generator = generator
        self._draw = draw
        self.next: Callable[[], float] = chain.from_iterable(self._batches()).__next__
        """The next value of the stream."""

    def _batches(self) -> Iterator[array | list]:
        size = FIRST_BATCH
        while True:
            yield _compact(self._draw(self._generator, size))
            if size < BATCH:
                size *= 2
