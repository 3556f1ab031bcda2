"""Mail arriving from the Internet: remote MTAs sending to the organisation's MX, the Edges.

MX records of equal preference spread connections over the Edges: each message goes to an Edge drawn
at random among those up. While no Edge answers, the remote servers keep the mail and try again after
`internet.retry_interval`; it counts as still queued, never lost.

Besides `internet.inbound_rate`, a workload stated as a profile's received mail
(`workload.internet_inbound`: edges or hubs) adds the Internet share of it (sim.model.workload),
following the diurnal curve: to the Edges, or to the Internet-facing Hubs' SMTP Receive (MX pointing
at the Hubs, `workload.internet_hubs`, every Hub when empty), spread the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import TYPE_CHECKING

from ..exchange.policies import RetryPolicy
from ..exchange.timers import server_timers
from ..formats.record import NDR
from .message import Message
from .protocol import inbound_hook
from .retry import Outbox
from .sources import MailGenerator, PoissonSource, distinct
from .workload import internet_messages_per_day

if TYPE_CHECKING:
    from .context import Context
    from .roles.edge import EdgeTransport

REMOTE_GAVE_UP = "550 4.4.7 Remote sender gave up: no Edge accepted the message before it expired"
REMOTE_USERS = 1_000_000
"""Users that unknown recipients and Internet senders are drawn from."""


class InternetSenders(MailGenerator):
    """Poisson arrivals of inbound Internet mail at `internet.inbound_rate`."""

    def __init__(self, model: Context, edges: list[EdgeTransport], ids: count) -> None:
        internet = model.scenario.internet
        self.edges = edges
        self.ids = ids
        self.index = model.topology.index["Internet"]
        self.book = book = model.addresses
        self.born = model.recorder.birth_hook()
        self.unknown_share = internet.unknown_recipient_share
        streams = model.streams
        unit = streams.batched("internet/arrivals", lambda g, n: g.exponential(1.0, n)).next
        self.source = PoissonSource(model.env, unit, model.scenario.duration, self._arrive, rate=internet.inbound_rate)
        self._count = streams.sampler(internet.recipients, "internet/recipients").next
        self._size = streams.sampler(internet.size, "internet/sizes").next
        self._mailbox = streams.batched(
            "internet/recipient-mailboxes", lambda g, n: g.integers(0, max(book.mailboxes, 1), n)
        ).next
        self._unknown = streams.batched("internet/unknown", lambda g, n: g.random(n)).next
        self._user = streams.batched("internet/users", lambda g, n: g.integers(0, REMOTE_USERS, n)).next
        self._edge = streams.batched("internet/mx", lambda g, n: g.random(n)).next
        self.population = book.mailboxes + (REMOTE_USERS if self.unknown_share > 0 else 0)
        self.network = model.network
        self.recorder = model.recorder
        workload = model.scenario.workload
        if workload.internet_inbound == "hubs":
            hubs = model.hubs
            self.edges = [hubs[name] for name in workload.internet_hubs] or list(hubs.values())
        self.outbox = Outbox(model.env, RetryPolicy.constant(internet.retry_interval), self._choose_edge,
                             inbound_hook(model, self._hand_over), server_timers(model.scenario.transport, None, "Edge"),
                             self._gave_up)  # fmt: skip
        self.profile_source = None
        if workload.internet_inbound != "none" and self.edges:
            base = internet_messages_per_day(model.scenario) / 86400.0
            profile_unit = streams.batched("internet/profile-arrivals", lambda g, n: g.exponential(1.0, n)).next
            self.profile_source = PoissonSource(model.env, profile_unit, model.scenario.duration, self._arrive,
                                                hourly=[base * w for w in workload.hourly_weights],
                                                start_of_day=workload.start_of_day)  # fmt: skip
        self.generated = 0
        self.recipients_generated = 0

    def start(self) -> None:
        """Schedule the first message (none without an Edge to receive it)."""
        if self.edges:
            self.source.start()
            if self.profile_source is not None:
                self.profile_source.start()

    @staticmethod
    def _hand_over(server, msg: Message) -> None:
        """An Edge takes it on its Internet Receive connector; an Internet-facing Hub on its SMTP Receive."""
        if hasattr(server, "receive_internet"):
            server.receive_internet(msg)
        else:
            server.receive_smtp(msg)

    def _recipient(self) -> int:
        book = self.book
        if self.unknown_share and self._unknown() < self.unknown_share:
            return book.other(book.unknown_domain, self._user())
        return self._mailbox()

    def _recipients(self) -> list[int]:
        return distinct(self._recipient, self._count(), self.population)

    def _sender_address(self) -> int:
        return self.book.other(self.book.internet_domain, self._user())

    def _hand_on(self, msg: Message) -> None:
        self.outbox.put(msg)

    def _choose_edge(self) -> EdgeTransport | None:
        """An Edge that takes mail from the Internet now (MX hosts of equal preference), or None."""
        if not self.network.internet_reachable:
            return None
        up = [edge for edge in self.edges if edge.accepting_external]
        if not up and any(edge.up for edge in self.edges):
            self.recorder.refused_and_retried += 1  # refused with 452 4.3.1 under back pressure
        return up[int(self._edge() * len(up))] if up else None

    def _gave_up(self, msg: Message) -> None:
        """The remote sender's own expiry (Decision: the organisation's MessageExpirationTimeout): an NDR
        to the remote sender, counted here because the message was never accepted."""
        self.recorder.expire(msg)
        self.recorder.finished(msg, -1, self.outbox.timer.env.now, NDR, REMOTE_GAVE_UP)

    def held(self) -> Iterator[Message]:
        """Messages the remote senders still hold, waiting for an Edge."""
        return self.outbox.held()
