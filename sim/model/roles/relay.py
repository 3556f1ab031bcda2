"""A remote delivery queue that relays by SMTP to other Exchange servers, one connection per message.

It relays to one of several servers: the Hubs of another AD site, the source servers of a Send connector,
the Edges of a subscription, the Hubs of an Edge's site (round robin, skipping those that do not take
mail). With no Hub of the target site reachable it backs off along the same least-cost path and relays
to the Hubs of the closest reachable site on it (queue at point of failure, DOMAIN.md 2). With none
taking mail it goes to Retry on the owner's timers: 452 4.3.1 when they refuse under back pressure
(DOMAIN.md 6), 421 4.2.1 when none answers.

Each message holds a connection (a thread of this queue, one of the server's outbound connections, and
one the receiver's Receive connector serves) from the start of its transfer until the receiver commits
it (sim/model/connections.py): a receiver holds at most as many uncommitted messages from this server as
the connection limits allow, and the rest wait here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...exchange.policies import RoundRobin
from ...exchange.status import CONNECT_FAILED, INSUFFICIENT_RESOURCES
from ...exchange.topology import Route
from ..message import Message
from ..protocol import relay_hook
from ..station import ACTIVE, READY, RETRY, SUSPENDED
from .queues import SmtpQueue

if TYPE_CHECKING:
    from ..connections import Gate
    from ..context import Context


class RelayStation(SmtpQueue):
    """A remote delivery queue that relays by SMTP to one of several Exchange servers."""

    __slots__ = ("selector", "route", "network", "backoffs", "log_sent", "inbound", "gates", "sessions", "_free",
                 "_chosen")  # fmt: skip
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
        self.inbound = model.inbound
        self.gates: dict[object, Gate] = {}  # by receiving server, made when first tried
        self.sessions = 0  # connections whose message reached the receiver, open until it commits
        self._chosen: Gate | None = None  # the gate connection_free last found free
        # zero (no event: handed straight on) only when the whole session is free: no session time, a free
        # path and receivers that commit at once; such a session never holds a connection, so the choice of a
        # receiver need not ask whether it has one free
        receivers = [*selector.hubs, *(hub for _, backoff in backoffs for hub in backoff.hubs)]
        self.zero = self.zero and route.free and all(server.receive.zero for server in receivers)
        self._free = None if self.zero else self.connection_free
        self.log_sent = relay_hook(model, self, self.log_sent)  # and the protocol logs' session, when asked for

    # -- connections ------------------------------------------------------------------------------
    def connection_free(self, server) -> bool:
        """`server` would serve one more connection from this queue's server now (its gate remembered as the
        one to open)."""
        gate = self.gates.get(server)
        if gate is None:
            gate = self._gate(server)
        load = gate.load
        if load.in_use < load.limit and load.by_source[gate.source] < load.per_source:
            self._chosen = gate
            return True
        return False

    def _gate(self, server) -> Gate:
        gate = self.gates.get(server)
        if gate is None:
            gate = self.gates[server] = self.inbound.gate(self, self.owner, server)
        return gate

    def connection_freed(self) -> None:
        """A receiver this queue waited for closed a connection: try to start again."""
        self._try_start()

    def session_closed(self) -> None:
        """The receiver committed a message (or stopped): its connection closes, the thread is free."""
        self.sessions -= 1
        self.busy -= 1  # _hang_up, inlined
        pool = self.pool
        if pool.waiters or self.queue:
            self._release_slot()
        else:
            pool.free += 1

    def _hang_up(self) -> None:
        self.busy -= 1
        pool = self.pool
        if pool.waiters or self.queue:
            self._release_slot()
        else:
            pool.free += 1

    def _drop(self, msg: Message) -> None:
        """The message does not go to the receiver: its connection closes at both ends."""
        gate = msg.session
        if gate is not None:
            msg.session = None
            gate.release()
            self._hang_up()

    # -- flow -------------------------------------------------------------------------------------
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
        """(server, route): a Hub of the target site that takes a connection now, else of the closest reachable
        site on the path; None when every one that takes mail serves all the connections it may."""
        network = self.network
        if network.path_up(self.route.segment):
            hub = self.selector.choose(self._free)
            if hub is not None:
                return hub, self.route
        for route, selector in self.backoffs:
            if network.path_up(route.segment):
                hub = selector.choose(self._free)
                if hub is not None:
                    return hub, route
        return None

    def _try_start(self) -> None:
        """Start a transfer for each message there is a thread, an outbound connection and a receiver for."""
        queue = self.queue
        if not queue or not self.open:
            return
        error = self.unavailable()
        if error is not None:
            self.fail(error)
            return
        self.retry.succeeded()
        pool = self.pool
        while queue and self.busy < self.limit and self.open:
            if pool.free <= 0:
                if not self.pool_waiting:
                    self.pool_waiting = True
                    pool.waiters.append(self)
                return
            target = self._target()
            if target is None:  # wait here until a receiver closes a connection
                for gate in self.gates.values():
                    if self not in gate.load.waiters:
                        gate.load.waiters.append(self)
                return
            pool.free -= 1
            msg = queue.popleft()
            msg.waiting = None
            now = self.env.now
            self.thread_wait += now - msg.queued_at
            gate = self._chosen if self._free is not None else self._gate(target[0])
            load = gate.load  # open the connection
            load.in_use += 1
            load.by_source[gate.source] += 1
            msg.next_hub, msg.session = target, gate
            self._start(msg, now)

    def service_time(self, msg: Message) -> float:
        """Connection time: the SMTP session plus the path's latency and the bytes over its bandwidth."""
        target = msg.next_hub
        route = target[1] if target is not None else self.route
        return self._draw() + self._per_kb * msg.kb + route.transfer_time(msg.size)

    def _done(self, msg: Message) -> None:
        """The transfer ended: the connection stays open (the thread held) until the receiver answers."""
        msg.token = None
        now = self.env.now
        del self.in_service[msg]
        self.completions += 1
        self.service_sum += now - msg.core_at
        if self.hop_log is not None:
            self.hop_log(msg, self, now)
        self.finish(msg)

    def finish(self, msg: Message) -> None:
        """The transfer ended (or, for a zero-time relay, the message just arrived): hand it to the server
        chosen when the transfer started, or choose one now. If that server stopped meanwhile, or none
        answers, the message stays at the head of this queue (Retry when none answers)."""
        target = msg.next_hub or self._target()
        msg.next_hub = None
        server = target[0] if target is not None else None
        if server is None or not server.up:
            self._drop(msg)
            self.put_back(msg)
            return
        owner = self.owner
        if not server.accepts(msg):  # back pressure at Medium: only senders of the organisation
            owner.recorder.refused_and_retried += 1
            if owner.track is not None:
                owner.track("DEFER", "SMTP", msg, peer=server.index, connector=self.connector,
                            status=INSUFFICIENT_RESOURCES)  # fmt: skip
            self._drop(msg)
            self.defer(msg, INSUFFICIENT_RESOURCES)
            return
        if self.log_sent is not None:
            self.log_sent(msg, server.index)
        self.sent(msg)
        owner.left(msg)
        if msg.session is not None:
            self.sessions += 1  # open until the receiver commits (TransportServer._received)
        server.receive_smtp(msg)

    @property
    def state(self) -> str:
        """Queue Viewer status: Active only while a message of the queue is being sent (a connection whose
        message reached its receiver, waiting for it to commit, leaves the queue Ready: the message is counted
        there)."""
        if self.stopped:
            return SUSPENDED
        if self.retrying:
            return RETRY
        return ACTIVE if self.busy > self.sessions else READY

    def stop(self) -> None:
        """The Transport service stopped: transfers in progress drop their connections and wait here again;
        connections whose message reached its receiver stay open until it commits."""
        for msg in self.in_service:
            self._forget(msg)
        super().stop()
        if self.sessions:
            self.busy = self.sessions
            self.pool.free -= self.sessions

    def _forget(self, msg: Message) -> None:
        gate = msg.session
        msg.next_hub = msg.session = None
        if gate is not None:
            gate.release()
