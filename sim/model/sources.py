"""One Poisson source for every generator of mail: users, the Internet, SMTP client populations.

Arrivals are an exact Poisson process, homogeneous at a fixed rate or non-homogeneous over a 24-hour
piecewise-constant curve: a unit-exponential draw is spent against the integrated rate, hour by
hour. The source calls `arrive(now)` and then draws the next arrival, so a generator's own draws
(recipients, size) come from its own named streams in a fixed order.

The recipients of one message are distinct addresses, as on a real envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import count

from .engine import Environment
from .message import Message

HOUR = 3600.0


class PoissonSource:
    """Calls `arrive(now)` at Poisson arrival times until `stop_at`."""

    __slots__ = ("env", "unit", "stop_at", "arrive", "rate", "hourly", "start_of_day")

    def __init__(
        self, env: Environment, unit: Callable[[], float], stop_at: float, arrive: Callable[[float], None], *,
        rate: float = 0.0, hourly: Sequence[float] | None = None, start_of_day: float = 0.0,
    ) -> None:  # fmt: skip
        self.env = env
        self.unit = unit  # draws of a unit exponential, from the generator's own stream
        self.stop_at = stop_at
        self.arrive = arrive
        self.rate = rate  # per second, when there is no hourly curve
        self.hourly = list(hourly) if hourly is not None else None  # per second, for each hour of the day
        self.start_of_day = start_of_day  # clock time of simulated second 0

    @property
    def active(self) -> bool:
        """True when the source sends anything at all."""
        return self.rate > 0 if self.hourly is None else any(r > 0 for r in self.hourly)

    def start(self) -> None:
        """Schedule the first arrival."""
        if self.active:
            self._schedule_after(self.env.now)

    def next_time(self, now: float) -> float:
        """The next arrival after `now`, spending a unit exponential against the integrated rate."""
        budget = self.unit()
        if self.hourly is None:
            return now + budget / self.rate
        t = now
        for _ in range(24 * 366):  # bounded: an all-zero curve is refused by `active`
            clock = t + self.start_of_day
            hour = int(clock // HOUR)
            rate = self.hourly[hour % 24]
            remaining = (hour + 1) * HOUR - clock
            if rate * remaining >= budget:
                return t + budget / rate
            budget -= rate * remaining
            t += remaining
        return float("inf")

    def _schedule_after(self, now: float) -> None:
        at = self.next_time(now)
        if at < self.stop_at:
            self.env.call_later(at - now, self._fire)

    def _fire(self, _event) -> None:
        now = self.env.now
        self.arrive(now)
        at = now + self.unit() / self.rate if self.hourly is None else self.next_time(now)  # _schedule_after, inlined
        if at < self.stop_at:
            self.env.call_later(at - now, self._fire)


def distinct(draw: Callable[[], int], count: int, population: int) -> list[int]:
    """`count` different addresses from `draw()` (a repeat is drawn again); never more than `population`."""
    if count == 1:
        return [draw()]
    count = min(count, population)
    chosen: dict[int, None] = {}  # insertion-ordered: the envelope keeps the order drawn
    while len(chosen) < count:
        chosen[draw()] = None
    return list(chosen)


class MailGenerator:
    """What every generator of mail does on an arrival: draw the recipients, then the sender and size, make
    the message with the next id, count it, record its birth, hand it on. Subclasses say how to draw each
    and where the message goes (`_recipients`, `_sender_address`, `_size`, `_hand_on`); the order of the
    draws is fixed here, so a run is reproduced draw for draw."""

    ids: count
    index: int  # the server (or Internet, or client population) the message starts at
    born: Callable[[Message], None] | None
    generated: int
    recipients_generated: int

    def _arrive(self, now: float) -> None:
        recipients = self._recipients()
        index = self.index
        msg = Message(next(self.ids), self._sender_address(), self._size(), index, now, recipients, [index])
        self.generated += 1
        self.recipients_generated += len(recipients)
        if self.born is not None:
            self.born(msg)
        self._hand_on(msg)

    def _recipients(self) -> list[int]:
        raise NotImplementedError

    def _sender_address(self) -> int:
        raise NotImplementedError

    def _size(self) -> int:
        raise NotImplementedError

    def _hand_on(self, msg: Message) -> None:
        raise NotImplementedError
