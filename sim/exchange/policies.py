"""How a server picks a Hub Transport server: round robin with failover, and local preference.

DOMAIN.md 1.1 and 2: the Mail Submission Service always uses the local Hub when the Mailbox server
also holds the Hub role (and its Transport service is up); otherwise it goes round robin over the
Hubs of its own site. A Hub relaying to another site rotates over that site's Hubs. Either way a
Hub that does not take mail (its Transport service is down, or back pressure is at High) is skipped
and the next one tried; there is never a Hub of another site as a fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .timers import Timers


class Available(Protocol):
    """A server that may be chosen: it takes mail now (its Transport service is up, and back pressure
    is below High) or not."""

    accepting: bool


class RoundRobin:
    """Rotates over `hubs`, skipping those that do not take mail now.

    `choose(free)` also skips a Hub for which `free(hub)` is False: one whose submission threads are all
    busy (MaxConcurrentMailboxSubmissions, DOMAIN.md 1.1 event 1009), or whose Receive connector serves
    no more connections from this sender (MaxInboundConnectionPerSource, DOMAIN.md 5.2). A local Hub that
    takes mail but is not free is waited for: the local Hub "will always be chosen" (DOMAIN.md 1.1).
    """

    __slots__ = ("hubs", "next_index", "local")

    def __init__(self, hubs: Sequence[Available], local: Available | None = None) -> None:
        self.hubs = list(hubs)
        self.next_index = 0
        self.local = local

    def choose(self, free: Callable[[Any], bool] | None = None):
        """The next Hub that takes mail (and is `free`), or None when none does."""
        local = self.local
        if local is not None and local.accepting:
            return local if free is None or free(local) else None
        hubs = self.hubs
        count = len(hubs)
        start = self.next_index
        hub = hubs[start]
        if hub.accepting and (free is None or free(hub)):  # the usual case: the next Hub in turn takes mail
            self.next_index = start + 1 if start + 1 < count else 0
            return hub
        for offset in range(1, count):
            hub = hubs[(start + offset) % count]
            if hub.accepting and (free is None or free(hub)):
                self.next_index = (start + offset + 1) % count
                return hub
        return None

    def any_up(self) -> bool:
        """True when some Hub of the rotation takes mail (a relay queue leaves Retry only then)."""
        for hub in self.hubs:
            if hub.accepting:
                return True
        return False


class RetryPolicy:
    """When a queue or a deferred message tries again: the one place retry timing is decided.

    Exchange 2007 (DOMAIN.md 5.1, bb123505, book p.431): after a failed attempt come QueueGlitchRetryCount
    retries QueueGlitchRetryInterval apart, then TransientFailureRetryCount retries
    TransientFailureRetryInterval apart, then retries every OutboundConnectionFailureRetryInterval until
    the message expires. Other senders (the Mail Submission Service, remote Internet hosts) retry at one
    fixed interval: `RetryPolicy.constant`.
    """

    __slots__ = ("steps", "then")

    def __init__(self, steps: tuple[tuple[int, float], ...], then: float) -> None:
        self.steps = steps  # (count, interval) for the first retries, in order
        self.then = then  # the interval after them

    @classmethod
    def constant(cls, interval: float) -> RetryPolicy:
        """Every retry `interval` after the failure before it."""
        return cls((), interval)

    @classmethod
    def exchange(cls, timers: Timers) -> RetryPolicy:
        """A Hub's or Edge's schedule from its Set-TransportServer timers."""
        steps = ((timers.glitch_count, timers.glitch_interval), (timers.transient_count, timers.transient_interval))
        return cls(steps, timers.outbound_interval)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt + 1` (attempt counts failures so far, from 1)."""
        for count, interval in self.steps:
            if attempt <= count:
                return interval
            attempt -= count
        return self.then
