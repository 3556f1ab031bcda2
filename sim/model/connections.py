"""SMTP connections between Exchange servers, bounded at both ends, each held until the receiver commits.

A message relayed by SMTP holds one connection from the moment the sending queue opens it until the
receiving server has committed the message to its queue database and answered 250 (the end of DATA):
- the sender opens at most MaxPerDomainOutboundConnections (20) to a next hop and MaxOutboundConnections
  (1000) in all (Set-TransportServer, DOMAIN.md 5.1): the remote delivery queue's thread limit and pool;
- the receiver's Receive connector serves at most MaxInboundConnection in all and
  MaxInboundConnectionPerSource from one address (DOMAIN.md 5.2; E2010+ defaults, UNCONFIRMED for 2007).
So a receiver never holds more uncommitted messages from one sender than the smaller of those limits;
the rest stay queued at the sender, in its remote delivery queue, which is where Exchange keeps them.

Decisions (DOMAIN.md is silent on them):
- The connector is the one the receiver selects for a connection from the sender's address to port 25
  (sim.exchange.receive.rules.select_connector); with none, the connection is not limited.
- A sender whose every candidate server serves it as many connections as it may waits for one of them to
  close (the queue stays Active) instead of trying and being refused with 421 4.3.2 and retrying at once.
- When the receiving server's Transport service stops, the connections it was serving close: the sender's
  threads are free, and what it had received waits there uncommitted until it runs again (as before).
- MaxInboundConnectionPercentagePerSource (2 %, E2010+) is not modelled.
At High back pressure the receiver refuses new connections (sim.model.roles.queues: the sender's queue
goes to Retry with 452 4.3.1); messages already past DATA are committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exchange.receive.rules import select_connector
from ..exchange.receive.servers import receiving_servers

if TYPE_CHECKING:
    from ..scenario.schema import Scenario

UNLIMITED = 1 << 62
SMTP_PORT = 25


class ConnectorLoad:
    """The connections one Receive connector serves now: in all, and per sending server."""

    __slots__ = ("limit", "per_source", "in_use", "by_source", "waiters")

    def __init__(self, limit: int | None, per_source: int | None) -> None:
        self.limit = UNLIMITED if limit is None else limit
        self.per_source = UNLIMITED if per_source is None else per_source
        self.in_use = 0
        self.by_source: dict[int, int] = {}
        self.waiters: list = []  # sending queues waiting for a connection to close here

    def release(self, source: int) -> None:
        """A connection from `source` closed: the queues waiting for one try again."""
        self.in_use -= 1
        self.by_source[source] -= 1
        if self.waiters:
            waiters, self.waiters = self.waiters, []
            for queue in waiters:
                queue.connection_freed()


class Gate:
    """The connections one sending queue opens to one receiving server (through the connector it lands on).

    The queue asks whether one is free and opens it itself (RelayStation.connection_free and _try_start:
    once for every message relayed, so inlined there)."""

    __slots__ = ("load", "source", "queue")

    def __init__(self, load: ConnectorLoad, source: int, queue) -> None:
        self.load = load
        self.source = source
        self.queue = queue
        load.by_source.setdefault(source, 0)

    def release(self) -> None:
        """The connection closed at the receiver's end (the sender's thread is the sender's business)."""
        self.load.release(self.source)

    def close(self) -> None:
        """The receiver committed the message (or stopped): the connection closes at both ends."""
        load = self.load
        load.in_use -= 1  # load.release, inlined: once for every message relayed
        load.by_source[self.source] -= 1
        if load.waiters:
            waiters, load.waiters = load.waiters, []
            for queue in waiters:
                queue.connection_freed()
        self.queue.session_closed()


class InboundConnections:
    """Every receiving server's Receive connectors, as loads, and the gate from a sender to a receiver."""

    def __init__(self, scenario: Scenario) -> None:
        self.servers = receiving_servers(scenario)
        self.loads: dict[tuple[str, str], ConnectorLoad] = {}

    def gate(self, queue, sender, receiver) -> Gate:
        """The gate of `queue` (of server `sender`) to server `receiver`: the connector `receiver` selects for
        the sender's address on port 25, with its limits."""
        info, source = self.servers.get(receiver.name), self.servers.get(sender.name)
        selected = None
        if info is not None and source is not None:
            selected = select_connector(info.connectors, info.ip, SMTP_PORT, source.ip).connector
        name = selected.name if selected is not None else ""
        load = self.loads.get((receiver.name, name))
        if load is None:
            limits = (selected.max_inbound_connection, selected.max_inbound_connection_per_source) if selected else ()
            load = self.loads[(receiver.name, name)] = ConnectorLoad(*(limits or (None, None)))
        return Gate(load, sender.index, queue)
