"""The mail users send: one Poisson source per Mailbox server, shaped by a diurnal curve.

The rate of a server is mailboxes x sent-per-mailbox-per-day / 86,400 s, times the hour's diurnal
weight (weights have mean 1, so a day's total matches the profile); sim.model.sources makes the
arrivals. In fixed-rate mode (`workload.rate`) each server is a plain Poisson source, for validation.

Each message draws its recipient count, recipients (uniform over the organisation's mailboxes) and size
from streams named after the server, so adding a server leaves every other server's mail unchanged.

Received mail (`workload.internet_inbound`: edges or hubs). A profile is published as messages sent
and received per mailbox per day (light 5/20, average 10/40, heavy 20/80, very heavy 30/120). What a
mailbox receives is internal mail plus mail from the Internet. Internal mail is what users send to
each other: S sent x k recipients x f internal share (1 - unknown_share - the other domains' shares)
recipients a sending mailbox generates a day, spread uniformly over every mailbox. The rest of the
received figure, R x mailboxes - S x k x f x sending mailboxes recipients a day (never below 0), comes
from the Internet (`internet_received_per_day`). Decision: the received figure counts mail that reaches
the mailbox, so the Internet must offer more: divided by the share of inbound recipients that survive,
(1 - internet.unknown_recipient_share) x the product of (1 - reject_share) of the enabled anti-spam
agents at an Edge (Internet-facing Hubs run no anti-spam in this model, so only unknown recipients are
lost there), then divided by internet.recipients' mean to count messages. Internet mail follows the
same diurnal curve as users' mail.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import accumulate, count

from ..formats.addresses import AddressBook
from ..scenario.schema import Scenario, Workload
from .engine import Environment
from .message import Message
from .random import Streams
from .sources import MailGenerator, PoissonSource, distinct

OTHER_USERS = 100_000
"""Users per domain outside the organisation's mailboxes that recipients are drawn from."""


class MailSource(MailGenerator):
    """Users of one Mailbox server sending mail."""

    def __init__(
        self, env: Environment, workload: Workload, streams: Streams, server: str, server_index: int,
        mailboxes: int, first_mailbox: int, book: AddressBook, ids: count, stop_at: float,
        submit: Callable[[Message], None], born: Callable[[Message], None] | None,
    ) -> None:  # fmt: skip
        self.index = server_index
        self.ids = ids
        self._hand_on = submit
        self.born = born
        self.generated = 0
        self.recipients_generated = 0
        self.first_mailbox = first_mailbox
        unit = streams.batched(f"arrivals/{server}", lambda g, n: g.exponential(1.0, n)).next
        if workload.rate is not None:
            self.source = PoissonSource(env, unit, stop_at, self._arrive, rate=workload.rate)
        else:
            base = mailboxes * workload.sent_per_day / 86400.0
            self.source = PoissonSource(env, unit, stop_at, self._arrive, hourly=[base * w for w in
                                        workload.hourly_weights], start_of_day=workload.start_of_day)  # fmt: skip
        self._count = streams.sampler(workload.recipients, f"recipients/{server}").next
        total_mailboxes = book.mailboxes
        self._recipient = streams.batched(
            f"recipient-mailboxes/{server}", lambda g, n: g.integers(0, total_mailboxes, n)
        ).next
        # recipients outside our mailboxes: cumulative shares of (unknown, domain 1, domain 2, ...)
        shares = [workload.unknown_share] + [d.share for d in workload.domains]
        self._other_bounds = list(accumulate(shares)) if sum(shares) > 0 else None
        self.population = total_mailboxes + OTHER_USERS * sum(1 for share in shares if share > 0)
        if self._other_bounds is not None:
            self._book = book
            self._kind = streams.batched(f"recipient-kinds/{server}", lambda g, n: g.random(n)).next
            self._user = streams.batched(f"recipient-users/{server}", lambda g, n: g.integers(0, OTHER_USERS, n)).next
        self._sender = streams.batched(f"senders/{server}", lambda g, n: g.integers(0, max(mailboxes, 1), n)).next
        self._size = streams.sampler(workload.size, f"sizes/{server}").next

    def start(self) -> None:
        """Schedule the first message."""
        self.source.start()

    def _mixed_recipient(self) -> int:
        """A mailbox, or with the configured shares an unknown address or one in another domain."""
        draw = self._kind()
        for index, bound in enumerate(self._other_bounds):
            if draw < bound:
                return self._book.other(index, self._user())  # index 0 is the unknown-user domain
        return self._recipient()

    def _recipients(self) -> list[int]:
        draw = self._recipient if self._other_bounds is None else self._mixed_recipient
        return distinct(draw, self._count(), self.population)

    def _sender_address(self) -> int:
        return self.first_mailbox + self._sender()


def internet_received_per_day(scenario: Scenario) -> float:
    """Recipients a day the Internet must deliver to mailboxes for the profile's received figure (see above)."""
    workload = scenario.workload
    internal = 1.0 - workload.unknown_share - sum(d.share for d in workload.domains)
    servers = [m for site in scenario.sites for m in site.mailbox_servers]
    sending = sum(m.mailboxes for m in servers if m.sends_mail)
    sent_recipients = workload.sent_per_day * workload.recipients.mean_value * internal * sending
    return max(0.0, workload.received_per_day * sum(m.mailboxes for m in servers) - sent_recipients)


def internet_messages_per_day(scenario: Scenario) -> float:
    """Messages a day arriving from the Internet (at the Edges or the Internet-facing Hubs) for that figure."""
    internet = scenario.internet
    survive = 1.0 - internet.unknown_recipient_share
    if scenario.workload.internet_inbound == "edges":
        for agent in internet.antispam:
            if agent.enabled:
                survive *= 1.0 - agent.reject_share
    if survive <= 0:
        return 0.0
    return internet_received_per_day(scenario) / survive / internet.recipients.mean_value
