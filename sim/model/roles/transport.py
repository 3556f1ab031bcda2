"""What Hub and Edge Transport servers share: the Transport service, cores, SMTP in and out, the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...exchange.record import NDR
from ..message import Message
from ..resources import Cpu, Pool
from ..station import Station

if TYPE_CHECKING:
    from ..context import Context


class TransportServer:
    """A server running the Microsoft Exchange Transport service (Hub or Edge role)."""

    role = "Hub"

    def __init__(self, model: Context, spec, site: str) -> None:
        self.model = model
        self.spec = spec
        self.name = spec.name
        self.site = site
        self.index = model.topology.index[spec.name]
        self.up = True
        self.cpu = Cpu(model.env, spec.cores)
        self.outbound_connections = Pool(spec.max_outbound_connections, "outbound_connections")
        self.stations: list[Station] = []
        self.queues: dict[object, Station] = {}  # delivery queues by next-hop key, made when first needed
        self.recorder = model.recorder
        self.track = model.recorder.tracker(self.index, model.env)
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

    def add(self, station: Station) -> Station:
        """Register a queue or stage of this server (stopped at once if the service is down)."""
        self.stations.append(station)
        self.model.stations.append(station)
        station.sid = self.model.recorder.register()
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
        """SMTP Receive committed the message to the queue database."""
        if self.track is not None:
            self.new_internal_id(msg)
            self.track(
                "RECEIVE",
                "SMTP",
                msg,
                peer=msg.path[-2] if len(msg.path) > 1 else -1,
                connector=f"{self.name}\\Default {self.name}",
                status="250 2.6.0 Queued mail for delivery",
            )
        self.categorizer.put(msg)

    # -- outcomes --------------------------------------------------------------------------------
    def ndr(self, msg: Message, status: str) -> None:
        """The recipients of this copy fail: FAIL and DSN in the log, NDR in the accounting."""
        if self.track is not None:
            self.track("FAIL", "ROUTING", msg, status=status)
            self.track("DSN", "DSN", msg, status=status)
        self.recorder.finished(msg, -1, self.model.env.now, NDR, status)

    # -- tracking log ----------------------------------------------------------------------------
    def new_internal_id(self, msg: Message) -> None:
        """Give the copy this server's next internal-message-id (the tracking log's per-hop id)."""
        self._internal_ids += 1
        msg.internal_id = self._internal_ids

    # -- the Transport service -------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the Transport service: nothing moves; queued mail stays in the queue database."""
        self.up = False
        for station in self.stations:
            station.stop()
        self.cpu.reset()
        self.outbound_connections.waiters.clear()

    def start(self) -> None:
        """Start the Transport service again: every queue resumes."""
        self.up = True
        for station in self.stations:
            station.resume()
