"""Store Driver submission as Exchange does it: the Hub pulls from the Outboxes with its submission threads.

DOMAIN.md 1.1: the Mail Submission Service notifies a Hub of its site; the Hub's Store Driver then
fetches the message from the sender's Outbox over MAPI and commits it to its queue database. A Hub at
its MaxConcurrentMailboxSubmissions limit cannot take another (E2007 bb218581 lists it as a cause of
event 1009), and at High back pressure the Store Driver "stops taking messages from Mailbox servers"
(DOMAIN.md 6). So a message not yet picked up is still in the Mailbox server's Outbox, never on the
Hub's drive. The model follows that:

- The Mailbox server hands a message only to a Hub with a free submission thread (sim.exchange.policies
  RoundRobin, its local Hub first); a Hub never queues submissions of its own. With every thread busy the
  message stays in the Outbox.
- Pull with N threads: when a submission thread comes free on a Hub below High, its Store Driver takes
  the oldest message waiting in an Outbox of its site that may use it (a Mailbox server whose local Hub
  takes mail uses only that Hub). So a Hub holds at most N submissions, and mail flows as fast as its
  threads allow, without waiting for a retry.
- At High a Hub pulls nothing, and a submission that ends while it is at High is not committed: the
  message goes back to the head of its Outbox (Decision: the commit is the moment the Hub takes the
  message; DOMAIN.md does not say what becomes of a submission in progress when High is reached).
- Mail waiting in an Outbox is retried every `mail_submission.retry_interval` (UNCONFIRMED: DOMAIN.md
  1.1 has no number), and a retry hands each Hub only what its free threads take, never a backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..exchange.policies import RetryPolicy
from ..exchange.timers import Timers
from .engine import Environment
from .message import Message
from .retry import Outbox

HubTransport = MailboxServer = Any  # sim.model.roles: they import this module, so it names them only here


class SiteBacklog:
    """The Outboxes of one AD site's Mailbox servers, and how many messages wait in them for a Hub."""

    __slots__ = ("mailbox_servers", "waiting")

    def __init__(self) -> None:
        self.mailbox_servers: list[MailboxServer] = []
        self.waiting = 0  # messages in the site's Outboxes: a Hub whose thread comes free looks only when > 0

    def oldest_for(self, hub: HubTransport) -> MailboxServer | None:
        """The Mailbox server (up) whose Outbox head waited longest among those that may submit to `hub`."""
        best, best_at = None, 0.0
        for server in self.mailbox_servers:
            waiting = server.outbox.waiting
            if not waiting or not server.up:
                continue
            local = server.selector.local
            if local is not None and local is not hub and local.accepting:
                continue  # its local Hub takes mail: it always submits there (DOMAIN.md 1.1)
            at = waiting[0].submitted_at
            if best is None or at < best_at:
                best, best_at = server, at
        return best


class SubmissionOutbox(Outbox):
    """A Mailbox server's Outbox: a retry hands each Hub what its free threads take; Hubs pull the rest."""

    __slots__ = ("backlog", "entered")

    def __init__(self, env: Environment, policy: RetryPolicy, choose: Callable, send: Callable, timers: Timers,
                 on_expire: Callable[[Message], None], on_delay: Callable[[Message], None],
                 backlog: SiteBacklog) -> None:  # fmt: skip
        super().__init__(env, policy, choose, send, timers, on_expire, on_delay)
        self.backlog = backlog
        self.entered = 0  # messages that began to wait here (the overload test's entries, sim.results.overload)

    def _wait(self, msg: Message) -> None:
        super()._wait(msg)
        self.backlog.waiting += 1
        self.entered += 1

    def take(self) -> Message:
        """The head of the Outbox, taken by a Hub's Store Driver."""
        self.backlog.waiting -= 1
        return super().take()

    def put_back(self, msg: Message) -> None:
        """A Hub did not commit the message (High): it is still in the Outbox, first in line for the retry."""
        self.waiting.appendleft(msg)
        if self.deadlines is not None:
            self.deadlines.waiting(msg)
        self.backlog.waiting += 1
        self.entered += 1
        self.timer.schedule()

    def expire(self, msg: Message) -> None:
        """A message expired while waiting here."""
        self.backlog.waiting -= 1
        super().expire(msg)


def has_free_thread(hub: HubTransport) -> bool:
    """A Store Driver submission thread of `hub` is free (MaxConcurrentMailboxSubmissions)."""
    submit = hub.submit
    return submit.busy < submit.limit
