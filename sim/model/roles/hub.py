"""Hub Transport: Store Driver submission, the Submission queue and Categorizer, delivery queues.

The pipeline of one Hub (DOMAIN.md 1.2), declared in sim.model.pipelines.HUB, which builds its fixed stages:

    Store Driver submission ─┐                                     ┌─▶ mailbox delivery queue per local Mailbox server
                             ├─▶ Submission queue ─▶ Categorizer ─┼─▶ remote delivery queue per next-hop AD site
    SMTP Receive ────────────┘                                     ├─▶ queue per Send connector next hop (Edge, domain, smart host)
                                                                   └─▶ Unreachable queue, or an NDR

Every stage runs on the Hub's cores (`Cpu`), so `cores` bounds capacity; thread limits such as
MaxConcurrentMailboxDeliveries bound concurrency. The Categorizer bifurcates by next hop: one copy per
destination Mailbox server in this site, one per next-hop site or connector queue, never one per
recipient (sim/model/roles/categorizer.py). Where mail for a domain goes is decided once per domain and cached.
The Store Driver pulls from the Outboxes of its site with its submission threads and commits nothing at
High back pressure (sim/model/submission.py).
"""

from __future__ import annotations

from bisect import bisect_right
from functools import partial
from typing import TYPE_CHECKING

from ...exchange.send_connectors import limit_thresholds, size_and_recipient_verdict
from ..antivirus import categorizer_service
from ..message import Message
from ..pipelines import HUB
from ..resources import Pool
from ..station import UNBOUNDED, Station
from ..submission import SiteBacklog, has_free_thread
from .categorizer import DomainHops, bifurcate, poison_check
from .holding import PoisonQueue, UnreachableQueue
from .queues import MailboxDelivery
from .transport import TransportServer

if TYPE_CHECKING:
    from ...scenario.schema import Hub
    from ..context import Context


