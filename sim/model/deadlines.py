"""Delay notifications and expiry of waiting mail, at exactly DelayNotificationTimeout and MessageExpirationTimeout.

DOMAIN.md 5.1: a message still undelivered DelayNotificationTimeout (4 h) after it was sent gets its
sender a delay DSN; at MessageExpirationTimeout (2 days) it expires into an NDR, wherever it waits.

One `Deadlines` watches the messages waiting in one place (a queue, a set of deferred messages, an
Outbox) with a single timer at the earliest deadline, so flowing mail costs one comparison when it
waits. While the place is stuck (a queue in Retry or Suspended, an Outbox with no Hub) its waiting
messages are kept in a heap by deadline, so thousands of messages stuck for hours are handled one
heap operation each; while it flows, the rare timer scans the few messages that wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from heapq import heapify, heappop, heappush
from typing import Protocol

from .engine import Completion, Environment
from .message import Message

NEVER = float("inf")


class Holder(Protocol):
    """A place where messages wait: it lists them, and acts when one is late or expires."""

    def waiting_messages(self) -> Iterable[Message]:
        """The messages waiting here now."""

    def notify_delay(self, msg: Message) -> None:
        """Send the delay DSN for `msg`."""

    def expire(self, msg: Message) -> None:
        """Take `msg` out of this place and NDR it: it expired."""


class Deadlines:
    """The delay-DSN and expiry deadlines of the messages waiting in one holder."""

    __slots__ = ("env", "holder", "delay_after", "expire_after", "first", "wake_at", "token", "heap", "stuck", "pushed")

    def __init__(self, env: Environment, holder: Holder, delay_after: float, expire_after: float,
                 stuck: bool = False) -> None:  # fmt: skip
        self.env = env
        self.holder = holder
        self.delay_after = delay_after
        self.expire_after = expire_after
        self.first = min(delay_after, expire_after)  # a message may expire before its delay DSN is due
        self.wake_at = NEVER
        self.token: Completion | None = None
        self.heap: list = []
        self.stuck = stuck  # a holder that is always stuck (deferred sets, Unreachable) stays in heap mode
        self.pushed = 0

    def due(self, msg: Message) -> float:
        """The next deadline of a message: its delay DSN, or once that is sent, its expiry."""
        return msg.submitted_at + (self.expire_after if msg.delayed else self.first)

    def waiting(self, msg: Message) -> None:
        """`msg` starts waiting in the holder."""
        msg.waiting = self.holder
        due = msg.submitted_at + (self.expire_after if msg.delayed else self.first)
        if self.stuck:
            self.pushed += 1
            heappush(self.heap, (due, self.pushed, msg))
        if due < self.wake_at:
            self._wake(due)

    def set_stuck(self, stuck: bool) -> None:
        """The holder stopped flowing (heap mode) or flows again (the rare timer scans)."""
        if stuck == self.stuck:
            return
        self.stuck = stuck
        if stuck:
            self.heap = [(self.due(msg), i, msg) for i, msg in enumerate(self.holder.waiting_messages())]
            self.pushed = len(self.heap)
            heapify(self.heap)
        else:
            self.heap = []

    def _wake(self, at: float) -> None:
        self.wake_at = at
        self.token = self.env.call_later(max(at - self.env.now, 0.0), self._fire)

    def _fire(self, event: Completion) -> None:
        if event is not self.token:
            return  # an earlier deadline took its place
        self.token, self.wake_at = None, NEVER
        now, holder = self.env.now, self.holder
        upcoming = NEVER
        if self.stuck:
            heap = self.heap
            while heap and heap[0][0] <= now:
                msg = heappop(heap)[2]
                if msg.waiting is holder:
                    self._act(msg, now)
                    if msg.waiting is holder:
                        self.pushed += 1
                        heappush(heap, (self.due(msg), self.pushed, msg))
            upcoming = heap[0][0] if heap else NEVER
        else:
            for msg in list(holder.waiting_messages()):
                if self.due(msg) <= now:
                    self._act(msg, now)
                if msg.waiting is holder:
                    upcoming = min(upcoming, self.due(msg))
        if upcoming < NEVER:
            self._wake(upcoming)

    def _act(self, msg: Message, now: float) -> None:
        if now >= msg.submitted_at + self.expire_after:
            msg.waiting = None
            self.holder.expire(msg)
        elif not msg.delayed and now >= msg.submitted_at + self.delay_after:
            msg.delayed = True
            self.holder.notify_delay(msg)
