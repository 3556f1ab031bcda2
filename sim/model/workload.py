"""Message generators: one Poisson source per Mailbox server, shaped by a diurnal curve.

The rate of a server is mailboxes x sent-per-mailbox-per-day / 86,400 s, times the hour's diurnal
weight (weights have mean 1, so a day's total matches the profile). Arrivals are an exact
non-homogeneous Poisson process: a unit-exponential draw is spent against the integrated rate, hour by
hour. In fixed-rate mode (`workload.rate`) each server is a plain Poisson source, for validation.

Each message draws its recipient count, recipients (uniform over the organisation's mailboxes) and size
from streams named after the server, so adding a server leaves every other server's mail unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate, count

from ..exchange.addresses import AddressBook
from ..scenario.schema import Workload
from .engine import Environment
from .message import Message
from .random import Streams

HOUR = 3600.0


class MailSource:
    """Users of one Mailbox server sending mail."""

    def __init__(
        self,
        env: Environment,
        workload: Workload,
        streams: Streams,
        server: str,
        server_index: int,
        mailboxes: int,
        first_mailbox: int,
        book: AddressBook,
        ids: count,
        stop_at: float,
        submit: Callable[[Message], None],
        start_of_day: float = 0.0,
    ) -> None:
        self.env = env
        self.server_index = server_index
        self.ids = ids
        self.stop_at = stop_at
        self.submit = submit
        self.start_of_day = start_of_day
        self.generated = 0
        self.recipients_generated = 0
        self.first_mailbox = first_mailbox
        if workload.rate is not None:
            self.hourly = None
            self.rate = workload.rate
        else:
            base = mailboxes * workload.sent_per_day / 86400.0
            self.hourly = [base * w for w in workload.hourly_weights]
            self.rate = base
        self._unit = streams.batched(f"arrivals/{server}", lambda g, n: g.exponential(1.0, n)).next
        self._count = streams.sampler(workload.recipients, f"recipients/{server}").next
        total_mailboxes = book.mailboxes
        self._recipient = streams.batched(
            f"recipient-mailboxes/{server}", lambda g, n: g.integers(0, total_mailboxes, n)
        ).next
        # recipients outside our mailboxes: cumulative shares of (unknown, domain 1, domain 2, ...)
        shares = [workload.unknown_share] + [d.share for d in workload.domains]
        self._other_bounds = list(accumulate(shares)) if sum(shares) > 0 else None
        if self._other_bounds is not None:
            self._book = book
            self._kind = streams.batched(f"recipient-kinds/{server}", lambda g, n: g.random(n)).next
            self._user = streams.batched(f"recipient-users/{server}", lambda g, n: g.integers(0, 100_000, n)).next
        self._sender = streams.batched(f"senders/{server}", lambda g, n: g.integers(0, max(mailboxes, 1), n)).next
        self._size = streams.sampler(workload.size, f"sizes/{server}").next

    def start(self) -> None:
        if self.rate > 0:
            self._schedule_after(self.env.now)

    def _next_time(self, now: float) -> float:
        """The next arrival after `now`, spending a unit exponential against the integrated rate."""
        budget = self._unit()
        if self.hourly is None:
            return now + budget / self.rate
        t = now
        for _ in range(24 * 366):  # bounded: an all-zero day is rejected by the schema
            clock = t + self.start_of_day
            hour = int(clock // HOUR)
            rate = self.hourly[hour % 24]
            remaining = (hour + 1) * HOUR - clock
            if rate * remaining >= budget:
                return t + budget / rate
            budget -= rate * remaining
            t += remaining
        return float("inf")

    def _mixed_recipient(self) -> int:
        """A mailbox, or with the configured shares an unknown address or one in another domain."""
        draw = self._kind()
        for index, bound in enumerate(self._other_bounds):
            if draw < bound:
                return self._book.other(index, self._user())  # index 0 is the unknown-user domain
        return self._recipient()

    def _schedule_after(self, now: float) -> None:
        if self.hourly is None:
            at = now + self._unit() / self.rate
        else:
            at = self._next_time(now)
        if at < self.stop_at:
            self.env.call_later(at - now, self._arrive)

    def _arrive(self, _event) -> None:
        now = self.env.now
        n = self._count()
        if self._other_bounds is not None:
            recipients = [self._mixed_recipient() for _ in range(n)]
        elif n == 1:
            recipients = [self._recipient()]
        else:
            recipient = self._recipient
            recipients = [recipient() for _ in range(n)]
        index = self.server_index
        msg = Message(
            next(self.ids), self.first_mailbox + self._sender(), self._size(), index, now, recipients, [index]
        )
        self.generated += 1
        self.recipients_generated += n
        self.submit(msg)
        self._schedule_after(now)
