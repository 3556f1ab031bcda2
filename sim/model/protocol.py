"""The SMTP sessions a run's protocol logs show, recorded only when some connector logs Verbose.

Why here: a session's lines are written after the run (sim.smtp.run_logs), from what the model did: who sent to
whom, through which connector, when the transfer started and ended, and the message. When no Receive connector,
Send connector or Intra-Organization connector logs Verbose, nothing is wrapped and a run costs nothing more.

Each session is a tuple (kind, start, end, sender, receiver, connector, sender address, recipients, size,
message id; the id finds the receiver's SMTP RECEIVE row, whose source-context is the session's id):
- "relay": Exchange to Exchange (Hub to Hub across sites, Hub to Edge, Edge to Hub), sender and receiver by name;
- "internet": a Hub or Edge to a host outside the organisation (receiver: the host's name);
- "client": an SMTP client population submitting to its server (sender: the client's name);
- "inbound": a host of the Internet sending to an Edge (or an Internet-facing Hub).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..exchange.receive.servers import receiving_servers

if TYPE_CHECKING:
    from ..scenario.schema import Scenario
    from .context import Context


def wanted(scenario: Scenario) -> bool:
    """Whether any connector of the scenario logs Verbose (else no session is recorded)."""
    if scenario.transport.intra_org_connector_protocol_logging_level == "Verbose":
        return True
    if any(c.protocol_logging_level == "Verbose" for c in scenario.send_connectors):
        return True
    return any(
        c.protocol_logging_level == "Verbose" for info in receiving_servers(scenario).values() for c in info.connectors
    )


def relay_hook(model: Context, station, log_sent: Callable | None) -> Callable | None:
    """`log_sent` of a RelayStation, also recording each session it hands over (unchanged when nothing logs)."""
    sessions = model.smtp_sessions
    if sessions is None:
        return log_sent
    env, servers, owner, connector = model.env, model.topology.servers, station.owner.name, station.connector

    def sent(msg, peer: int) -> None:
        now = env.now
        start = now if station.zero else min(msg.started_at, now)
        sessions.append(("relay", start, now, owner, servers[peer], connector, msg.sender, tuple(msg.recipients),
                         msg.size, msg.id))  # fmt: skip
        if log_sent is not None:
            log_sent(msg, peer)

    return sent


def internet_hook(model: Context, station, finished: Callable) -> Callable:
    """`finished` of an InternetQueue, also recording each delivery's session (unchanged when nothing logs)."""
    sessions = model.smtp_sessions
    if sessions is None:
        return finished
    owner, host, connector = station.owner.name, station.host, station.connector

    def delivered(msg, where: int, now: float, *outcome) -> None:
        start = min(msg.started_at, now)
        sessions.append(("internet", start, now, owner, host, connector, msg.sender, tuple(msg.recipients), msg.size,
                         msg.id))  # fmt: skip
        finished(msg, where, now, *outcome)

    return delivered


def inbound_hook(model: Context, hand_over: Callable) -> Callable:
    """The Internet senders' `hand_over(server, msg)`, also recording each session (unchanged when nothing logs)."""
    sessions = model.smtp_sessions
    if sessions is None:
        return hand_over
    env = model.env

    def handed(server, msg) -> None:
        now = env.now
        sessions.append(("inbound", now, now, "Internet", server.name, "", msg.sender, tuple(msg.recipients), msg.size,
                         msg.id))  # fmt: skip
        hand_over(server, msg)

    return handed


def client_session(model: Context, client: str, server: str, msg, now: float) -> None:
    """Record an SMTP client's session (its lines are played again through the session model when written)."""
    model.smtp_sessions.append(("client", now, now, client, server, "", msg.sender, tuple(msg.recipients), msg.size,
                                msg.id))  # fmt: skip
