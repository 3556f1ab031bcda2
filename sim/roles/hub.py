"""Hub Transport: Store Driver submission, the Submission queue and Categorizer, delivery queues.

The pipeline of one Hub (DOMAIN.md 1.2):

    Store Driver submission ─┐
                             ├─▶ Submission queue ─▶ Categorizer ─┬─▶ mailbox delivery queue per Mailbox server
    SMTP Receive ────────────┘                                    └─▶ remote delivery queue per AD site

Every stage runs on the Hub's cores (`Cpu`), so `cores` bounds capacity; thread limits such as
MaxConcurrentMailboxDeliveries bound concurrency. The Categorizer bifurcates by next hop: one copy per
destination Mailbox server in this site, one per remote AD site, never one per recipient.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ..message import Message
from ..policies import RoundRobin
from ..station import Cpu, Pool, Station

if TYPE_CHECKING:
    from ..model import Model
    from ..scenario import Hub
    from ..topology import Route


class HubTransport:
    """One Hub Transport server and its Microsoft Exchange Transport service."""

    def __init__(self, model: "Model", spec: "Hub", site: str) -> None:
        self.model = model
        self.name = spec.name
        self.site = site
        self.index = model.topology.index[spec.name]
        self.up = True
        self.submissions = 0        # messages handed over by Mail Submission Services
        self.categorized = 0
        env, hop_log = model.env, model.hop_log
        self.cpu = Cpu(env, spec.cores)
        stage = partial(model.service, self.name)
        self.categorizer = Station(env, self.name, "Submission", "Undefined", spec.categorizer_threads,
                                   stage("categorizer"), self._route, cpu=self.cpu, hop_log=hop_log)
        self.submit = Station(env, self.name, "StoreDriverSubmission", "None", spec.max_concurrent_mailbox_submissions,
                              stage("store_driver_submit"), self.categorizer.put, cpu=self.cpu, hop_log=hop_log)
        self.receive = Station(env, self.name, "SmtpReceive", "None", 1_000_000,
                               stage("smtp_receive"), self.categorizer.put, cpu=self.cpu, hop_log=hop_log)
        self.delivery_threads = Pool(spec.max_concurrent_mailbox_deliveries)
        self.outbound_connections = Pool(spec.max_outbound_connections)
        self._spec = spec
        self._env = env
        self._finished = model.recorder.finished
        self.stations: list[Station] = [self.submit, self.receive, self.categorizer]
        self.next_hop: list[Station | None] = []   # by destination Mailbox server index

    def connect(self, hubs_by_site: dict[str, list["HubTransport"]]) -> None:
        """Make the delivery queues once every Hub exists: one per local Mailbox server, one per remote site."""
        model, topology, spec = self.model, self.model.topology, self._spec
        self.next_hop = [None] * len(topology.servers)
        remote: dict[str, Station] = {}
        for name in topology.mailbox_servers:
            index = topology.index[name]
            site = topology.server_site[index]
            if site == self.site:
                station = Station(model.env, self.name, name, "MapiDelivery", spec.max_concurrent_mailbox_deliveries,
                                  model.service(self.name, "store_driver_deliver"), partial(self._deliver, index),
                                  cpu=self.cpu, pool=self.delivery_threads, hop_log=model.hop_log)
            elif site in remote:
                station = remote[site]
            else:
                station = remote[site] = RelayStation(
                    model, self, site, RoundRobin(hubs_by_site[site]), topology.route(self.site, site))
            if station not in self.stations:
                self.stations.append(station)
            self.next_hop[index] = station
        for station in self.stations:
            model.recorder.register(station)

    # -- entry points ----------------------------------------------------------------------------
    def submit_from_mailbox(self, msg: Message) -> None:
        """The Store Driver picks up a message from a Mailbox server's Outbox."""
        self.submissions += 1
        msg.path.append(self.index)
        self.submit.put(msg)

    def receive_smtp(self, msg: Message) -> None:
        """A message arrives over SMTP from a Hub of another site."""
        msg.path.append(self.index)
        self.receive.put(msg)

    # -- pipeline --------------------------------------------------------------------------------
    def _to_categorizer(self, msg: Message) -> None:
        self.categorizer.put(msg)

    def _route(self, msg: Message) -> None:
        """Categorizer done: bifurcate by next hop and queue each copy."""
        self.categorized += 1
        recipients = msg.recipients
        server_of = self.model.topology.mailbox_server_of
        next_hop = self.next_hop
        if len(recipients) == 1:
            next_hop[server_of(recipients[0])].put(msg)
            return
        groups: dict[Station, list[int]] = {}
        for recipient in recipients:
            station = next_hop[server_of(recipient)]
            if station in groups:
                groups[station].append(recipient)
            else:
                groups[station] = [recipient]
        if len(groups) == 1:
            next(iter(groups)).put(msg)
            return
        for station, group in groups.items():
            station.put(msg.copy_for(group))

    def _deliver(self, mailbox_server: int, msg: Message) -> None:
        """Store Driver delivery done: the recipients are in their mailboxes."""
        msg.path.append(mailbox_server)
        self._finished(msg, mailbox_server, self._env._now)

    # -- the Transport service --------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the Transport service: nothing moves; queued mail stays in the queue database."""
        self.up = False
        for station in self.stations:
            station.stop()
        self.cpu.reset()
        self.delivery_threads.waiters.clear()
        self.outbound_connections.waiters.clear()

    def start(self) -> None:
        """Start the Transport service again: every queue resumes."""
        self.up = True
        for station in self.stations:
            station.resume()


