"""Schema of the perimeter: Edge Transport servers, their anti-spam agents, and the Internet.

DOMAIN.md 1.3: an Edge is subscribed to one AD site; inbound Internet mail reaches the Edges (MX
records of equal preference spread it), passes the anti-spam agents in "least resources first" order,
and the survivors are relayed to a Hub of the subscribed site. The agents' reject shares and costs are
stand-ins (UNCONFIRMED): Microsoft IT blocked about 10.5 M of 13 M Internet submissions a day.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .distributions import CountDistribution, SizeDistribution, coerce_shorthand
from .quantities import Bandwidth, Duration, Rate, Size
from .receive import IPv4, ReceiveConnector
from .transport import BackPressure, TransportOverrides

AGENT_ORDER = (
    "connection_filtering",
    "sender_filtering",
    "recipient_filtering",
    "sender_id",
    "content_filter",
    "attachment_filter",
    "antivirus",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class AntiSpamAgent(_Strict):
    """One agent of the Edge's anti-spam and antivirus chain."""

    name: Literal[AGENT_ORDER] = Field(description="the agent; they always run in DOMAIN.md 1.3 order")
    enabled: bool = Field(True, description="false: the agent is not installed or is disabled")
    reject_share: float = Field(0.0, ge=0, le=1, description="share of the messages reaching it that it rejects")
    cost: Duration = Field(0.0, ge=0, description="core time per message it inspects")
    reply: str = Field("550 5.7.1 Message rejected", description="the SMTP reply it gives when it rejects")


def _agent(name: str, share: float, cost: str, reply: str) -> AntiSpamAgent:
    return AntiSpamAgent(name=name, reject_share=share, cost=cost, reply=reply)


def default_agents() -> list[AntiSpamAgent]:
    """Stand-in shares and costs (UNCONFIRMED); replies from DOMAIN.md 3 where it has them."""
    return [
        _agent("connection_filtering", 0.60, "0.2ms", "550 5.7.1 External client with IP address has bad reputation"),
        _agent("sender_filtering", 0.02, "0.2ms", "554 5.1.0 Sender denied"),
        _agent("recipient_filtering", 0.0, "0.5ms", "550 5.1.1 User unknown"),
        _agent("sender_id", 0.01, "1ms", "550 5.7.1 Sender ID (PRA) Not Permitted"),
        _agent("content_filter", 0.35, "15ms", "550 5.7.1 Message rejected as spam by Content Filtering"),
        _agent("attachment_filter", 0.01, "2ms", "550 5.7.1 Message rejected due to unacceptable attachments"),
        _agent("antivirus", 0.005, "25ms", "550 5.7.1 Message rejected: virus found"),
    ]


class EdgeServer(_Strict):
    """An Edge Transport server in the perimeter network, subscribed to one AD site."""

    name: str = Field(min_length=1, description="server name, unique in the organisation")
    subscribed_site: str = Field(description="the AD site its Edge Subscription belongs to")
    cores: int = Field(2, ge=1, description="processor cores (2 recommended for an Edge)")
    max_per_domain_outbound_connections: int = Field(20, ge=1, description="SMTP connections per next hop")
    max_outbound_connections: int = Field(1000, ge=1, description="SMTP connections over all queues")
    max_message_size: Size | None = Field(
        10 * 1024 * 1024, description="Internet Receive connector MaxMessageSize (10 MB); empty means unlimited"
    )
    max_recipients_per_message: int = Field(
        200, ge=1, description="Receive connector MaxRecipientsPerMessage; the sender resends the rest in batches"
    )
    ip: IPv4 | None = Field(
        None,
        description="IP address of the server; empty means derived from its place "
        "in the file (Edges 172.16.0.1, 172.16.0.2, ... in order)",
    )
    receive_connectors: list[ReceiveConnector] | None = Field(
        None,
        description="Receive connectors; empty means 'Default internal receive connector SERVER' on "
        "0.0.0.0:25 for every address, AnonymousUsers, ExchangeServers and Partners, auth Tls and ExchangeServer, "
        "with max_message_size and max_recipients_per_message above (UNCONFIRMED for 2007)",
    )
    transport: TransportOverrides | None = Field(
        None, description="this server's Set-TransportServer timers where they differ from the organisation's"
    )
    back_pressure: BackPressure | None = Field(
        None, description="this server's resource monitoring where it differs from the organisation's"
    )


class Internet(_Strict):
    """The world outside: senders of inbound mail, and the remote hosts outbound mail goes to."""

    inbound_rate: Rate = Field(0.0, ge=0, description="messages per second arriving at the MX (the Edges)")
    recipients: CountDistribution = Field(
        default_factory=lambda: CountDistribution(dist="geometric", mean=1.5),
        description="recipients per inbound message (UNCONFIRMED stand-in)",
    )
    size: Annotated[SizeDistribution, BeforeValidator(coerce_shorthand)] = Field(
        default_factory=lambda: SizeDistribution(dist="lognormal", mean=30 * 1024, cv=1.5),
        description="inbound message size (UNCONFIRMED stand-in)",
    )
    unknown_recipient_share: float = Field(
        0.1, ge=0, le=1, description="share of inbound recipients with no mailbox (rejected by recipient filtering)"
    )
    antispam: list[AntiSpamAgent] = Field(default_factory=default_agents, description="the Edge agents, in order")
    latency: Duration = Field(0.2, ge=0, description="SMTP session time to a remote host, network included")
    bandwidth: Bandwidth = Field(10e6, gt=0, description="bandwidth of one transfer to a remote host")
    transient_failure_share: float = Field(
        0.0, ge=0, lt=1, description="share of deliveries a remote host answers with a 4xx (tried again later)"
    )
    retry_interval: Duration = Field(
        600.0,
        gt=0,
        description="how long remote hosts (and SMTP clients) wait before trying again when no "
        "Edge takes their mail (down, or refusing under back pressure); a stand-in",
    )

    @model_validator(mode="after")
    def _agents_in_order(self):
        names = [agent.name for agent in self.antispam]
        if len(set(names)) != len(names):
            raise ValueError("each anti-spam agent may appear once")
        self.antispam = sorted(self.antispam, key=lambda agent: AGENT_ORDER.index(agent.name))
        return self


class RecipientDomain(_Strict):
    """A domain outside the organisation's mailboxes that users send to."""

    domain: str = Field(min_length=1, description="the SMTP domain, e.g. fabrikam.com")
    share: float = Field(gt=0, le=1, description="share of all recipients addressed to this domain")
