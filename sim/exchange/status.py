"""Delivery status codes: every NDR and rejection text the model gives, in one place.

An NDR's recipient-status is an SMTP reply: a basic code, an enhanced status code (RFC 3463) and a
text. Exchange 2007's exact texts are mostly UNCONFIRMED (DOMAIN.md 2, 4 and 5.4 give the codes and
cite later builds for the wording), so each is written once here and every role uses it.
"""

from __future__ import annotations

from typing import NamedTuple


class Ndr(NamedTuple):
    """An enhanced status code (RFC 3463) with the text of the NDR that carries it."""

    code: str
    text: str

    def status(self, basic: int = 550) -> str:
        """The recipient-status line, e.g. '550 5.4.4 ...', as the tracking log and results show it."""
        return f"{basic} {self.code} {self.text}"


# DOMAIN.md 5.4 gives the limits but not the NDR text. 5.3.4 is RFC 3463's "message too big for
# system"; the text is the wording of Exchange's SmtpResponse for 552 5.3.4. UNCONFIRMED for 2007.
MESSAGE_TOO_LARGE = Ndr("5.3.4", "Message size exceeds fixed maximum message size")
# 5.5.3 is RFC 3463's "too many recipients"; DOMAIN.md 5.4 says only that going over
# MaxRecipientEnvelopeLimit gives an NDR. Code and text UNCONFIRMED for Exchange 2007.
TOO_MANY_RECIPIENTS = Ndr("5.5.3", "Too many recipients")
# No Send connector left (DOMAIN.md 2, "No route"): the message goes to the Unreachable queue and is
# NDRed when it expires. The 2007 code is UNCONFIRMED; DOMAIN.md cites a third-party list for 5.4.4.
NO_ROUTE = Ndr("5.4.4", "ROUTING.NoConnectorForAddressType; unable to route (no route found to next hop)")
# An address of an Authoritative domain that no mailbox holds (DOMAIN.md 4): 5.1.1, text UNCONFIRMED.
UNKNOWN_RECIPIENT = Ndr("5.1.1", "RESOLVER.ADR.RecipNotFound; not found")

# Rejections during the SMTP session (the sender's server keeps the message and tells its sender).
USER_UNKNOWN = "550 5.1.1 User unknown"  # recipient filtering (DOMAIN.md 4)
SIZE_REJECTED = f"552 {MESSAGE_TOO_LARGE.code} {MESSAGE_TOO_LARGE.text}"  # Receive connector MaxMessageSize

# Exchange's timers (DOMAIN.md 5.1). 4.4.7 is RFC 3463's "delivery time expired"; the texts are the
# later builds' (QUEUE.Expired), UNCONFIRMED for 2007.
EXPIRED = Ndr("4.4.7", "QUEUE.Expired; message expired")
DELAYED = Ndr("4.4.7", "Message delayed")

# Why a queue is in Retry (Get-Queue's LastError). The codes are RFC 3463's; the texts UNCONFIRMED.
CONNECT_FAILED = "421 4.2.1 Unable to connect"
MAILBOX_UNAVAILABLE = "451 4.4.0 STOREDRV.Deliver; the Mailbox server is not available"
REMOTE_REFUSED = "451 4.4.0 Primary target IP address responded with: 421 try again later"
# Back pressure refuses a connection or a sender (DOMAIN.md 3 and 6: observed for E2007 on low disk).
INSUFFICIENT_RESOURCES = "452 4.3.1 Insufficient system resources"
