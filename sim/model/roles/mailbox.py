"""Mailbox server: the Microsoft Exchange Mail Submission Service hands each new message to a Hub.

DOMAIN.md 1.1: the local Hub always, when this server also holds the Hub role and its Transport
service is up; otherwise round robin over the Hubs of this AD site that are up; never a Hub of another
site. While no Hub of the site is up the message waits in the Outbox and the service tries again
every `mail_submission.retry_interval`: nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...exchange.policies import RetryPolicy, RoundRobin
from ..message import Message
from ..retry import Outbox

if TYPE_CHECKING:
    from ..engine import Environment
    from ..recorder import Tracker


class MailboxServer:
    """One Mailbox server's Mail Submission Service and the Outbox messages wait in."""

    def __init__(self, env: Environment, name: str, index: int, site: str, selector: RoundRobin,
                 retry_interval: float, track: Tracker | None = None) -> None:  # fmt: skip
        self.name = name
        self.index = index
        self.site = site
        self.selector = selector
        self.outbox = Outbox(env, RetryPolicy(retry_interval), selector.choose, self._hand_to)
        self.track = track  # the tracking log's SUBMIT events, when it is kept
        self._internal_ids = 0
        self.submit = self.outbox.put
        """A user sent a message: notify a Hub, or keep it in the Outbox while none is up."""

    def _hand_to(self, hub, msg: Message) -> None:
        """Notify the Hub (SUBMIT in this server's tracking log); its Store Driver takes the message."""
        if self.track is not None:
            self._internal_ids += 1
            msg.internal_id = self._internal_ids
            self.track("SUBMIT", "STOREDRIVER", msg, hub.index)
        hub.submit_from_mailbox(msg)

    def held(self) -> Iterator[Message]:
        """Messages still in the Outbox."""
        return self.outbox.held()
