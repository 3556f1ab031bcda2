"""What every role, queue and source needs of the organisation it belongs to, as a Protocol.

The Model provides it (sim.model.organisation); roles depend on this description, never on the
Model itself, so nothing below the Model imports it and there is no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..exchange.topology import Topology
from ..formats.addresses import AddressBook
from ..scenario.schema import Scenario
from .engine import Environment
from .network import Network
from .random import Streams
from .recorder import Recorder
from .station import Station


class Routing(Protocol):
    """The queues routing decisions lead to (sim.model.routing.Router)."""

    def site_queue(self, server: Any, site: str) -> Station:
        """The remote delivery queue from `server` toward an AD site."""

    def inbound_queue(self, edge: Any) -> Station:
        """An Edge's queue to the Hubs of its subscribed site."""

    def for_domain(self, server: Any, domain_index: int, size: float) -> tuple[Any, float]:
        """(next hop, largest message size it takes) for a recipient domain."""


class Context(Protocol):
    """The organisation a role belongs to: its clock, streams, recorder, names and routing."""

    env: Environment
    scenario: Scenario
    topology: Topology
    addresses: AddressBook
    streams: Streams
    recorder: Recorder
    router: Routing
    network: Network
    stations: list[Station]
    mailbox_servers: dict[str, Any]
    hop_log: Callable | None
    inbound: Any  # the Receive connectors' connection limits (sim.model.connections.InboundConnections)
    smtp_sessions: list[tuple] | None  # what the protocol logs show (sim.model.protocol), None when none is on

    @property
    def transport_servers(self) -> dict[str, Any]:
        """Every Hub and Edge by name."""

    def service(self, server: str, stage: str, queue: str | None = None) -> tuple:
        """(sampler, per_kb, per_recipient) of a stage on a server."""
