"""Every SMTP reply the modelled servers give, in one place (DOMAIN.md 3 unless marked UNCONFIRMED)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    """One SMTP reply: code (0 = no reply, the connection was dropped), enhanced status code (RFC 3463,
    may be empty), text of the first line, and the further lines of a multi-line reply (EHLO)."""

    code: int
    enhanced: str
    text: str
    lines: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 400

    def wire(self) -> list[str]:
        """The lines as sent: '250-first', '250-SIZE 10485760', ..., '250 last'."""
        if self.code == 0:
            return [f"(no reply: {self.text})"]
        first = f"{self.enhanced} {self.text}".strip()
        body = [first, *self.lines]
        return [f"{self.code}{'-' if i < len(body) - 1 else ' '}{line}" for i, line in enumerate(body)]

    def __str__(self) -> str:
        return "\n".join(self.wire())


def _r(code: int, enhanced: str, text: str) -> Reply:
    return Reply(code, enhanced, text)


# ---- the replies, in one place (DOMAIN.md 3 unless marked) --------------------------------------
SENDER_OK = _r(250, "2.1.0", "Sender OK")
RECIPIENT_OK = _r(250, "2.1.5", "Recipient OK")
START_MAIL = _r(354, "", "Start mail input; end with <CRLF>.<CRLF>")
QUEUED = _r(250, "2.6.0", "Queued mail for delivery")  # Exchange wording; UNCONFIRMED for 2007
AUTH_OK = _r(235, "2.7.0", "Authentication successful")  # UNCONFIRMED (not in DOMAIN.md)
TLS_READY = _r(220, "2.0.0", "SMTP server ready")  # UNCONFIRMED (not in DOMAIN.md)
RESET = _r(250, "2.0.0", "Resetting")  # UNCONFIRMED
NOOP_OK = _r(250, "2.0.0", "OK")  # UNCONFIRMED
BYE = _r(221, "2.0.0", "Service closing transmission channel")  # UNCONFIRMED
NEED_STARTTLS = _r(530, "5.7.0", "Must issue a STARTTLS command first")  # NeedStartTls
REQUIRE_TLS_TO_SEND = _r(451, "5.7.3", "STARTTLS is required to send mail")  # RequireTLSToSendMail
REQUIRE_TLS_FOR_BASIC = _r(451, "5.7.3", "Require STARTTLS to do basic authentication")
NO_EXCHANGE_AUTH = _r(451, "5.7.3", "Cannot achieve Exchange Server authentication")
UNRECOGNIZED_AUTH = _r(504, "5.7.4", "Unrecognized authentication type")
AUTH_FAILED = _r(535, "5.7.3", "Authentication unsuccessful")
NOT_AUTHENTICATED = _r(530, "5.7.1", "Client was not authenticated")  # code UNCONFIRMED for 2007 (DOMAIN.md 3)
CANNOT_SEND_AS = _r(550, "5.7.1", "Client does not have permissions to send as this sender")  # UNCONFIRMED
UNABLE_TO_RELAY = _r(550, "5.7.1", "Unable to relay")  # RcptRelayNotPermitted
USER_UNKNOWN = _r(550, "5.1.1", "User unknown")  # DOMAIN.md 4 (recipient filtering)
TOO_MANY_RECIPIENTS = _r(452, "4.5.3", "Too many recipients")  # text UNCONFIRMED
TOO_BIG = _r(552, "5.3.4", "Message size exceeds fixed maximum message size")  # as sim.connectors; UNCONFIRMED
INSUFFICIENT_RESOURCES = _r(452, "4.3.1", "Insufficient system resources")  # InsufficientResource
SEND_HELLO_FIRST = _r(503, "5.5.2", "Send hello first")  # UNCONFIRMED
SENDER_ALREADY = _r(503, "5.5.2", "Sender already specified")  # UNCONFIRMED
NEED_MAIL = _r(503, "5.5.2", "Need mail command")  # UNCONFIRMED
NEED_RCPT = _r(503, "5.5.2", "Need rcpt command")  # UNCONFIRMED
ALREADY_AUTHENTICATED = _r(503, "5.5.2", "Already authenticated")  # UNCONFIRMED
TLS_ALREADY = _r(503, "5.5.2", "TLS already active")  # UNCONFIRMED
UNRECOGNIZED = _r(500, "5.3.3", "Unrecognized command")  # UNCONFIRMED
INVALID_ADDRESS = _r(501, "5.1.3", "Invalid address")  # UNCONFIRMED
CLOSED = Reply(0, "", "connection closed")
