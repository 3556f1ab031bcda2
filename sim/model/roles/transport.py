"""What Hub and Edge Transport servers share: the Transport service, cores, SMTP in and out, the log,
Exchange's timers (retries, delay DSNs, expiry), back pressure's admission rules and poison crashes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...exchange.policies import RetryPolicy
from ...exchange.status import DELAYED, EXPIRED
from ...exchange.timers import server_timers
from ...formats.record import NDR, POISON
from ..deadlines import Deadlines
from ..message import Message
from ..pipelines import Stage
from ..resources import Cpu, Pool
from ..station import Station

if TYPE_CHECKING:
    from ..context import Context

NORMAL, MEDIUM, HIGH = 0, 1, 2
LEVELS = ("Normal", "Medium", "High")


class TransportServer:
    """A server running the Microsoft Exchange Transport service (Hub or Edge role)."""

    role = "Hub"

    def __init__(self, model: Context, spec, site: str) -> None:
        self.model = model
        self.spec = spec
        self.name = spec.name
        self.default_receive = f"{spec.name}\\Default {spec.name}"  # the Receive connector tracking names
        self.site = site
        self.index = model.topology.index[spec.name]
        self.up = True  # the Transport service runs
        self.down = 0  # faults (and crashes) holding the service down; it runs again when none do
        self.pressure = NORMAL  # back pressure level (sim.model.backpressure)
        self.accepting = True  # up, and below High: takes submissions and SMTP connections
        self.accepting_external = True  # up, and Normal: also takes mail from senders outside the organisation
        self.held_bytes = 0.0  # bytes of the messages in this server's queue database
        self.cpu = Cpu(model.env, spec.cores)
        self.outbound_connections = Pool(spec.max_outbound_connections, "outbound_connections")
        self.stations: list[Station] = []
        self.queues: dict[object, Station] = {}  # delivery queues by next-hop key, made when first needed
        self.recorder = model.recorder
        self.track = model.recorder.tracker(self.index, model.env)
        logger = model.recorder.logger
        # recipient-status is blank on SMTP RECEIVE (docs/exchange/tracking-log.md)
        self.log_received = logger(self.index, model.env, "RECEIVE", "SMTP", self.default_receive)
        self.timers = server_timers(model.scenario.transport, spec.transport, self.role)
        self.retry_policy = RetryPolicy.exchange(self.timers)
        self._internal_ids = 0

    # -- queues ----------------------------------------------------------------------------------
    def thread_limits(self) -> list[tuple[str, list[Station], int]]:
        """(name, stations, capacity) of each thread limit of this server, for its utilisation."""
        smtp = [s for s in self.stations if s.pool is self.outbound_connections]
        return [("outbound_connections", smtp, self.outbound_connections.capacity)]

    def stage(self, name: str, delivery_type: str, limit: int, stage: str, on_done, *, queue: str | None = None,
              service: tuple | None = None, kind: type[Station] = Station, **options) -> Station:  # fmt: skip
        """A station of this server on its cores, served at the scenario's time for `stage` (or `service`)."""
        model = self.model
        service = service or model.service(self.name, stage, queue)
        return kind(model.env, self.name, name, delivery_type, limit, service, on_done, cpu=self.cpu,
                    hop_log=model.hop_log, **options)  # fmt: skip

    def stage_from(self, declared: Stage, limit: int, *, then=None, **options) -> Station:
        """A stage of this server as its pipeline declares it (sim.model.pipelines): its name, delivery type and
        service, and the method that takes a message when it is done (`then`, a same hand-off more directly)."""
        done = then or getattr(self, declared.done)
        return self.stage(declared.station, declared.delivery_type, limit, declared.service, done, **options)

    def add(self, station: Station) -> Station:
        """Register a queue or stage of this server (stopped at once if the service is down)."""
        self.stations.append(station)
        self.model.stations.append(station)
        station.sid = self.model.recorder.register()
        station.owner = self
        station.events = self.model.recorder.queue_event
        station.deadlines = Deadlines(self.model.env, station, self.timers.delay_notification, self.timers.expiration)
        if not self.up:
            station.stop()
        return station

    def queue_for(self, key, make) -> Station:
        """The delivery queue for a next hop, made on first use (Queue Viewer shows queues with mail)."""
        station = self.queues.get(key)
        if station is None:
            station = self.queues[key] = self.add(make())
        return station

    # -- SMTP in ---------------------------------------------------------------------------------
    def receive_smtp(self, msg: Message) -> None:
        """A message arrives over SMTP from another server."""
        msg.path.append(self.index)
        self.receive.put(msg)

    def _received(self, msg: Message) -> None:
        """SMTP Receive committed the message to the queue database: 250, and the connection closes."""
        session = msg.session
        if session is not None:
            msg.session = None
            session.close()
        self.held_bytes += msg.size
        if self.track is not None:
            self.new_internal_id(msg)
            peer = msg.path[-2] if len(msg.path) > 1 else -1
            self.log_received(msg, peer)
        self.categorizer.put(msg)

    def accepts(self, msg: Message) -> bool:
        """Whether back pressure lets this message in now: below High, and at Medium only from the organisation."""
        return self.accepting_external or (self.accepting and msg.sender < self.model.addresses.mailboxes)

    # -- outcomes --------------------------------------------------------------------------------
    def left(self, msg: Message) -> None:
        """The message left this server's queue database (sent on, delivered, or ended here)."""
        self.held_bytes -= msg.size

    def ndr(self, msg: Message, status: str) -> None:
        """The recipients of this copy fail: FAIL and DSN in the log, NDR in the accounting."""
        self.held_bytes -= msg.size
        if self.track is not None:
            self.track("FAIL", "ROUTING", msg, status=status)
            self.track("DSN", "DSN", msg, status=status)
        self.recorder.finished(msg, -1, self.model.env.now, NDR, status)

    def expired(self, msg: Message) -> None:
        """MessageExpirationTimeout: the message expired where it waited; its sender gets an NDR."""
        self.recorder.expire(msg)
        self.ndr(msg, EXPIRED.status())

    def delay_dsn(self, msg: Message) -> None:
        """DelayNotificationTimeout: the sender is told the message is delayed (it goes on waiting)."""
        self.recorder.delay_dsns += len(msg.recipients)
        if self.track is not None:
            self.track("DSN", "DSN", msg, status=DELAYED.status(400))

    # -- tracking log ----------------------------------------------------------------------------
    def new_internal_id(self, msg: Message) -> None:
        """Give the copy this server's next internal-message-id (the tracking log's per-hop id)."""
        self._internal_ids += 1
        msg.internal_id = self._internal_ids

    # -- the Transport service -------------------------------------------------------------------
    def stop(self) -> None:
        """A fault stops the Transport service: nothing moves; queued mail stays in the queue database."""
        self.down += 1
        if self.down > 1:
            return
        self.up = False
        self._admission()
        for msg in list(self.receive.held()):  # the connections it served close; what it received waits here
            session = msg.session
            if session is not None:
                msg.session = None
                session.close()
        for station in self.stations:
            station.stop()
        self.cpu.reset()
        self.outbound_connections.waiters.clear()

    def start(self) -> None:
        """A fault ends: once none holds it down, the Transport service runs again and every queue resumes."""
        self.down -= 1
        if self.down > 0:
            return
        self.up = True
        self._admission()
        for station in self.stations:
            station.resume()

    def set_pressure(self, level: int) -> None:
        """Back pressure moved to `level` (Normal, Medium or High)."""
        self.pressure = level
        self._admission()

    def _admission(self) -> None:
        self.accepting = self.up and self.pressure < HIGH
        self.accepting_external = self.up and self.pressure == NORMAL

    def crash(self, station: Station, msg: Message) -> bool:
        """A poison message just crashed the Transport service while `station` categorized it.

        Returns True when it went to the Poison queue (its second crash, PoisonThreshold), False when it
        waits at the head of the queue to crash the service again after the restart.
        """
        poison = self.model.scenario.poison
        msg.crashes += 1
        self.stop()
        self.model.env.call_later(poison.restart_delay, lambda _event: self.start())
        if msg.crashes >= poison.threshold:
            self.held_bytes -= msg.size
            self.poison_queue.hold(msg)
            if self.track is not None:
                self.track("POISONMESSAGE", "AGENT", msg)
            self.recorder.finished(msg, -1, self.model.env.now, POISON, "poison message: crashed the Transport service")
            return True
        station.put_back(msg)
        return False
