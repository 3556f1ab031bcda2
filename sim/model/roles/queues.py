"""Delivery queues that send by SMTP, and the Unreachable queue, as Queue Viewer shows them.

- `RelayStation`: a queue whose next hop is a set of Exchange servers (the Hubs of another AD site, the
  source Hubs of a Send connector, the Edges of a subscription, the subscribed site's Hubs from an
  Edge). A transfer starts with a server chosen round robin among those that are up; with none up the
  queue is in Retry and tries again after the retry interval.
- `InternetQueue`: a queue to a remote domain (DNS MX) or a smart host outside the organisation. A
  remote host may answer 4xx; the message is deferred (DEFER) and tried again later.
- `UnreachableQueue`: messages with no route wait here until they expire, then their senders get an NDR.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ...exchange.policies import RetryPolicy, RoundRobin
from ...exchange.record import DELIVERED
from ...exchange.status import NO_ROUTE
from ...exchange.topology import Route, internet_route
from ..message import Message
from ..random import Constant
from ..retry import RetryTimer
from ..station import Station

if TYPE_CHECKING:
    from ..context import Context


class SmtpQueue(Station):
    """A delivery queue that sends by SMTP: one connection per message from the owner's outbound pool,
    for the smtp_send stage time; `finish` decides what the other end said."""

    __slots__ = ("owner", "connector")

    def __init__(self, model: Context, owner, name: str, delivery_type: str, connector: str) -> None:
        super().__init__(
            model.env,
            owner.name,
            name,
            delivery_type,
            owner.spec.max_per_domain_outbound_connections,
            model.service(owner.name, "smtp_send", name),
            None,
            pool=owner.outbound_connections,
            hop_log=model.hop_log,
        )
        self.on_done = self.finish
        self.owner = owner
        self.connector = connector

    def finish(self, msg: Message) -> None:
        """The SMTP session ended: decide from the other end's answer where the message goes."""
        raise NotImplementedError


class RelayStation(SmtpQueue):
    """A remote delivery queue that relays by SMTP to one of several Exchange servers."""

    __slots__ = ("selector", "route", "retry")
    _fast_start = False

    def __init__(
        self,
        model: Context,
        owner,
        name: str,
        delivery_type: str,
        selector: RoundRobin,
        route: Route,
        connector: str = "",
    ) -> None:
        super().__init__(model, owner, name, delivery_type, connector or "Intra-Organization SMTP Send Connector")
        self.selector = selector
        self.route = route
        self.retry = RetryTimer(model.env, RetryPolicy(model.scenario.transport.retry_interval), self.leave_retry)
        # zero (no event: handed straight on) only when the whole transfer is free: no session time, free path
        self.zero = self.zero and route.free

    def _try_start(self) -> None:
        if self.queue and self.open and not self.selector.any_up():
            self.enter_retry()
            self.retry.schedule()
            return
        self.retry.succeeded()
        super()._try_start()

    def service_time(self, msg: Message) -> float:
        """Connection time: the SMTP session plus the path's latency and the bytes over its bandwidth."""
        msg.next_hub = self.selector.choose()
        return self._draw() + self._per_kb * msg.kb + self.route.transfer_time(msg.size)

    def finish(self, msg: Message) -> None:
        """The session ended (or, for a zero-time relay, the message just arrived): hand it to the server
        chosen when the transfer started, or choose one now. If that server stopped meanwhile, or none
        of the next hop is up, the message stays at the head of this queue (Retry when none is up)."""
        target = msg.next_hub or self.selector.choose()
        msg.next_hub = None
        if target is not None and target.up:
            self._hand_over(msg, target)
            return
        self.put_back(msg)

    def _hand_over(self, msg: Message, target) -> None:
        owner = self.owner
        if owner.track is not None:
            owner.track(
                "SEND",
                "SMTP",
                msg,
                peer=target.index,
                connector=self.connector,
                status="250 2.6.0 Queued mail for delivery",
            )
        target.receive_smtp(msg)


