"""Edge Transport: Internet mail in through the anti-spam agents to the Hubs; outbound mail to the Internet.

Declared in sim.model.pipelines.EDGE, which builds its fixed stages:

    Internet ─▶ SMTP Receive limits ─▶ anti-spam agents ─▶ Submission queue ─▶ Categorizer ─┬─▶ EdgeSync inbound queue ─▶ Hubs of the subscribed site
    Hubs ─────▶ SMTP Receive ──────────────────────────────▶ Submission queue ──────────────┴─▶ queue per remote domain ─▶ Internet

The agents run in DOMAIN.md 1.3 order (connection, sender, recipient filtering, Sender ID, content,
attachment, antivirus), each inspecting only what the ones before let through; the chain is one
station whose service time is the cost of the agents that ran, so it costs one event per message.
Recipient filtering rejects recipients no mailbox holds (550 5.1.1). Mail from Hubs is from
ExchangeServers and bypasses anti-spam.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...exchange.status import SIZE_REJECTED, USER_UNKNOWN
from ...formats.record import REJECTED
from ..message import Message
from ..pipelines import EDGE
from ..station import UNBOUNDED, Station
from .categorizer import DomainHops, bifurcate, poison_check
from .holding import PoisonQueue, UnreachableQueue
from .transport import TransportServer

if TYPE_CHECKING:
    from ...scenario.perimeter import EdgeServer
    from ..context import Context


EDGE_CATEGORIZER_THREADS = 4
"""Messages an Edge's categorizer works on at once (UNCONFIRMED stand-in, as for the Hub's default)."""


class AntiSpamChain(Station):
    """SMTP Receive from the Internet with the agents: decides each message's fate when it starts.

    Its service time is the SMTP Receive stage's (every inbound message pays it) plus the cost of the
    agents that ran: the agents work inside the SMTP session, on its events (DOMAIN.md 1.3).
    """

    __slots__ = ("agents", "_draws", "book", "edge")

    def __init__(self, model: Context, edge: EdgeTransport) -> None:
        declared = EDGE["antispam"]
        super().__init__(model.env, edge.name, declared.station, declared.delivery_type, UNBOUNDED,
                         model.service(edge.name, declared.service, declared.station), getattr(edge, declared.done),
                         cpu=edge.cpu, hop_log=model.hop_log)  # fmt: skip
        self.zero = False
        self.edge = edge
        self.book = model.addresses
        self.agents = [a for a in model.scenario.internet.antispam if a.enabled]
        self._draws = {
            a.name: model.streams.batched(f"antispam/{edge.name}/{a.name}", lambda g, n: g.random(n)).next
            for a in self.agents
        }

    def service_time(self, msg: Message) -> float:
        """SMTP Receive, then the agents in order until one rejects; the verdict rides on the message."""
        cost, verdict = super().service_time(msg), None
        for agent in self.agents:
            cost += agent.cost
            if agent.name == "recipient_filtering":
                self.edge.filter_recipients(msg)
                if not msg.recipients:
                    break
            if agent.reject_share and self._draws[agent.name]() < agent.reject_share:
                verdict = agent
                break
        msg.verdict = verdict
        return cost


class EdgeTransport(TransportServer):
    """One Edge Transport server, subscribed to one AD site."""

    role = "Edge"

    def __init__(self, model: Context, spec: EdgeServer) -> None:
        super().__init__(model, spec, "Perimeter")
        self.subscribed_site = spec.subscribed_site
        self.max_size = spec.max_message_size if spec.max_message_size is not None else float("inf")
        self.max_recipients = spec.max_recipients_per_message
        self.book = model.addresses
        self.rejected_by: dict[str, int] = {}
        # the fixed stages, as the pipeline declares them (sim.model.pipelines.EDGE)
        self.categorizer = self.stage_from(EDGE["categorizer"], EDGE_CATEGORIZER_THREADS)
        self.receive = self.stage_from(EDGE["receive"], UNBOUNDED)
        self.antispam = AntiSpamChain(model, self)
        for station in (self.receive, self.antispam, self.categorizer):
            self.add(station)
        self.unreachable = self.add(UnreachableQueue(model, self))
        self.poison_queue = self.add(PoisonQueue(model, self))
        self.is_poison = poison_check(model, self)
        self.domain_hops = DomainHops(self, model.router.for_domain)

    def thread_limits(self) -> list[tuple[str, list[Station], int]]:
        """Categorizer threads and outbound connections."""
        return [("categorizer_threads", [self.categorizer], self.categorizer.limit), *super().thread_limits()]

    # -- inbound from the Internet ---------------------------------------------------------------
    def receive_internet(self, msg: Message) -> None:
        """A remote MTA connects to the Internet Receive connector and sends `msg`."""
        msg.path.append(self.index)
        if msg.size > self.max_size:
            self._reject(msg, SIZE_REJECTED, "size limit")
            return
        recipients = msg.recipients
        if len(recipients) > self.max_recipients:
            # the first batch is accepted; the sending server resends the rest in batches of the limit
            step = self.max_recipients
            for start in range(0, len(recipients), step):
                self.antispam.put(msg.copy_for(recipients[start : start + step]))
            return
        self.antispam.put(msg)

    def filter_recipients(self, msg: Message) -> None:
        """Recipient filtering: RCPT TO for an address no mailbox holds gets 550 5.1.1 (EdgeSync data)."""
        book = self.book
        unknown = [r for r in msg.recipients if r >= book.mailboxes and book.domain_index(r) == book.unknown_domain]
        if unknown:
            msg.recipients = [r for r in msg.recipients if r not in unknown]
            rejected = msg.copy_for(unknown)
            self._reject(rejected, USER_UNKNOWN, "recipient_filtering")

    def _filtered(self, msg: Message) -> None:
        agent = msg.verdict
        if not msg.recipients:
            return  # every recipient was rejected at RCPT
        if agent is not None:
            self._reject(msg, agent.reply, agent.name)
            return
        self._received(msg)

    def _reject(self, msg: Message, reply: str, by: str) -> None:
        self.rejected_by[by] = self.rejected_by.get(by, 0) + len(msg.recipients)
        self.recorder.finished(msg, -1, self.model.env.now, REJECTED, reply)

    # -- routing ---------------------------------------------------------------------------------
    def _route(self, msg: Message) -> None:
        """Edge categorization routes by recipient domain only (DOMAIN.md 1.2); a poison message crashes it."""
        if self.is_poison is not None and self.is_poison(msg):
            self.crash(self.categorizer, msg)
            return
        bifurcate(self, msg, self._hop)

    def _hop(self, recipient: int, msg: Message):
        if recipient < self.book.mailboxes:
            return self.model.router.inbound_queue(self)
        return self.domain_hops.hop(self.book.domain_index(recipient), msg.size)
