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
from .engine import Environment
from .message import Message

T = TypeVar("T")


class RetryTimer:
    """Calls `again()` after the policy's delay for the current attempt; one pending timer at a time."""

    __slots__ = ("env", "policy", "again", "pending", "failures")

    def __init__(self, env: Environment, policy: RetryPolicy, again: Callable[[], None]) -> None:
        self.env = env
        self.policy = policy
        self.again = again
        self.pending = False
        self.failures = 0  # consecutive attempts that found no next hop

    def schedule(self) -> None:
        """An attempt failed: try again after the policy's delay (unless a retry is already pending)."""
        if not self.pending:
            self.pending = True
            self.failures += 1
            self.env.call_later(self.policy.delay(self.failures), self._fire)

    def succeeded(self) -> None:
        """The next hop answered: the next failure starts the policy's schedule from the beginning."""
        self.failures = 0

    def _fire(self, _event) -> None:
        self.pending = False
        self.again()


class Outbox(Generic[T]):
    """Messages waiting, in order, for `choose()` to name a next hop; each is then passed to `send(hop, msg)`."""

    __slots__ = ("choose", "send", "waiting", "timer")

    def __init__(self, env: Environment, policy: RetryPolicy, choose: Callable[[], T | None],
                 send: Callable[[T, Message], None]) -> None:  # fmt: skip
        self.choose = choose
        self.send = send
        self.waiting: deque[Message] = deque()
        self.timer = RetryTimer(env, policy, self._again)

    def put(self, msg: Message) -> None:
        """Send at once if a next hop is up and nothing waits ahead; else wait (in order) for a retry."""
        if self.waiting:
            self.waiting.append(msg)  # keep order behind messages already waiting
            return
        hop = self.choose()
        if hop is None:
            self.waiting.append(msg)
            self.timer.schedule()
        else:
            self.send(hop, msg)

    def _again(self) -> None:
        while self.waiting:
            hop = self.choose()
            if hop is None:
                self.timer.schedule()
                return
            self.send(hop, self.waiting.popleft())
        self.timer.succeeded()

    def held(self) -> Iterator[Message]:
        """The messages waiting."""
        return iter(self.waiting)
