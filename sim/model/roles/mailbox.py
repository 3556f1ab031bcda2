"""Mailbox server: the Microsoft Exchange Mail Submission Service hands each new message to a Hub.

DOMAIN.md 1.1: the local Hub always, when this server also holds the Hub role and its Transport
service is up; otherwise round robin over the Hubs of this AD site that are up; never a Hub of another
site. While no Hub of the site is up the message waits in the Outbox and the service tries again
every `mail_submission.retry_interval`: nothing is lost.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from ...exchange.policies import RoundRobin
from ..message import Message

if TYPE_CHECKING:
    from ..engine import Environment


class MailboxServer:
    """One Mailbox server's Mail Submission Service and the Outbox messages wait in."""

    def __init__(
        self,
        env: Environment,
        name: str,
        index: int,
        site: str,
        selector: RoundRobin,
        retry_interval: float,
        recorder=None,
    ) -> None:
        self.env = env
        self.name = name
        self.index = index
        self.site = site
        self.selector = selector
        self.retry_interval = retry_interval
        self.outbox: deque[Message] = deque()
        self.retry_pending = False
        self.recorder = recorder  # set when keeping the message tracking log
        self._internal_ids = 0

    def submit(self, msg: Message) -> None:
        """A user sent `msg`: notify a Hub, or keep it in the Outbox while none is up."""
        if self.outbox:
            self.outbox.append(msg)  # keep order behind messages already waiting
            return
        hub = self.selector.choose()
        if hub is None:
            self.outbox.append(msg)
            self._retry_later()
        else:
            self._hand_to(hub, msg)

    def _hand_to(self, hub, msg: Message) -> None:
        """Notify the Hub (SUBMIT in this server's tracking log); its Store Driver takes the message."""
        if self.recorder is not None:
            self._internal_ids += 1
            msg.internal_id = self._internal_ids
            self.recorder.track(self.env.now, self.index, "SUBMIT", "STOREDRIVER", msg, hub.index)
        hub.submit_from_mailbox(msg)

    def _retry_later(self) -> None:
        if not self.retry_pending:
            self.retry_pending = True
            self.env.timeout(self.retry_interval).callbacks.append(self._retry_now)

    def _retry_now(self, _event) -> None:
        self.retry_pending = False
        while self.outbox:
            hub = self.selector.choose()
            if hub is None:
                self._retry_later()
                return
            self._hand_to(hub, self.outbox.popleft())

    def recipients_waiting(self) -> int:
        return sum(len(m.recipients) for m in self.outbox)
