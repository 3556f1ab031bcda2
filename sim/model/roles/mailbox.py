"""Mailbox server: the Microsoft Exchange Mail Submission Service hands each new message to a Hub.

DOMAIN.md 1.1: the local Hub always, when this server also holds the Hub role and takes mail;
otherwise round robin over the Hubs of this AD site that take mail (Transport service up, back
pressure below High) and have a submission thread free; never a Hub of another site. While none does,
the message waits in the Outbox: a Hub's Store Driver takes it when a thread comes free, and the
service tries again every `mail_submission.retry_interval` (sim.model.submission). While the Mailbox server itself
is down its users' mail waits in their Outboxes and nothing can be delivered to its mailboxes (the
Hubs' delivery queues to it go to Retry). Mail that waits long enough gets a delay DSN, then expires
(MessageExpirationTimeout) into an NDR: nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...exchange.policies import RetryPolicy, RoundRobin
from ...exchange.status import DELAYED, EXPIRED
from ...exchange.timers import server_timers
from ...formats.record import NDR
from ..message import Message
from ..submission import SiteBacklog, SubmissionOutbox, has_free_thread

if TYPE_CHECKING:
    from ..engine import Environment
    from ..recorder import Recorder


class MailboxServer:
    """One Mailbox server's Mail Submission Service and the Outbox messages wait in."""

    def __init__(self, env: Environment, name: str, index: int, site: str, selector: RoundRobin,
                 retry_interval: float, recorder: Recorder, transport, backlog: SiteBacklog) -> None:  # fmt: skip
        self.env = env
        self.name = name
        self.index = index
        self.site = site
        self.selector = selector
        self.recorder = recorder
        self.up = True
        self.down = 0  # faults holding the server down
        self.delivery_queues: list = []  # the Hubs' delivery queues to this server
        self.outbox = SubmissionOutbox(env, RetryPolicy.constant(retry_interval), self._choose, self._hand_to,
                                       server_timers(transport, None, "Hub"), self._expired, self._delayed,
                                       backlog)  # fmt: skip
        backlog.mailbox_servers.append(self)
        self.track = recorder.logger(index, env, "SUBMIT", "STOREDRIVER")  # the tracking log's SUBMIT events, if kept
        # a delay DSN for mail waiting in the Outbox gets its row in this server's log, as every DSN does
        self.track_delay = recorder.logger(index, env, "DSN", "DSN", status=DELAYED.status(400))
        self.submit = self.outbox.put
        """A user sent a message: notify a Hub, or keep it in the Outbox while none takes it."""

    @property
    def outbox_blocked(self) -> bool:
        """No Hub could take mail from this Outbox now: the server is down, or no Hub of its site is up below High
        (its mail waits for that, not for a thread: sim.results.overload leaves such time out)."""
        return not self.up or not any(hub.accepting for hub in self.selector.hubs)

    def _choose(self):
        if not self.up:
            return None
        hub = self.selector.choose()
        if hub is not None:
            submit = hub.submit
            if submit.busy < submit.limit:  # the usual case: the Hub in turn has a submission thread free
                return hub
            hub = self.selector.choose(has_free_thread)  # the next one in turn that has (the rotation is the same)
        if hub is None:
            hubs = self.selector.hubs
            if any(h.up for h in hubs) and not any(h.accepting for h in hubs):
                self.recorder.refused_and_retried += 1  # a Hub is up but back pressure refuses the submission
        return hub

    def _hand_to(self, hub, msg: Message) -> None:
        """Notify the Hub (SUBMIT in this server's tracking log: no internal-message-id, the message is in no
        queue database yet); its Store Driver takes the message."""
        if self.track is not None:
            self.track(msg, hub.index)
        hub.submit_from_mailbox(msg)

    def hand_next(self, hub) -> None:
        """`hub`'s Store Driver has a submission thread free: it takes the head of this Outbox."""
        self._hand_to(hub, self.outbox.take())

    def refused(self, msg: Message) -> None:
        """The Hub did not commit the message (back pressure reached High): it waits in the Outbox again."""
        self.recorder.refused_and_retried += 1
        self.outbox.put_back(msg)

    def _expired(self, msg: Message) -> None:
        self.recorder.expire(msg)
        self.recorder.finished(msg, -1, self.env.now, NDR, EXPIRED.status())

    def _delayed(self, msg: Message) -> None:
        self.recorder.delay_dsns += len(msg.recipients)
        if self.track_delay is not None:  # its own index as peer: the results log it as the Mailbox role
            self.track_delay(msg, self.index)

    def stop(self) -> None:
        """A fault takes the server down: its users cannot submit, its mailboxes cannot be delivered to."""
        self.down += 1
        if self.down == 1:
            self.up = False
            for queue in self.delivery_queues:
                queue.fast_start = False  # the next delivery attempt finds it down

    def start(self) -> None:
        """The fault ends: once none holds it down, the server is back (retries pick it up)."""
        self.down -= 1
        if self.down == 0:
            self.up = True
            for queue in self.delivery_queues:
                queue.fast_start = True

    def held(self) -> Iterator[Message]:
        """Messages still in the Outbox."""
        return self.outbox.held()
