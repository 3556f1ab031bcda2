"""Mail arriving from the Internet: remote MTAs sending to the organisation's MX, the Edges.

MX records of equal preference spread connections over the Edges: each message goes to an Edge drawn
at random among those up. While no Edge answers, the remote servers keep the mail and try again after
`internet.retry_interval`; it counts as still queued, never lost.
"""

from __future__ import annotations

from collections import deque
from itertools import count

from .message import Message
from .random import Streams


class InternetSenders:
    """Poisson arrivals of inbound Internet mail at `internet.inbound_rate`."""

    def __init__(self, model, edges: list, ids: count) -> None:
        internet = model.scenario.internet
        self.env = model.env
        self.edges = edges
        self.ids = ids
        self.rate = internet.inbound_rate
        self.stop_at = model.scenario.duration
        self.retry_interval = internet.retry_interval
        self.index = model.topology.index["Internet"]
        book = model.addresses
        self.book = book
        self.unknown_share = internet.unknown_recipient_share
        streams: Streams = model.streams
        self._gap = (
            streams.batched("internet/arrivals", lambda g, n: g.exponential(1.0 / self.rate, n)).next
            if self.rate > 0
            else None
        )
        self._count = streams.sampler(internet.recipients, "internet/recipients").next
        self._size = streams.sampler(internet.size, "internet/sizes").next
        self._mailbox = streams.batched(
            "internet/recipient-mailboxes", lambda g, n: g.integers(0, max(book.mailboxes, 1), n)
        ).next
        self._unknown = streams.batched("internet/unknown", lambda g, n: g.random(n)).next
        self._user = streams.batched("internet/users", lambda g, n: g.integers(0, 1_000_000, n)).next
        self._edge = streams.batched("internet/mx", lambda g, n: g.random(n)).next
        self.waiting: deque[Message] = deque()
        self.retry_pending = False
        self.generated = 0
        self.recipients_generated = 0

    def start(self) -> None:
        if self._gap is not None and self.edges:
            self.env.call_later(self._gap(), self._arrive)

    def _arrive(self, _event) -> None:
        now = self.env.now
        book = self.book
        recipients = []
        for _ in range(self._count()):
            if self.unknown_share and self._unknown() < self.unknown_share:
                recipients.append(book.other(book.unknown_domain, self._user()))
            else:
                recipients.append(self._mailbox())
        sender = book.other(book.internet_domain, self._user())
        msg = Message(next(self.ids), sender, self._size(), self.index, now, recipients, [self.index])
        self.generated += 1
        self.recipients_generated += len(recipients)
        self._send(msg)
        at = now + self._gap()
        if at < self.stop_at:
            self.env.call_later(at - now, self._arrive)

    def _send(self, msg: Message) -> None:
        up = [edge for edge in self.edges if edge.up]
        if not up or self.waiting:
            self.waiting.append(msg)
            self._retry_later()
            return
        up[int(self._edge() * len(up))].receive_internet(msg)

    def _retry_later(self) -> None:
        if not self.retry_pending:
            self.retry_pending = True
            self.env.timeout(self.retry_interval).callbacks.append(self._retry)

    def _retry(self, _event) -> None:
        self.retry_pending = False
        while self.waiting:
            up = [edge for edge in self.edges if edge.up]
            if not up:
                self._retry_later()
                return
            up[int(self._edge() * len(up))].receive_internet(self.waiting.popleft())

    def recipients_waiting(self) -> int:
        return sum(len(m.recipients) for m in self.waiting)
