"""The SimPy model of one organisation: servers, workload and faults wired together on one Environment.

`sim.model.simulation.run(Model(scenario, seed))` runs it to the end time and returns a `RunRecord`
of plain data; `sim.run` turns that into Results. The model never reads YAML and knows nothing of
what is done with its results.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

from ..exchange.policies import RoundRobin
from ..exchange.topology import Topology
from ..formats.addresses import AddressBook
from ..scenario.schema import Scenario
from . import protocol
from .backpressure import BackPressureMonitor
from .clients import SmtpClientSource
from .connections import InboundConnections
from .engine import Environment
from .faults import schedule as schedule_fault
from .internet import InternetSenders
from .message import Message
from .network import Network
from .random import Streams
from .recorder import Recorder
from .roles.edge import EdgeTransport
from .roles.hub import HubTransport
from .roles.internet_queue import InternetQueue
from .roles.mailbox import MailboxServer
from .routing import Router
from .station import Station
from .statistics import mark_warmup
from .submission import SiteBacklog
from .workload import MailSource


class Model:
    """Every server of the organisation wired together on one SimPy Environment."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        self.env = Environment()
        self.streams = Streams(self.seed)
        self.topology = topology = Topology(scenario)
        for edge in scenario.edges:
            topology.server_index(edge.name, "Perimeter")
        topology.server_index("Internet", "Internet")
        other_domains = [d.domain for d in scenario.workload.domains]
        other_domains += [c.external_domain for c in scenario.smtp_clients if c.external_domain not in other_domains]
        self.addresses = AddressBook(topology.total_mailboxes, scenario.domain, list(dict.fromkeys(other_domains)))
        self.recorder = Recorder(scenario.record, scenario.warmup, scenario.tracking_log)
        self.smtp_sessions: list[tuple] | None = [] if protocol.wanted(scenario) else None
        self.hop_log = self.recorder.hop if self.recorder.keep_hops else None
        self.stations: list[Station] = []  # every queue of every server, in the order they were made
        self.network = Network()
        self.inbound = InboundConnections(scenario)
        self.network.listeners.append(self._internet_changed)
        self.router = Router(self)
        hubs_by_site = self._transport_servers()
        self._mailbox_servers(hubs_by_site)
        ids = count(1)
        self.sources: list = self._mail_sources(ids)
        self.internet = InternetSenders(self, list(self.edges.values()), ids)
        self.sources.append(self.internet)
        self.clients = [SmtpClientSource(self, spec, ids) for spec in self.scenario.smtp_clients]
        self.sources.extend(self.clients)
        self.back_pressure = BackPressureMonitor(self)

    def _transport_servers(self) -> dict[str, list[HubTransport]]:
        """Every Hub (by site) and Edge, each known to the router; the Hubs of each site, for round robin."""
        self.hubs: dict[str, HubTransport] = {}
        hubs_by_site: dict[str, list[HubTransport]] = {}
        for site in self.scenario.sites:
            hubs_by_site[site.name] = [HubTransport(self, spec, site.name) for spec in site.all_hubs]
            for hub in hubs_by_site[site.name]:
                self.hubs[hub.name] = hub
                self.router.add_server(hub, site.name)
        self.edges: dict[str, EdgeTransport] = {}
        for spec in self.scenario.edges:
            edge = self.edges[spec.name] = EdgeTransport(self, spec)
            self.router.add_server(edge, spec.subscribed_site)
        return hubs_by_site

    def _mailbox_servers(self, hubs_by_site: dict[str, list[HubTransport]]) -> None:
        """Every Mailbox server with its Mail Submission round robin; then each Hub's delivery queues and Outboxes."""
        self.mailbox_servers: dict[str, MailboxServer] = {}
        scenario, topology = self.scenario, self.topology
        backlogs = {site.name: SiteBacklog() for site in scenario.sites}
        for site in scenario.sites:
            for spec in site.mailbox_servers:
                local = self.hubs[spec.name] if spec.is_hub else None
                selector = RoundRobin(hubs_by_site[site.name], local)
                self.mailbox_servers[spec.name] = MailboxServer(
                    self.env, spec.name, topology.index[spec.name], site.name, selector,
                    scenario.mail_submission.retry_interval, self.recorder, scenario.transport,
                    backlogs[site.name])  # fmt: skip
        for hub in self.hubs.values():
            hub.connect(self.mailbox_servers, backlogs[hub.site])

    def _mail_sources(self, ids) -> list:
        """A source of users' mail for every Mailbox server whose users send (the workload's rates and curve)."""
        scenario, topology, sources = self.scenario, self.topology, []
        for site in scenario.sites:
            for spec in site.mailbox_servers:
                if not (spec.sends_mail and spec.mailboxes > 0 and topology.total_mailboxes > 0):
                    continue
                role = self.mailbox_servers[spec.name]
                sources.append(MailSource(self.env, scenario.workload, self.streams, spec.name, role.index,
                                          spec.mailboxes, topology.first_mailbox(spec.name), self.addresses, ids,
                                          scenario.duration, role.submit, self.recorder.birth_hook()))  # fmt: skip
        return sources

    @property
    def transport_servers(self) -> dict:
        """Every Hub and Edge by name."""
        return {**self.hubs, **self.edges}

    def service(self, server: str, stage: str, queue: str | None = None) -> tuple:
        """(sampler, per_kb, per_recipient) of a stage on a server, on the stream service/SERVER/stage[/QUEUE].

        A stage served by several queues of one server (mailbox delivery, remote delivery) gets a stream
        per queue: sharing one name would replay the same service times in every queue.
        """
        spec = getattr(self.scenario.stages, stage)
        name = f"service/{server}/{stage}" + (f"/{queue}" if queue else "")
        return self.streams.sampler(spec, name), spec.per_kb, spec.per_recipient

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the sources, fault schedules, the queue sampler and the warm-up mark (call once, then run env)."""
        for source in self.sources:
            source.start()
        for index, fault in enumerate(self.scenario.faults):
            schedule_fault(self, fault, index)
        self.back_pressure.start()
        self.env.process(self._sampler())
        if self.scenario.warmup > 0:
            self.env.timeout(self.scenario.warmup).callbacks.append(self._mark_warmup)

    def _mark_warmup(self, _event=None) -> None:
        for station in self.stations:
            mark_warmup(station)
        for server in self.transport_servers.values():
            server.cpu.mark_warmup()

    def _sampler(self):
        interval, recorder = self.scenario.sample_interval, self.recorder
        hubs = list(self.hubs.values())
        servers = list(self.transport_servers.values())
        while True:
            recorder.sample(self.env.now, self.stations, [(hub.index, hub.categorized) for hub in hubs])
            entries = [station.arrivals + station.requeued for station in self.stations]
            recorder.sample_load(sum(source.generated for source in self.sources), _core_seconds(servers, self.env.now),
                                 entries)  # fmt: skip
            recorder.sample_outboxes(self.mailbox_servers.values())
            yield self.env.timeout(interval)

    def _internet_changed(self) -> None:
        reachable = self.network.internet_reachable
        for station in self.stations:
            if isinstance(station, InternetQueue):
                station.fast_start = reachable  # while it is cut off, every attempt must find out

    def events_scheduled(self) -> int:
        """Events scheduled so far (for benchmarks and tests)."""
        return self.env.events_scheduled()

    def held(self) -> Iterator[tuple[str, str, Message]]:
        """(where, its state, message) for every message still held: in a queue or a service (with the queue's
        Get-Queue status), in an Outbox or with a remote sender or an SMTP client (Retry: waiting to try again)."""
        for station in self.stations:
            for msg in station.held():
                yield station.identity, station.state, msg
        for name, role in self.mailbox_servers.items():
            for msg in role.held():
                yield f"{name}\\Outbox", "Retry", msg
        for msg in self.internet.held():
            yield "Internet senders", "Retry", msg
        for client in self.clients:
            for msg in client.held():
                yield f"SMTP client {client.spec.name}", "Retry", msg


def _core_seconds(servers: list, now: float) -> dict[str, float]:
    """Each server's core-seconds used since the start of the run (not since warm-up), brought up to now."""
    used = {}
    for server in servers:
        server.cpu.touch(now)
        used[server.name] = server.cpu.area
    return used