class HubTransport(TransportServer):
    """One Hub Transport server and its Microsoft Exchange Transport service."""

    role = "Hub"

    def __init__(self, model: Context, spec: Hub, site: str) -> None:
        super().__init__(model, spec, site)
        self.submissions = 0  # messages handed over by Mail Submission Services
        self.categorized = 0
        # the fixed stages, as the pipeline declares them (sim.model.pipelines.HUB)
        self.categorizer = self.stage_from(HUB["categorizer"], spec.categorizer_threads,
                                           service=categorizer_service(model, self.name))  # antivirus  # fmt: skip
        checks_needed = self.track is not None or self._limits_apply(model) or _monitored(model, spec)
        encryption = _mapi_encryption_costs(model)
        self.submit = self.stage_from(
            HUB["submit"], spec.max_concurrent_mailbox_submissions, then=None if checks_needed else self._taken,
            kind=partial(EncryptedStoreDriver, encryption) if encryption else Station,
        )  # fmt: skip
        self.receive = self.stage_from(HUB["receive"], UNBOUNDED)
        for station in (self.submit, self.receive, self.categorizer):
            self.add(station)
        self.unreachable = self.add(UnreachableQueue(model, self))
        self.poison_queue = self.add(PoisonQueue(model, self))
        self.is_poison = poison_check(model, self)
        self.delivery_threads = Pool(spec.max_concurrent_mailbox_deliveries, "delivery_threads")
        self.backlog = SiteBacklog()  # the Outboxes of this site (set by connect)
        self.outbox_of: dict[int, object] = {}  # this site's Mailbox servers by index: where a refused message goes
        self.mailbox_hop: list = []  # by destination Mailbox server index
        self.slot_bounds, self.slot_hop = [], []  # the next hop of mailbox m: slot_hop[bisect_right(slot_bounds, m)]
        self.domain_hops = DomainHops(self, model.router.for_domain)
        self.book = model.addresses
        self.mailboxes = model.addresses.mailboxes
        self.server_of = model.topology.mailbox_server_of
        self.limits = model.scenario.limits
        self.largest, self.most_recipients = limit_thresholds(self.limits)
        self.log_submitted = model.recorder.logger(self.index, model.env, "RECEIVE", "STOREDRIVER")
        self.log_delivered = model.recorder.logger(self.index, model.env, "DELIVER", "STOREDRIVER")

    @staticmethod
    def _limits_apply(model: Context) -> bool:
        limits = model.scenario.limits
        return any(
            limit is not None
            for limit in (limits.max_send_size, limits.max_receive_size, limits.max_recipient_envelope_limit)
        )

    def thread_limits(self) -> list[tuple[str, list[Station], int]]:
        """Store Driver submission, categorizer and delivery threads, and outbound connections."""
        deliveries = [s for s in self.stations if s.pool is self.delivery_threads]
        return [
            ("submission_threads", [self.submit], self.submit.limit),
            ("categorizer_threads", [self.categorizer], self.categorizer.limit),
            ("delivery_threads", deliveries, self.delivery_threads.capacity),
            *super().thread_limits(),
        ]

    def connect(self, mailbox_servers: dict, backlog: SiteBacklog) -> None:
        """Make a mailbox delivery queue per local Mailbox server, and find the next hop of every other one;
        `backlog` is the Outboxes of this site, which the Store Driver pulls from."""
        model, topology = self.model, self.model.topology
        self.backlog = backlog
        self.outbox_of = {server.index: server for server in backlog.mailbox_servers}
        self.mailbox_hop = [None] * len(topology.servers)
        for name in topology.mailbox_servers:
            index = topology.index[name]
            site = topology.server_site[index]
            if site == self.site:
                sampler, per_kb, per_rcpt = model.service(self.name, HUB["mailbox_delivery"].service, name)
                extra = _mapi_encryption_costs(model).get(index, 0.0)
                if extra:
                    sampler = _Plus(sampler, extra)
                declared = HUB["mailbox_delivery"]  # one queue per Mailbox server, named after it
                station = self.add(self.stage(
                    name, declared.delivery_type, self.spec.max_concurrent_mailbox_deliveries, declared.service,
                    partial(self._deliver, index), service=(sampler, per_kb, per_rcpt), pool=self.delivery_threads,
                    kind=MailboxDelivery,
                ))  # fmt: skip
                station.mailbox, station.next_hop = mailbox_servers[name], name
                station.setup(self)
                mailbox_servers[name].delivery_queues.append(station)
            else:
                station = model.router.site_queue(self, site)
            self.mailbox_hop[index] = station
        self.slot_bounds, servers = topology.mailbox_slots()
        self.slot_hop = [self.mailbox_hop[index] for index in servers]  # mailbox_hop[server_of(m)], one C call

    # -- entry points ----------------------------------------------------------------------------
    def submit_from_mailbox(self, msg: Message) -> None:
        """The Store Driver picks up a message from a Mailbox server's Outbox."""
        self.submissions += 1
        msg.path.append(self.index)
        self.submit.put(msg)

    def _pull(self) -> None:
        """A submission thread came free: the Store Driver takes the oldest message waiting for this Hub."""
        if self.accepting and not self.submit.zero and has_free_thread(self):
            server = self.backlog.oldest_for(self)
            if server is not None:
                server.hand_next(self)

    # -- pipeline --------------------------------------------------------------------------------
    def _taken(self, msg: Message) -> None:
        """Store Driver submission done, with nothing to check: the thread takes the next message."""
        if self.backlog.waiting:
            self._pull()
        self.categorizer.put(msg)

    def _submitted(self, msg: Message) -> None:
        """Store Driver submission committed the message: log RECEIVE, apply organisation limits.

        At High nothing is committed: the message is still in its Outbox (sim/model/submission.py).
        """
        if not self.accepting:
            self.submissions -= 1
            msg.path.pop()
            self.outbox_of[msg.origin].refused(msg)
            return
        if self.backlog.waiting:
            self._pull()
        self.held_bytes += msg.size
        if self.track is not None:
            self.new_internal_id(msg)
            self.log_submitted(msg, msg.path[-2])
        if msg.size > self.largest or len(msg.recipients) > self.most_recipients:
            self.ndr(msg, size_and_recipient_verdict(msg.size, len(msg.recipients), self.limits).status())
        else:
            self.categorizer.put(msg)

    def _route(self, msg: Message) -> None:
        """Categorizer done: bifurcate by next hop and queue each copy (or crash, for a poison message)."""
        if self.is_poison is not None and self.is_poison(msg):
            self.crash(self.categorizer, msg)
            return
        self.categorized += 1
        recipients = msg.recipients
        mailboxes, bounds, hops = self.mailboxes, self.slot_bounds, self.slot_hop
        if len(recipients) == 1:
            recipient = recipients[0]
            if recipient < mailboxes:  # the common case: nothing to bifurcate
                hops[bisect_right(bounds, recipient)].put(msg)
            else:
                self._hop(recipient, msg).put(msg)
            return
        bifurcate(self, msg, self._hop)  # several recipients: one copy per next hop

    def _hop(self, recipient: int, msg: Message):
        """A mailbox's delivery queue (or the remote queue toward its site); else where its domain goes."""
        if recipient < self.mailboxes:
            return self.slot_hop[bisect_right(self.slot_bounds, recipient)]
        return self.domain_hops.hop(self.book.domain_index(recipient), msg.size)

    def _deliver(self, mailbox_server: int, msg: Message) -> None:
        """Store Driver delivery done: the recipients are in their mailboxes."""
        if self.track is not None:
            self.log_delivered(msg, mailbox_server)
        msg.path.append(mailbox_server)
        self.held_bytes -= msg.size
        self.recorder.finished(msg, mailbox_server, self.model.env.now)

    def stop(self) -> None:
        """Stop the Transport service; delivery threads waited for are given up too."""
        super().stop()
        self.delivery_threads.waiters.clear()


def _monitored(model: Context, spec) -> bool:
    """Whether back pressure watches this Hub (its queue database must then count what is committed)."""
    return (spec.back_pressure or model.scenario.back_pressure).enabled


def _mapi_encryption_costs(model: Context) -> dict[int, float]:
    """Extra Store Driver core time per message, by Mailbox server index, where MAPI encryption is required."""
    return {
        model.topology.index[m.name]: m.mapi_encryption_cost
        for site in model.scenario.sites
        for m in site.mailbox_servers
        if m.mapi_encryption_required and m.mapi_encryption_cost > 0
    }


class _Plus:
    """A sampler plus a constant (MAPI encryption's extra work on every delivery to one Mailbox server)."""

    __slots__ = ("_next", "extra")

    def __init__(self, sampler, extra: float) -> None:
        self._next = sampler.next
        self.extra = extra

    def next(self) -> float:
        """A draw of the sampler, plus the extra."""
        return self._next() + self.extra


class EncryptedStoreDriver(Station):
    """Store Driver submission where some Mailbox servers require MAPI encryption: their mail costs more."""

    __slots__ = ("extra_by_origin",)

    def __init__(self, extra_by_origin: dict[int, float], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extra_by_origin = extra_by_origin
        self.zero = False  # encrypted traffic always costs something

    def service_time(self, msg: Message) -> float:
        """The stage's time, plus MAPI encryption's cost for mail from a server that requires it."""
        return super().service_time(msg) + self.extra_by_origin.get(msg.origin, 0.0)
