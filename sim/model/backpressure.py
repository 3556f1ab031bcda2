"""Back pressure: Exchange 2007 SP1 resource monitoring of every Hub and Edge (DOMAIN.md 6).

Every `back_pressure.sample_interval` (2 s) one event samples each monitored server's resources:
- the queue database drive: percent used = (disk_used + bytes of the messages it holds) / disk_size,
  against High = 100 x (disk_size - 500 MB) / disk_size rounded down (SP1), Medium = High - 2,
  Normal = High - 4 (the E2010 steps; DOMAIN.md 6);
- version buckets: messages being received or submitted and not yet committed to the queue database
  (in service in SMTP Receive, the anti-spam agents or Store Driver submission: a stand-in for
  uncommitted transactions; mail waiting in an Outbox or committed to a queue does not count),
  against 80 / 120 / 200 (event 15004).
Each resource rises to Medium at its Medium threshold and to High at its High threshold; it falls
from High only below Medium, and to Normal only below Normal (hysteresis). The server's level is the highest of its resources'. At Medium it takes mail only from
senders of the organisation; at High it refuses every SMTP connection (452 4.3.1: the sender's queue
waits in Retry) and its Store Driver takes nothing from the Outboxes and commits none of the submissions
in progress (sim.model.submission); delivery of what is queued goes on (sim.model.roles.transport). So
the drive passes High by at most what was committed since the sample before (bounded by the cores,
the submission threads and the SMTP connections: sim.model.connections) plus the SMTP sessions already
past DATA when High was sampled.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..scenario.transport import BackPressure
from .roles.transport import HIGH, MEDIUM, NORMAL, TransportServer

if TYPE_CHECKING:
    from .context import Context

MB = 1024.0 * 1024.0


def step(level: int, value: float, normal: float, medium: float, high: float) -> int:
    """A resource's next level from its value, with hysteresis on the way down."""
    if value >= high:
        return HIGH
    if level == HIGH and value >= medium:
        return HIGH  # High holds until the value falls below Medium
    if value >= medium:
        return MEDIUM
    if level >= MEDIUM and value >= normal:
        return MEDIUM  # Medium (or High falling) holds until the value falls below Normal
    return NORMAL


class Monitored:
    """One server's resources and their levels."""

    __slots__ = ("server", "settings", "disk_levels", "bucket_levels", "disk_level", "bucket_level", "uncommitted",
                 "medium_bytes")  # fmt: skip

    def __init__(self, server: TransportServer, settings: BackPressure) -> None:
        self.server = server
        self.settings = settings
        high = math.floor(100.0 * (settings.disk_size - 500 * MB) / settings.disk_size)
        self.disk_levels = (high - 4, high - 2, high)
        self.bucket_levels = settings.version_buckets
        self.disk_level = self.bucket_level = NORMAL
        names = ("StoreDriverSubmission", "SmtpReceive", "AntiSpam")
        self.uncommitted = [s for s in server.stations if s.name in names]
        # held bytes from which the drive is at Medium or above: below them (and below Medium's version
        # buckets) a server at Normal stays at Normal, so a sample needs no more than two comparisons
        self.medium_bytes = self.disk_levels[1] / 100.0 * settings.disk_size - settings.disk_used - 1.0  # 1 B margin

    def quiet(self) -> bool:
        """At Normal and below every Medium threshold: this sample cannot change anything."""
        if self.disk_level or self.bucket_level or self.server.held_bytes >= self.medium_bytes:
            return False
        buckets = 0
        for station in self.uncommitted:
            buckets += station.busy
        return buckets < self.bucket_levels[1]

    def sample(self) -> tuple[int, float, int]:
        """(level, disk percent used, version buckets) now."""
        settings = self.settings
        disk = 100.0 * (settings.disk_used + max(self.server.held_bytes, 0.0)) / settings.disk_size
        buckets = sum(station.busy for station in self.uncommitted)
        self.disk_level = step(self.disk_level, disk, *self.disk_levels)
        self.bucket_level = step(self.bucket_level, buckets, *self.bucket_levels)
        return max(self.disk_level, self.bucket_level), disk, buckets


class BackPressureMonitor:
    """Samples every monitored server on one timer and moves their levels."""

    def __init__(self, model: Context) -> None:
        self.model = model
        organisation = model.scenario.back_pressure
        self.interval = organisation.sample_interval
        self.monitored = [Monitored(server, server.spec.back_pressure or organisation)
                          for server in model.transport_servers.values()
                          if (server.spec.back_pressure or organisation).enabled]  # fmt: skip
        # what the quiet check of each tick reads that never changes: the server, the stations whose busy threads
        # are version buckets, the held bytes and buckets from which the server is at Medium
        self.checks = [(m, m.server, m.uncommitted, m.medium_bytes, m.bucket_levels[1]) for m in self.monitored]

    def start(self) -> None:
        """Start sampling (after the servers made their stages)."""
        if self.monitored:
            self.model.env.call_later(self.interval, self._tick)

    def _tick(self, _event) -> None:
        model = self.model
        now = model.env.now
        for monitored, server, uncommitted, medium_bytes, medium_buckets in self.checks:
            # monitored.quiet(), inlined: most samples of most servers change nothing
            if not (monitored.disk_level or monitored.bucket_level or server.held_bytes >= medium_bytes):
                buckets = 0
                for station in uncommitted:
                    buckets += station.busy
                if buckets < medium_buckets:
                    continue
            level, disk, buckets = monitored.sample()
            if level != server.pressure:
                server.set_pressure(level)
                model.recorder.pressure_event(now, server.index, level, disk, buckets)
        model.env.call_later(self.interval, self._tick)
