"""Schema of SMTP client populations: POP3/IMAP4 users on 587 and applications relaying on 25.

How their sessions play out is the SMTP session model's job (sim.smtp.session); how often they send
is the model's (sim.model.clients).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .distributions import CountDistribution, SizeDistribution, coerce_shorthand
from .quantities import Rate


class SmtpClient(BaseModel):
    """A population of SMTP clients submitting to one server's Receive connectors."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    name: str = Field(min_length=1, description="what they are, e.g. 'IMAP users' or 'CRM application'")
    server: str = Field(description="the Hub (or Edge) they connect to")
    client_ip: str = Field(description="the address they connect from (decides the Receive connector)")
    port: int = Field(587, ge=1, le=65535, description="the port: 587 for client submission, 25 for SMTP")
    rate: Rate = Field(gt=0, description="messages per second they send, e.g. '100/h'")
    tls: bool = Field(True, description="they issue STARTTLS before anything else")
    user: str | None = Field(None, description="the smtp_users account they AUTH LOGIN with; empty: anonymous")
    sender: str | None = Field(None, description="MAIL FROM address; empty: a mailbox of the organisation")
    recipients: CountDistribution = Field(
        default_factory=lambda: CountDistribution(dist="constant", mean=1), description="recipients per message"
    )
    external_domain: str = Field("fabrikam.com", description="domain of their recipients outside the organisation")
    external_share: float = Field(0.0, ge=0, le=1, description="share of recipients in external_domain")
    size: Annotated[SizeDistribution, BeforeValidator(coerce_shorthand)] = Field(
        default_factory=lambda: SizeDistribution(dist="constant", mean=20 * 1024), description="message size"
    )
