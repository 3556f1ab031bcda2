"""Waiting for a next hop to come back: one retry timer and one Outbox, both timed by `RetryPolicy`.

A Mail Submission Service with no Hub up, remote senders with no Edge answering, and a remote
delivery queue whose next hop is down all do the same thing: keep the mail, in order, and try again
when the policy says (sim.exchange.policies.RetryPolicy, the one place retry timing is decided).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from ..exchange.policies import RetryPolicy
from ..exchange.timers import Timers
from .deadlines import Deadlines
from .engine import Environment
from .message import Message

T = TypeVar("T")


class RetryTimer:
    """Calls `again()` after the policy's delay for the current attempt; one pending timer at a time."""

    __slots__ = ("env", "policy", "again", "pending", "failures", "at")

    def __init__(self, env: Environment, policy: RetryPolicy, again: Callable[[], None]) -> None:
        self.env = env
        self.policy = policy
        self.again = again
        self.pending = False
        self.failures = 0  # consecutive attempts that found no next hop
        self.at: float | None = None  # when the pending retry fires

    def schedule(self) -> float:
        """An attempt failed: try again after the policy's delay (unless a retry is already pending); when."""
        if not self.pending:
            self.pending = True
            self.failures += 1
            delay = self.policy.delay(self.failures)
            self.at = self.env.now + delay
            self.env.call_later(delay, self._fire)
        return self.at

    def succeeded(self) -> None:
        """The next hop answered: the next failure starts the policy's schedule from the beginning."""
        self.failures = 0

    def _fire(self, _event) -> None:
        self.pending = False
        self.at = None
        self.again()


class Outbox(Generic[T]):
    """Messages waiting, in order, for `choose()` to name a next hop; each is then passed to `send(hop, msg)`."""

    __slots__ = ("choose", "send", "waiting", "timer", "deadlines", "on_expire", "on_delay")

    def __init__(self, env: Environment, policy: RetryPolicy, choose: Callable[[], T | None],
                 send: Callable[[T, Message], None], timers: Timers | None = None,
                 on_expire: Callable[[Message], None] | None = None,
                 on_delay: Callable[[Message], None] | None = None) -> None:  # fmt: skip
        self.choose = choose
        self.send = send
        self.waiting: deque[Message] = deque()
        self.timer = RetryTimer(env, policy, self._again)
        self.on_expire = on_expire  # what becomes of a message that expires here (with `timers`)
        self.on_delay = on_delay  # what a delay DSN for a message waiting here does
        self.deadlines = (Deadlines(env, self, timers.delay_notification, timers.expiration, stuck=True)
                          if timers is not None and on_expire is not None else None)  # fmt: skip

    def put(self, msg: Message) -> None:
        """Send at once if a next hop is up and nothing waits ahead; else wait (in order) for a retry."""
        if self.waiting:
            self._wait(msg)  # keep order behind messages already waiting
            return
        hop = self.choose()
        if hop is None:
            self._wait(msg)
            self.timer.schedule()
        else:
            self.send(hop, msg)

    def retry_later(self, msg: Message) -> None:
        """The hop chosen refused this message: it waits for the next retry."""
        self._wait(msg)
        self.timer.schedule()

    def _wait(self, msg: Message) -> None:
        self.waiting.append(msg)
        if self.deadlines is not None:
            self.deadlines.waiting(msg)

    def _again(self) -> None:
        while self.waiting:
            hop = self.choose()
            if hop is None:
                self.timer.schedule()
                return
            self.send(hop, self.take())
        self.timer.succeeded()

    def take(self) -> Message:
        """The head of the line, leaving it."""
        msg = self.waiting.popleft()
        msg.waiting = None
        return msg

    def held(self) -> Iterator[Message]:
        """The messages waiting."""
        return iter(self.waiting)

    def waiting_messages(self) -> Iterator[Message]:
        """The messages waiting (sim.model.deadlines)."""
        return iter(self.waiting)

    def notify_delay(self, msg: Message) -> None:
        """A message waited DelayNotificationTimeout here: its sender is told (`on_delay`)."""
        if self.on_delay is not None:
            self.on_delay(msg)

    def expire(self, msg: Message) -> None:
        """A message expired while waiting here: out of the Outbox, to `on_expire`."""
        self.waiting.remove(msg)
        self.on_expire(msg)
