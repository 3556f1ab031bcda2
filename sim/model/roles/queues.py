"""Delivery queues whose next hop can fail, as Queue Viewer shows them, on Exchange's retry timers.

- `DeliveryQueue`: what every such queue does (DOMAIN.md 5.1, 9): when the next hop does not answer the
  queue goes to Retry and tries again on the server's schedule (glitch, transient, then
  outbound-connection-failure retries); a message refused on its own (4xx) is deferred and retried on
  the same schedule; mail waiting too long gets a delay DSN, then expires (sim.model.deadlines).
- `RelayStation`: relays by SMTP to one of several Exchange servers: the Hubs of another AD site, the
  source servers of a Send connector, the Edges of a subscription, the Hubs of an Edge's site. With no
  Hub of the target site reachable it backs off along the same least-cost path and relays to the Hubs of
  the closest reachable site on it (queue at point of failure, DOMAIN.md 2).
- `MailboxDelivery`: the Store Driver's delivery queue to one Mailbox server (fails while it is down).
The Internet queues are in sim/model/roles/internet_queue.py; Unreachable and Poison in holding.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...exchange.policies import RoundRobin
from ...exchange.status import CONNECT_FAILED, INSUFFICIENT_RESOURCES, MAILBOX_UNAVAILABLE
from ...exchange.topology import Route
from ..deadlines import Deadlines
from ..message import Message
from ..retry import RetryTimer
from ..station import Station

if TYPE_CHECKING:
    from ..context import Context


class DeliveryQueue(Station):
    """A queue whose next hop may not answer: Retry on the owner's timers, deferred messages, deadlines."""

    __slots__ = ("retry", "deferred", "defer_count", "deferred_deadlines")

    def setup(self, owner) -> None:
        """Take the owner's retry schedule (called once the owner is known)."""
        self.retry = RetryTimer(self.env, owner.retry_policy, self.leave_retry)
        self.deferred: dict[Message, None] = {}  # refused on their own: waiting for their retry timer
        self.defer_count: dict[Message, int] = {}  # refusals so far, per message not yet sent
        self.deferred_deadlines = Deadlines(self.env, _DeferredSet(self), owner.timers.delay_notification,
                                            owner.timers.expiration, stuck=True)  # fmt: skip

    def unavailable(self) -> str | None:
        """None when the next hop answers now; else why not (Get-Queue's LastError)."""
        return None

    def _try_start(self) -> None:
        if self.queue and self.open:
            error = self.unavailable()
            if error is not None:
                self.fail(error)
                return
            self.retry.succeeded()
        super()._try_start()

    def fail(self, error: str) -> None:
        """An attempt to connect failed: Retry until the retry timer fires."""
        at = self.retry.schedule()
        self.enter_retry(error, at)

    def defer(self, msg: Message, status: str) -> None:
        """The other end answered 4xx for this message: it waits for its own retry, on the same schedule."""
        owner = self.owner
        self.completions -= 1  # served, but not handed on
        self.deferrals += 1
        count = self.defer_count[msg] = self.defer_count.get(msg, 0) + 1
        self.deferred[msg] = None
        self.aside += 1
        msg.queued_at = self.env.now  # set aside from now (the station's aside_time)
        self.deferred_deadlines.waiting(msg)
        self.env.call_later(owner.retry_policy.delay(count), self._retry_deferred, msg)

    def _retry_deferred(self, event) -> None:
        msg = event.value
        if msg in self.deferred:  # not expired meanwhile
            self.take_aside(msg)
            msg.waiting = None
            self.requeue(msg)

    def take_aside(self, msg: Message) -> None:
        """`msg` is no longer set aside (it waits again, or expired): count the time it spent there."""
        del self.deferred[msg]
        self.aside -= 1
        self.aside_time += self.env.now - msg.queued_at

    def sent(self, msg: Message) -> None:
        """The message left for good: forget its refusals."""
        if self.defer_count:
            self.defer_count.pop(msg, None)

    def aside_messages(self) -> Iterator[Message]:
        """The deferred messages: held (Queue Viewer's MessageCount counts them) until their retry timer fires."""
        return iter(self.deferred)


class _DeferredSet:
    """The deferred messages of a queue, as a place where they wait (for their deadlines)."""

    __slots__ = ("queue",)

    def __init__(self, queue: DeliveryQueue) -> None:
        self.queue = queue

    def waiting_messages(self) -> Iterator[Message]:
        return iter(self.queue.deferred)

    def notify_delay(self, msg: Message) -> None:
        self.queue.owner.delay_dsn(msg)

    def expire(self, msg: Message) -> None:
        queue = self.queue
        queue.take_aside(msg)
        queue.expired += 1
        queue.defer_count.pop(msg, None)
        queue.owner.expired(msg)


