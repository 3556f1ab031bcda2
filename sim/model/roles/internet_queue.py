"""Queues to hosts outside the organisation: a remote domain by its MX hosts, or a smart host.

A remote host may answer 4xx for a message (a share of deliveries, or every one while a fault makes
the Internet refuse): the message is deferred (DEFER in the tracking log) and retried on the server's
schedule. While a fault cuts the Internet off, the queue cannot connect and goes to Retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...exchange.status import CONNECT_FAILED, REMOTE_REFUSED
from ...exchange.topology import internet_route
from ...formats.record import DELIVERED
from ..message import Message
from ..protocol import internet_hook
from .queues import SmtpQueue

if TYPE_CHECKING:
    from ..context import Context


class InternetQueue(SmtpQueue):
    """A queue to hosts outside the organisation: a remote domain by MX, or a smart host."""

    __slots__ = ("host", "host_index", "internet", "route", "network", "_failure", "finished")

    def __init__(self, model: Context, owner, name: str, delivery_type: str, host: str, connector: str) -> None:
        internet = model.scenario.internet
        super().__init__(model, owner, name, delivery_type, connector)
        self.zero = False
        self.host = host
        self.next_hop = name
        # a smart host is a named destination; remote domains reached by MX are "Internet"
        self.host_index = (
            model.topology.server_index(host, "External")
            if delivery_type == "SmartHostConnectorDelivery"
            else model.topology.index["Internet"]
        )
        self.internet = internet
        self.network = model.network
        self.fast_start = model.network.internet_reachable
        self.route = internet_route(owner.subscribed_site if owner.role == "Edge" else owner.site, internet)
        share = internet.transient_failure_share
        self._failure = (
            model.streams.batched(f"internet-failures/{owner.name}/{name}", lambda g, n: g.random(n)).next
            if share > 0
            else None
        )
        self.finished = internet_hook(model, self, model.recorder.finished)  # and the protocol logs' session

    def unavailable(self) -> str | None:
        """None unless a fault cuts the Internet off."""
        return None if self.network.internet_reachable else CONNECT_FAILED

    def service_time(self, msg: Message) -> float:
        """The SMTP session plus the transfer to the remote host over the Internet path."""
        return self._draw() + self._per_kb * msg.kb + self.route.transfer_time(msg.size)

    def finish(self, msg: Message) -> None:
        """The remote host answered: 250 (handed over) or 4xx (deferred: try later)."""
        owner, now = self.owner, self.env.now
        refused = self.network.internet_refusing
        if refused or (self._failure is not None and self._failure() < self.internet.transient_failure_share):
            if owner.track is not None:
                owner.track("DEFER", "SMTP", msg, peer_name=self.host, connector=self.connector, status=REMOTE_REFUSED)
            self.defer(msg, REMOTE_REFUSED)
            return
        self.sent(msg)
        owner.left(msg)
        if owner.track is not None:
            owner.track("SEND", "SMTP", msg, peer_name=self.host, connector=self.connector, status="250 2.0.0 OK")
        msg.path.append(self.host_index)
        self.finished(msg, self.host_index, now, DELIVERED)
