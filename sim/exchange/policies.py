"""How a server picks a Hub Transport server: round robin with failover, and local preference.

DOMAIN.md 1.1 and 2: the Mail Submission Service always uses the local Hub when the Mailbox server
also holds the Hub role (and its Transport service is up); otherwise it goes round robin over the
Hubs of its own site. A Hub relaying to another site rotates over that site's Hubs. Either way a
Hub whose Transport service is down is skipped and the next one tried; there is never a Hub of
another site as a fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Available(Protocol):
    """A server that may be chosen: its Transport service is up or not."""

    up: bool


class RoundRobin:
    """Rotates over `hubs`, skipping those that are down."""

    __slots__ = ("hubs", "next_index", "local")

    def __init__(self, hubs: Sequence[Available], local: Available | None = None) -> None:
        self.hubs = list(hubs)
        self.next_index = 0
        self.local = local

    def choose(self):
        """The next Hub that is up, or None when none is."""
        local = self.local
        if local is not None and local.up:
            return local
        hubs = self.hubs
        count = len(hubs)
        start = self.next_index
        hub = hubs[start]
        if hub.up:  # the usual case: the next Hub in turn is up
            self.next_index = start + 1 if start + 1 < count else 0
            return hub
        for offset in range(count):
            hub = hubs[(start + offset) % count]
            if hub.up:
                self.next_index = (start + offset + 1) % count
                return hub
        return None

    def any_up(self) -> bool:
        """True when some Hub of the rotation is up (a relay queue leaves Retry only then)."""
        for hub in self.hubs:
            if hub.up:
                return True
        return False


class RetryPolicy:
    """When a queue or a deferred message tries again: the one place retry timing is decided.

    For now a fixed interval per kind of failure (transport.retry_interval for a next hop that does
    not answer, internet.retry_interval for a 4xx from a remote host). Exchange's full timers (glitch
    retries, TransientFailureRetryCount/Interval, OutboundConnectionFailureRetryInterval, expiry and
    delay DSNs; DOMAIN.md 5.1) replace `delay` and add `expired` without touching the queues.
    """

    __slots__ = ("interval",)

    def __init__(self, interval: float) -> None:
        self.interval = interval

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt + 1` (attempt counts failures so far, from 1)."""
        return self.interval