class RelayStation(Station):
    """A remote delivery queue: SMTP relay straight to a Hub of another AD site (direct relay).

    The target Hub is chosen round robin over that site's Hubs when a transfer starts; a Hub that is
    down is skipped. While no Hub of the site is up the queue is in Retry and tries again after the
    transport retry interval.
    """

    __slots__ = ("selector", "route", "retry_interval", "retry_pending")
    _fast_start = False

    def __init__(self, model: "Model", hub: HubTransport, site: str, selector: RoundRobin, route: "Route") -> None:
        spec = hub._spec
        super().__init__(model.env, hub.name, site, "SmtpRelayToRemoteAdSite", spec.max_per_domain_outbound_connections,
                         model.service(hub.name, "smtp_send"), None,
                         pool=hub.outbound_connections, hop_log=model.hop_log)
        self.on_done = self.finish
        self.selector = selector
        self.route = route
        self.retry_interval = model.scenario.transport.retry_interval
        self.retry_pending = False
        # zero only when the whole transfer is free: no session time and a free path (latency 0, unlimited bandwidth)
        self.zero = self.zero and route.latency == 0 and route.bandwidth == float("inf")

    def put(self, msg: Message) -> None:
        if self.zero and self.open:
            hub = self.selector.choose()
            if hub is not None:   # a zero-time relay: straight to the target Hub, no event
                self.arrivals += 1
                self.starts += 1
                self.completions += 1
                if self.hop_log is not None:
                    msg.queued_at = msg.started_at = self.env._now
                    self.hop_log(msg, self, self.env._now)
                hub.receive_smtp(msg)
                return
            self.zero_blocked(msg)
            return
        Station.put(self, msg)

    def zero_blocked(self, msg: Message) -> None:
        """No Hub of the target site is up: queue the message and retry later (as a non-zero relay would)."""
        now = self.env._now
        msg.queued_at = now
        self.arrivals += 1
        self._touch()
        self.queue.append(msg)
        self._retry_later()

    def _try_start(self) -> None:
        if self.queue and self.open and not self.selector.any_up():
            self._retry_later()
            return
        super()._try_start()

    def service_time(self, msg: Message) -> float:
        """Connection time: the SMTP session plus the site path's latency and the bytes over its bandwidth."""
        msg.next_hub = self.selector.choose()
        return self._draw() + self._per_kb * msg.kb + self.route.transfer_time(msg.size)

    def finish(self, msg: Message) -> None:
        hub = msg.next_hub
        msg.next_hub = None
        if hub.up:
            hub.receive_smtp(msg)
            return
        # The target stopped during the session: the message stays here and goes to the next Hub.
        self._touch()
        self.queue.appendleft(msg)
        if self.open:
            self._try_start()

    def _retry_later(self) -> None:
        self.enter_retry()
        if not self.retry_pending:
            self.retry_pending = True
            self.env.timeout(self.retry_interval).callbacks.append(self._retry_now)

    def _retry_now(self, _event) -> None:
        self.retry_pending = False
        self.leave_retry()