class SmtpQueue(DeliveryQueue):
    """A delivery queue that sends by SMTP: one connection per message from the owner's outbound pool,
    for the smtp_send stage time; `finish` decides what the other end said."""

    __slots__ = ("connector",)

    def __init__(self, model: Context, owner, name: str, delivery_type: str, connector: str) -> None:
        super().__init__(model.env, owner.name, name, delivery_type, owner.spec.max_per_domain_outbound_connections,
                         model.service(owner.name, "smtp_send", name), None, pool=owner.outbound_connections,
                         hop_log=model.hop_log)  # fmt: skip
        self.on_done = self.finish
        self.owner = owner
        self.connector = connector
        self.setup(owner)

    def finish(self, msg: Message) -> None:
        """The SMTP session ended: decide from the other end's answer where the message goes."""
        raise NotImplementedError


class RelayStation(SmtpQueue):
    """A remote delivery queue that relays by SMTP to one of several Exchange servers."""

    __slots__ = ("selector", "route", "network", "backoffs", "log_sent")
    FAST_START = False

    def __init__(self, model: Context, owner, name: str, delivery_type: str, selector: RoundRobin, route: Route,
                 connector: str = "", backoffs: tuple = ()) -> None:  # fmt: skip
        super().__init__(model, owner, name, delivery_type, connector or "Intra-Organization SMTP Send Connector")
        self.selector = selector
        self.route = route
        self.network = model.network
        self.backoffs = backoffs  # (route to a closer site on the path, its Hubs' RoundRobin), closest to target first
        self.next_hop = name
        self.log_sent = model.recorder.logger(owner.index, model.env, "SEND", "SMTP", self.connector,
                                              "250 2.6.0 Queued mail for delivery")  # fmt: skip
        # zero (no event: handed straight on) only when the whole transfer is free: no session time, free path
        self.zero = self.zero and route.free

    def unavailable(self) -> str | None:
        """None when a Hub of the target site, or of a closer site on the path, can take mail now."""
        network = self.network
        if network.path_up(self.route.segment) and self.selector.any_up():
            return None
        for route, selector in self.backoffs:
            if network.path_up(route.segment) and selector.any_up():
                return None
        up = any(hub.up for hub in self.selector.hubs) and network.path_up(self.route.segment)
        return INSUFFICIENT_RESOURCES if up else CONNECT_FAILED

    def _target(self) -> tuple | None:
        """(server, route): a Hub of the target site if one answers, else of the closest reachable site on the path."""
        network = self.network
        if network.path_up(self.route.segment):
            hub = self.selector.choose()
            if hub is not None:
                return hub, self.route
        for route, selector in self.backoffs:
            if network.path_up(route.segment):
                hub = selector.choose()
                if hub is not None:
                    return hub, route
        return None

    def service_time(self, msg: Message) -> float:
        """Connection time: the SMTP session plus the path's latency and the bytes over its bandwidth."""
        target = msg.next_hub = self._target()
        route = target[1] if target is not None else self.route
        return self._draw() + self._per_kb * msg.kb + route.transfer_time(msg.size)

    def finish(self, msg: Message) -> None:
        """The session ended (or, for a zero-time relay, the message just arrived): hand it to the server
        chosen when the transfer started, or choose one now. If that server stopped meanwhile, or none
        answers, the message stays at the head of this queue (Retry when none answers)."""
        target = msg.next_hub or self._target()
        msg.next_hub = None
        server = target[0] if target is not None else None
        if server is None or not server.up:
            self.put_back(msg)
            return
        if not server.accepts(msg):  # back pressure at Medium: only senders of the organisation
            owner = self.owner
            owner.recorder.refused_and_retried += 1
            if owner.track is not None:
                owner.track("DEFER", "SMTP", msg, peer=server.index, connector=self.connector,
                            status=INSUFFICIENT_RESOURCES)  # fmt: skip
            self.defer(msg, INSUFFICIENT_RESOURCES)
            return
        owner = self.owner
        if self.log_sent is not None:
            self.log_sent(msg, server.index)
        self.sent(msg)
        owner.left(msg)
        server.receive_smtp(msg)


class MailboxDelivery(DeliveryQueue):
    """The Store Driver's delivery queue from a Hub to one Mailbox server of its site (MapiDelivery)."""

    __slots__ = ("mailbox",)

    def unavailable(self) -> str | None:
        """None while the Mailbox server is up."""
        return None if self.mailbox.up else MAILBOX_UNAVAILABLE
