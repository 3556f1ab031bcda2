"""Hub Transport: Store Driver submission, the Submission queue and Categorizer, delivery queues.

The pipeline of one Hub (DOMAIN.md 1.2):

    Store Driver submission ─┐                                     ┌─▶ mailbox delivery queue per local Mailbox server
                             ├─▶ Submission queue ─▶ Categorizer ─┼─▶ remote delivery queue per next-hop AD site
    SMTP Receive ────────────┘                                     ├─▶ queue per Send connector next hop (Edge, domain, smart host)
                                                                   └─▶ Unreachable queue, or an NDR

Every stage runs on the Hub's cores (`Cpu`), so `cores` bounds capacity; thread limits such as
MaxConcurrentMailboxDeliveries bound concurrency. The Categorizer bifurcates by next hop: one copy per
destination Mailbox server in this site, one per next-hop site or connector queue, never one per
recipient. Where mail for a domain goes is decided once per domain (sim/routing.py) and cached.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ..message import Message
from ..station import Pool, Station
from .queues import UnreachableQueue
from .transport import TransportServer

if TYPE_CHECKING:
    from ...scenario.schema import Hub
    from ..organisation import Model


class HubTransport(TransportServer):
    """One Hub Transport server and its Microsoft Exchange Transport service."""

    role = "Hub"

    def __init__(self, model: Model, spec: Hub, site: str) -> None:
        super().__init__(model, spec, site)
        self.submissions = 0  # messages handed over by Mail Submission Services
        self.categorized = 0
        env, hop_log, cpu = model.env, model.hop_log, self.cpu
        stage = partial(model.service, self.name)
        self.categorizer = Station(
            env,
            self.name,
            "Submission",
            "Undefined",
            spec.categorizer_threads,
            stage("categorizer"),
            self._route,
            cpu=cpu,
            hop_log=hop_log,
        )
        checks_needed = self.track is not None or self._limits_apply(model)
        encryption = _mapi_encryption_costs(model)
        submit_class = partial(EncryptedStoreDriver, encryption) if encryption else Station
        self.submit = submit_class(
            env,
            self.name,
            "StoreDriverSubmission",
            "Stage",
            spec.max_concurrent_mailbox_submissions,
            stage("store_driver_submit"),
            self._submitted if checks_needed else self.categorizer.put,
            cpu=cpu,
            hop_log=hop_log,
        )
        self.receive = Station(
            env,
            self.name,
            "SmtpReceive",
            "Stage",
            1_000_000,
            stage("smtp_receive"),
            self._received,
            cpu=cpu,
            hop_log=hop_log,
        )
        for station in (self.submit, self.receive, self.categorizer):
            self.add(station)
        self.unreachable = self.add(UnreachableQueue(model, self, self.ndr))
        self.delivery_threads = Pool(spec.max_concurrent_mailbox_deliveries)
        self.mailbox_hop: list = []  # by destination Mailbox server index
        self.domain_hop: dict[int, tuple] = {}  # by recipient domain index: (destination, max size)
        self.book = model.addresses
        self.mailboxes = model.addresses.mailboxes
        self.server_of = model.topology.mailbox_server_of
        limits = model.scenario.limits
        self.max_send = limits.max_send_size if limits.max_send_size is not None else float("inf")
        self.max_recipients = (
            limits.max_recipient_envelope_limit if limits.max_recipient_envelope_limit is not None else float("inf")
        )

    @staticmethod
    def _limits_apply(model: Model) -> bool:
        limits = model.scenario.limits
        return limits.max_send_size is not None or limits.max_recipient_envelope_limit is not None

    def connect(self) -> None:
        """Make a mailbox delivery queue per local Mailbox server, and find the next hop of every other one."""
        model, topology = self.model, self.model.topology
        self.mailbox_hop = [None] * len(topology.servers)
        for name in topology.mailbox_servers:
            index = topology.index[name]
            site = topology.server_site[index]
            if site == self.site:
                sampler, per_kb, per_rcpt = model.service(self.name, "store_driver_deliver", name)
                extra = _mapi_encryption_costs(model).get(index, 0.0)
                if extra:
                    sampler = _Plus(sampler, extra)
                station = self.add(
                    Station(
                        model.env,
                        self.name,
                        name,
                        "MapiDelivery",
                        self.spec.max_concurrent_mailbox_deliveries,
                        (sampler, per_kb, per_rcpt),
                        partial(self._deliver, index),
                        cpu=self.cpu,
                        pool=self.delivery_threads,
                        hop_log=model.hop_log,
                    )
                )
            else:
                station = model.router.site_queue(self, site)
            self.mailbox_hop[index] = station

    # -- entry points ----------------------------------------------------------------------------
    def submit_from_mailbox(self, msg: Message) -> None:
        """The Store Driver picks up a message from a Mailbox server's Outbox."""
        self.submissions += 1
        msg.path.append(self.index)
        self.submit.put(msg)

    # -- pipeline --------------------------------------------------------------------------------
    def _submitted(self, msg: Message) -> None:
        """Store Driver submission committed the message: log RECEIVE, apply organisation limits."""
        if self.track is not None:
            self.new_internal_id(msg)
            self.track("RECEIVE", "STOREDRIVER", msg, peer=msg.path[-2])
        if msg.size > self.max_send:
            self.ndr(msg, "550 5.3.4 Message size exceeds fixed maximum message size")
        elif len(msg.recipients) > self.max_recipients:
            self.ndr(msg, "550 5.5.3 Too many recipients")
        else:
            self.categorizer.put(msg)

    def _route(self, msg: Message) -> None:
        """Categorizer done: bifurcate by next hop and queue each copy."""
        self.categorized += 1
        recipients = msg.recipients
        mailboxes = self.mailboxes
        if len(recipients) == 1:
            recipient = recipients[0]
            if recipient < mailboxes:
                self.mailbox_hop[self.server_of(recipient)].put(msg)
            else:
                self._other_hop(recipient, msg).put(msg)
            return
        groups: dict[object, list[int]] = {}
        for recipient in recipients:
            if recipient < mailboxes:
                hop = self.mailbox_hop[self.server_of(recipient)]
            else:
                hop = self._other_hop(recipient, msg)
            if hop in groups:
                groups[hop].append(recipient)
            else:
                groups[hop] = [recipient]
        if len(groups) == 1:
            next(iter(groups)).put(msg)
            return
        first = True
        for hop, group in groups.items():
            copy = msg.copy_for(group)
            if self.track is not None and not first:
                original = msg.internal_id
                self.new_internal_id(copy)
                self.track("TRANSFER", "ROUTING", copy, reference=str(original))
            first = False
            hop.put(copy)

    def _other_hop(self, recipient: int, msg: Message):
        """Where mail for a recipient outside our mailboxes goes: cached per domain, rechecked for size."""
        domain = self.book.domain_index(recipient)
        hop = self.domain_hop.get(domain)
        if hop is None:  # decided for the smallest message, valid up to the chosen route's size limit
            hop = self.domain_hop[domain] = self.model.router.for_domain(self, domain, 0.0)
        if msg.size > hop[1]:
            return self.model.router.for_domain(self, domain, msg.size)[0]
        return hop[0]

    def _deliver(self, mailbox_server: int, msg: Message) -> None:
        """Store Driver delivery done: the recipients are in their mailboxes."""
        if self.track is not None:
            self.track("DELIVER", "STOREDRIVER", msg, peer=mailbox_server)
        msg.path.append(mailbox_server)
        self.recorder.finished(msg, mailbox_server, self.model.env.now)

    def stop(self) -> None:
        super().stop()
        self.delivery_threads.waiters.clear()


def _mapi_encryption_costs(model: Model) -> dict[int, float]:
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
        return self._next() + self.extra


class EncryptedStoreDriver(Station):
    """Store Driver submission where some Mailbox servers require MAPI encryption: their mail costs more."""

    __slots__ = ("extra_by_origin",)

    def __init__(self, extra_by_origin: dict[int, float], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extra_by_origin = extra_by_origin
        self.zero = False  # encrypted traffic always costs something

    def service_time(self, msg: Message) -> float:
        return super().service_time(msg) + self.extra_by_origin.get(msg.origin, 0.0)
