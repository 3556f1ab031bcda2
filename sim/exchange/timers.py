"""A server's effective Set-TransportServer timers: the organisation's, its own overrides, the role's defaults.

DOMAIN.md 5.1 (Exchange 2007, book p.431, bb629486): TransientFailureRetryInterval is 5 min on a Hub
and 10 min on an Edge; OutboundConnectionFailureRetryInterval 10 min on a Hub and 30 min on an Edge.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..scenario.transport import Transport, TransportOverrides

ROLE_DEFAULTS = {"Hub": (300.0, 600.0), "Edge": (600.0, 1800.0)}
"""(TransientFailureRetryInterval, OutboundConnectionFailureRetryInterval) by role."""


@dataclass(frozen=True)
class Timers:
    """The retry, delay-notification and expiry timers one server runs on, in seconds."""

    glitch_count: int
    glitch_interval: float
    transient_count: int
    transient_interval: float
    outbound_interval: float
    delay_notification: float
    expiration: float


def server_timers(organisation: Transport, own: TransportOverrides | None, role: str) -> Timers:
    """The timers of a Hub or Edge: its own settings where given, else the organisation's, else the role's."""

    def pick(name: str):
        value = getattr(own, name, None) if own is not None else None
        return value if value is not None else getattr(organisation, name)

    transient, outbound = ROLE_DEFAULTS["Edge" if role == "Edge" else "Hub"]
    interval = pick("transient_failure_retry_interval")
    after = pick("outbound_connection_failure_retry_interval")
    return Timers(
        glitch_count=pick("queue_glitch_retry_count"),
        glitch_interval=pick("queue_glitch_retry_interval"),
        transient_count=pick("transient_failure_retry_count"),
        transient_interval=interval if interval is not None else transient,
        outbound_interval=after if after is not None else outbound,
        delay_notification=pick("delay_notification_timeout"),
        expiration=pick("message_expiration_timeout"),
    )