class InternetQueue(SmtpQueue):
    """A queue to hosts outside the organisation: a remote domain by MX, or a smart host."""

    __slots__ = ("host", "host_index", "internet", "route", "deferred", "failures", "_failure", "finished", "retry")

    def __init__(self, model: Context, owner, name: str, delivery_type: str, host: str, connector: str) -> None:
        internet = model.scenario.internet
        super().__init__(model, owner, name, delivery_type, connector)
        self.zero = False
        self.host = host
        # a smart host is a named destination; remote domains reached by MX are "Internet"
        self.host_index = (
            model.topology.server_index(host, "External")
            if delivery_type == "SmartHostConnectorDelivery"
            else model.topology.index["Internet"]
        )
        self.internet = internet
        self.route = internet_route(owner.subscribed_site if owner.role == "Edge" else owner.site, internet)
        self.deferred: dict[Message, None] = {}  # waiting for their retry timer
        self.failures: dict[Message, int] = {}  # 4xx answers so far, per message not yet sent
        self.retry = RetryPolicy(internet.retry_interval)
        share = internet.transient_failure_share
        self._failure = (
            model.streams.batched(f"internet-failures/{owner.name}/{name}", lambda g, n: g.random(n)).next
            if share > 0
            else None
        )
        self.finished = model.recorder.finished

    def service_time(self, msg: Message) -> float:
        """The SMTP session plus the transfer to the remote host over the Internet path."""
        return self._draw() + self._per_kb * msg.kb + self.route.transfer_time(msg.size)

    def finish(self, msg: Message) -> None:
        """The remote host answered: 250 (handed over) or, for a share of messages, 4xx (try later)."""
        owner, now = self.owner, self.env.now
        if self._failure is not None and self._failure() < self.internet.transient_failure_share:
            if owner.track is not None:
                owner.track(
                    "DEFER",
                    "SMTP",
                    msg,
                    peer_name=self.host,
                    connector=self.connector,
                    status="451 4.4.0 Primary target IP address responded with: 421 try again later",
                )
            failures = self.failures[msg] = self.failures.get(msg, 0) + 1
            self.completions -= 1  # served, but not handed on: it waits for its retry timer
            self.deferrals += 1
            self.deferred[msg] = None
            self.env.call_later(self.retry.delay(failures), self._retry, msg)
            return
        if self.failures:
            self.failures.pop(msg, None)
        if owner.track is not None:
            owner.track("SEND", "SMTP", msg, peer_name=self.host, connector=self.connector, status="250 2.0.0 OK")
        msg.path.append(self.host_index)
        self.finished(msg, self.host_index, now, DELIVERED)

    def _retry(self, event) -> None:
        msg = event.value
        del self.deferred[msg]
        self.requeue(msg)

    def held(self) -> Iterator[Message]:
        """Waiting, in service, or deferred until its retry timer fires."""
        yield from super().held()
        yield from self.deferred

    @property
    def length(self) -> int:
        """Messages waiting, in service, or deferred (Queue Viewer's MessageCount)."""
        return len(self.queue) + len(self.in_service) + len(self.deferred)


class UnreachableQueue(Station):
    """The server's one Unreachable queue: no route; the message expires and its sender gets an NDR."""

    __slots__ = ("expire_after", "ndr")

    def __init__(self, model: Context, owner, ndr: Callable[[Message, str], None]) -> None:
        super().__init__(
            model.env, owner.name, "Unreachable", "Unreachable", 0, (Constant(1.0), 0.0, 0.0), lambda msg: None
        )  # limit 0: it never serves
        self.zero = False
        self.expire_after = model.scenario.transport.message_expiration_timeout
        self.ndr = ndr

    def put(self, msg: Message) -> None:
        """Hold the message until it expires (MessageExpirationTimeout after submission)."""
        Station.put(self, msg)
        wait = max(0.0, msg.submitted_at + self.expire_after - self.env.now)
        self.env.call_later(wait, self._expire, msg)

    def _expire(self, event) -> None:
        msg = event.value
        self._touch()
        self.queue.remove(msg)
        self.completions += 1
        self.ndr(msg, NO_ROUTE.status())


__all__ = ["InternetQueue", "RelayStation", "SmtpQueue", "UnreachableQueue"]
