"""Queues that hold mail rather than send it: Unreachable (no route) and Poison (crashed the service).

- `UnreachableQueue`: one per Transport server; a message with no route waits here until it expires
  (its sender then gets an NDR) or a configuration change gives it a route: then it is resubmitted
  through the Categorizer (DOMAIN.md 2, "No route").
- `PoisonQueue`: one per Transport server, permanently Suspended and shown only when it holds mail;
  a message that was part of PoisonThreshold crashes ends here, never retried (DOMAIN.md 1.2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...exchange.status import NO_ROUTE
from ..message import Message
from ..random import Constant
from ..station import SUSPENDED, Station

if TYPE_CHECKING:
    from ..context import Context


class UnreachableQueue(Station):
    """The server's one Unreachable queue: it never serves; mail leaves by expiry or resubmission."""

    __slots__ = ()

    def __init__(self, model: Context, owner) -> None:
        super().__init__(model.env, owner.name, "Unreachable", "Unreachable", 0, (Constant(1.0), 0.0, 0.0),
                         lambda msg: None)  # fmt: skip
        self.zero = False

    def put(self, msg: Message) -> None:
        """Hold the message: it waits for a route, or for its expiry."""
        if self.deadlines is not None:
            self.deadlines.set_stuck(True)  # nothing flows out of this queue
        Station.put(self, msg)

    def expire(self, msg: Message) -> None:
        """No route came before MessageExpirationTimeout: the sender gets the no-route NDR (5.4.4)."""
        self.left_unserved(msg)
        self.expired += 1
        self.owner.recorder.expire(msg)
        self.owner.ndr(msg, NO_ROUTE.status())

    def resubmit(self, categorizer: Station) -> int:
        """Send everything held back through the Categorizer (a route may exist now); how many."""
        held = list(self.queue)
        self.queue.clear()
        now = self.env.now
        self.unserved += len(held)
        self.resubmitted += len(held)
        for msg in held:
            self.left_wait += now - msg.queued_at
            msg.waiting = None
            categorizer.put(msg)
        return len(held)


class PoisonQueue(Station):
    """The server's Poison message queue: permanently Suspended; what ends here is reported, not retried."""

    __slots__ = ()

    def __init__(self, model: Context, owner) -> None:
        super().__init__(model.env, owner.name, "Poison", "Undefined", 0, (Constant(1.0), 0.0, 0.0),
                         lambda msg: None)  # fmt: skip
        self.zero = False

    def hold(self, msg: Message) -> None:
        """Keep the message for the administrator (it has ended: POISON in the accounting)."""
        self.arrivals += 1
        msg.queued_at = self.env.now  # it waits here from now (area_q)
        self.queue.append(msg)
        self.grew()

    @property
    def state(self) -> str:
        """Always Suspended."""
        return SUSPENDED

    def held(self) -> Iterator[Message]:
        """Nothing still in flight: a poison message has ended (it is counted as poison)."""
        return iter(())
