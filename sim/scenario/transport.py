"""Schema of Set-TransportServer's timers, back pressure and poison-message handling (DOMAIN.md 5.1, 6).

The organisation-wide settings are the defaults of every Hub and Edge; a server may override any of
them (`transport:` under the server). Intervals left empty take the role's documented default: a
Hub retries transient failures every 5 min and failed connections every 10 min, an Edge every 10 and
30 min (DOMAIN.md 5.1, Exchange 2007: book p.431, bb629486).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .quantities import Duration, Size

GB = 1024**3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


RETRY_INTERVAL_GONE = (
    "is gone: Exchange retries on its own timers; set transport.queue_glitch_retry_interval (1 min), "
    "transport.transient_failure_retry_interval (5 min Hub, 10 min Edge) or "
    "transport.outbound_connection_failure_retry_interval (10 min Hub, 30 min Edge) instead"
)


class TransportOverrides(_Strict):
    """Set-TransportServer timers of one server; empty fields take the organisation's (or the role's) value."""

    queue_glitch_retry_count: int | None = Field(
        None, ge=0, le=15, description="QueueGlitchRetryCount: quick retries after a failed connection (4)"
    )
    queue_glitch_retry_interval: Duration | None = Field(
        None, gt=0, description="QueueGlitchRetryInterval: wait between the quick retries (1 min; E2010 value)"
    )
    transient_failure_retry_count: int | None = Field(
        None, ge=0, le=15, description="TransientFailureRetryCount: retries after the quick ones (6)"
    )
    transient_failure_retry_interval: Duration | None = Field(
        None, gt=0, description="TransientFailureRetryInterval: wait between those retries (5 min Hub, 10 min Edge)"
    )
    outbound_connection_failure_retry_interval: Duration | None = Field(
        None, gt=0, description="OutboundConnectionFailureRetryInterval: wait between later retries "
        "(10 min Hub, 30 min Edge)",
    )  # fmt: skip
    delay_notification_timeout: Duration | None = Field(
        None, gt=0, description="DelayNotificationTimeout: a delay DSN goes to the sender of mail still "
        "undelivered this long after it was sent (4 h)",
    )  # fmt: skip
    message_expiration_timeout: Duration | None = Field(
        None, gt=0, description="MessageExpirationTimeout: mail still undelivered this long after it was sent "
        "expires into an NDR, wherever it waits (2 days)",
    )  # fmt: skip

    @model_validator(mode="before")
    @classmethod
    def _retry_interval_is_gone(cls, data: Any) -> Any:
        if isinstance(data, dict) and "retry_interval" in data:
            raise ValueError(f"retry_interval {RETRY_INTERVAL_GONE}")
        return data


class Transport(TransportOverrides):
    """Organisation-wide Set-TransportServer defaults for every Hub and Edge (DOMAIN.md 5.1)."""

    queue_glitch_retry_count: int = Field(4, ge=0, le=15, description="QueueGlitchRetryCount (4)")
    queue_glitch_retry_interval: Duration = Field(
        60.0, gt=0, description="QueueGlitchRetryInterval (1 min; E2010 value, UNCONFIRMED for 2007)"
    )
    transient_failure_retry_count: int = Field(6, ge=0, le=15, description="TransientFailureRetryCount (6)")
    delay_notification_timeout: Duration = Field(4 * 3600.0, gt=0, description="DelayNotificationTimeout (4 h)")
    message_expiration_timeout: Duration = Field(
        2 * 86400.0, gt=0, description="MessageExpirationTimeout: undelivered mail expires into an NDR (2 days)"
    )
    intra_org_connector_protocol_logging_level: Literal["None", "Verbose"] = Field(
        "None",
        description="IntraOrgConnectorProtocolLoggingLevel: Verbose writes the sessions of every Hub's implicit "
        "Intra-Organization SMTP Send Connector (to Hubs of other AD sites) to its SMTP Send protocol log; None "
        "by default (Set-TransportServer, E2007 aa997624)",
    )


class BackPressure(_Strict):
    """Exchange 2007 SP1 resource monitoring of one server: queue database disk and version buckets (DOMAIN.md 6).

    The queue database holds the bytes of every message the server has queued; `disk_size` and
    `disk_used` (by everything else on the drive) are stand-ins for the queue drive (UNCONFIRMED).
    Version buckets count messages being received or submitted and not yet committed to the queue
    database (a stand-in for uncommitted transactions; Decision).
    """

    enabled: bool = Field(True, description="resource monitoring on (the Exchange default)")
    disk_size: Size = Field(100 * GB, gt=0, description="size of the queue database drive (UNCONFIRMED stand-in)")
    disk_used: Size = Field(20 * GB, ge=0, description="space taken on that drive by everything else (stand-in)")
    version_buckets: tuple[int, int, int] = Field(
        (80, 120, 200), description="Normal, Medium and High version bucket thresholds (80, 120, 200: event 15004)"
    )
    sample_interval: Duration = Field(2.0, gt=0, description="how often resources are sampled (2 s)")

    @model_validator(mode="after")
    def _disk_fits(self):
        if self.disk_used >= self.disk_size:
            raise ValueError("disk_used must be smaller than disk_size")
        normal, medium, high = self.version_buckets
        if not 0 < normal < medium < high:
            raise ValueError("version_buckets must rise: Normal < Medium < High, each above 0")
        return self


class Poison(_Strict):
    """Messages that crash the Transport service when categorized (DOMAIN.md 1.2, Poison queue)."""

    share: float = Field(0.0, ge=0, le=1, description="share of messages that crash the service when categorized")
    restart_delay: Duration = Field(60.0, gt=0, description="time the Transport service takes to restart (stand-in)")
    threshold: int = Field(2, ge=1, description="crashes a message is part of before it goes to the Poison queue (2)")
