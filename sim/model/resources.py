"""What stations share: a server's cores (`Cpu`) and thread limits spanning several queues (`Pool`).

Every Hub or Edge stage runs on its server's cores, so `cores` bounds a server's capacity; a `Pool`
bounds concurrency over several queues (one Hub's mailbox delivery queues share
MaxConcurrentMailboxDeliveries, all its SMTP queues MaxOutboundConnections). Core time is kept as an
area under the busy-cores curve, updated at each change, never by polling.
"""

from __future__ import annotations

from collections import deque

from .engine import Environment


class Cpu:
    """The cores of one server: service work that holds a thread waits FIFO here for a free core."""

    __slots__ = ("env", "cores", "busy", "waiting", "area", "t_last", "area_at_warmup")

    def __init__(self, env: Environment, cores: int) -> None:
        self.env = env
        self.cores = cores
        self.busy = 0
        self.waiting: deque = deque()  # (station, message, service time), in the order they asked
        self.area = 0.0  # core-seconds used
        self.t_last = 0.0
        self.area_at_warmup = 0.0

    def touch(self, now: float) -> None:
        """Add the core-seconds used since the last change."""
        self.area += self.busy * (now - self.t_last)
        self.t_last = now

    def reset(self) -> None:
        """The service stopped: every core is freed and queued work abandoned (its stations re-queue it)."""
        self.touch(self.env.now)
        self.busy = 0
        self.waiting.clear()

    def mark_warmup(self) -> None:
        """Start the utilisation window here."""
        self.touch(self.env.now)
        self.area_at_warmup = self.area

    def core_seconds(self) -> float:
        """Core-seconds used since warm-up."""
        self.touch(self.env.now)
        return self.area - self.area_at_warmup


class Pool:
    """A thread limit shared by several stations; waiting stations are served in turn (no starvation)."""

    __slots__ = ("capacity", "free", "waiters", "name")

    def __init__(self, capacity: int, name: str = "") -> None:
        self.capacity = capacity
        self.free = capacity
        self.waiters: deque = deque()  # stations waiting for a thread, in turn
        self.name = name  # what the limit is, e.g. "delivery threads", for the server table
