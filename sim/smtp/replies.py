"""Every SMTP reply the modelled servers give, in one place (DOMAIN.md 3 unless marked UNCONFIRMED).

DOMAIN.md 3 takes its reply table from a decompiled Exchange `SmtpResponse` class of a later build
(2010/2013 era; 2007 text may differ slightly). Replies marked "SmtpResponse" below come from that same
class but are not in DOMAIN.md's table: their code and text are Exchange's, their 2007 wording is
UNCONFIRMED. Replies marked UNCONFIRMED alone have no Exchange source at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


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
        """2xx and 3xx: the command was taken (a client goes on)."""
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


def banner(fqdn: str, moment: datetime) -> Reply:
    """The 220 greeting: `<fqdn> Microsoft ESMTP MAIL Service ready at <RFC 2822 date>` (E2007 bb123686, "How to
    Use Telnet to Test SMTP Communication": "... Service ready at <day-date-time>"; the date as Exchange's later
    Telnet page shows it, "Fri, 5 Aug 2016 16:24:41 -0700": day of the month without a leading zero). The server's
    clock is UTC here, so the offset is +0000."""
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    day = utc.strftime("%a")
    date = f"{day}, {utc.day} {utc.strftime('%b %Y %H:%M:%S')} +0000"
    return Reply(220, "", f"{fqdn} Microsoft ESMTP MAIL Service ready at {date}")


def _r(code: int, enhanced: str, text: str) -> Reply:
    return Reply(code, enhanced, text)


# ---- the replies, in one place (DOMAIN.md 3 unless marked) --------------------------------------
SENDER_OK = _r(250, "2.1.0", "Sender OK")
RECIPIENT_OK = _r(250, "2.1.5", "Recipient OK")
START_MAIL = _r(354, "", "Start mail input; end with <CRLF>.<CRLF>")
QUEUED = _r(250, "2.6.0", "Queued mail for delivery")  # SmtpResponse (without the message id it prefixes)
AUTH_OK = _r(235, "2.7.0", "Authentication successful")  # SmtpResponse AuthSuccessful
TLS_READY = _r(220, "2.0.0", "SMTP server ready")  # SmtpResponse StartTlsReadyToNegotiate
RESET = _r(250, "2.0.0", "Resetting")  # SmtpResponse Reset
NOOP_OK = _r(250, "2.0.0", "OK")  # SmtpResponse NoopOk
BYE = _r(221, "2.0.0", "Service closing transmission channel")  # SmtpResponse Quit
NEED_STARTTLS = _r(530, "5.7.0", "Must issue a STARTTLS command first")  # NeedStartTls
REQUIRE_TLS_TO_SEND = _r(451, "5.7.3", "STARTTLS is required to send mail")  # RequireTLSToSendMail
REQUIRE_TLS_FOR_BASIC = _r(451, "5.7.3", "Require STARTTLS to do basic authentication")
NO_EXCHANGE_AUTH = _r(451, "5.7.3", "Cannot achieve Exchange Server authentication")
UNRECOGNIZED_AUTH = _r(504, "5.7.4", "Unrecognized authentication type")
AUTH_FAILED = _r(535, "5.7.3", "Authentication unsuccessful")
AUTH_CANCELLED = _r(501, "5.5.4", "Authentication cancelled")  # SmtpResponse AuthCancelled (client sent '*')
NOT_AUTHENTICATED = _r(530, "5.7.1", "Client was not authenticated")  # code UNCONFIRMED for 2007 (DOMAIN.md 3)
SUBMIT_DENIED = _r(550, "5.7.1", "Client does not have permissions to submit to this server")  # SmtpResponse
CANNOT_SEND_AS = _r(
    550, "5.7.1", "Client does not have permissions to send as this sender"
)  # SmtpResponse SendAsDenied
UNABLE_TO_RELAY = _r(550, "5.7.1", "Unable to relay")  # RcptRelayNotPermitted
USER_UNKNOWN = _r(550, "5.1.1", "User unknown")  # DOMAIN.md 4 (recipient filtering)
TOO_MANY_RECIPIENTS = _r(452, "4.5.3", "Too many recipients")  # SmtpResponse TooManyRecipients
TOO_BIG = _r(552, "5.3.4", "Message size exceeds fixed maximum message size")  # SmtpResponse MessageTooLarge
INSUFFICIENT_RESOURCES = _r(452, "4.3.1", "Insufficient system resources")  # InsufficientResource
SEND_HELLO_FIRST = _r(503, "5.5.2", "Send hello first")  # SmtpResponse NeedHello
SENDER_ALREADY = _r(503, "5.5.2", "Sender already specified")  # SmtpResponse MailFromAlreadySpecified
NEED_MAIL = _r(503, "5.5.2", "Need mail command")  # SmtpResponse NeedMailFrom
NEED_RCPT = _r(503, "5.5.2", "Need rcpt command")  # SmtpResponse NeedRcptTo
ALREADY_AUTHENTICATED = _r(503, "5.5.2", "Auth command already specified")  # SmtpResponse AuthAlreadySpecified
TLS_ALREADY = _r(503, "5.5.2", "Only one STARTTLS command can be issued per session")  # SmtpResponse
BAD_SEQUENCE = _r(503, "5.5.1", "Bad sequence of commands")  # SmtpResponse BadCommandSequence
UNRECOGNIZED = _r(500, "5.3.3", "Unrecognized command")  # SmtpResponse UnrecognizedCommand
COMMAND_TOO_LONG = _r(500, "5.5.2", "Command too long")  # SmtpResponse CommandTooLong
INVALID_ARGUMENTS = _r(501, "5.5.4", "Invalid arguments")  # SmtpResponse InvalidArguments
UNRECOGNIZED_PARAMETER = _r(501, "5.5.4", "Unrecognized parameter")  # SmtpResponse UnrecognizedParameter
UNSUPPORTED_BODY = _r(501, "5.5.4", "Unsupported BODY type")  # SmtpResponse UnsupportedBodyType
EHLO_DOMAIN_REQUIRED = _r(501, "5.0.0", "EHLO requires domain address")  # SmtpResponse EhloDomainRequired
HELO_DOMAIN_REQUIRED = _r(501, "5.0.0", "HELO requires domain address")  # SmtpResponse HeloDomainRequired
INVALID_DOMAIN = _r(501, "5.5.4", "Invalid domain name")  # SmtpResponse InvalidEhloDomain
INVALID_ADDRESS = _r(501, "5.1.3", "Invalid address")  # SmtpResponse InvalidAddress (RCPT TO)
INVALID_SENDER = _r(501, "5.1.7", "Invalid address")  # SmtpResponse InvalidSenderAddress (MAIL FROM)
HELP = Reply(
    214,
    "",
    "This server supports the following commands:",
    ("HELO EHLO STARTTLS RCPT DATA RSET MAIL QUIT HELP AUTH BDAT",),
)  # SmtpResponse Help
DOMAIN_NOT_AUTHENTICATED = _r(530, "5.7.1", "Not authenticated")  # NotAuthenticated: domain-secure sender, no TLS/cert
AUTH_TEMP_FAILURE = _r(454, "4.7.0", "Temporary authentication failure")  # AuthTempFailure (DOMAIN.md 3)
CERTIFICATE_INVALID = _r(454, "4.7.5", "Certificate validation failure")  # SmtpResponse CertificateValidationFailure
DOMAIN_SECURE_DISABLED = _r(451, "4.7.3", "The admin has temporarily disallowed this secure domain")  # SmtpResponse
NOT_ACCEPTING = _r(451, "4.3.2", "System not accepting network messages")  # DOMAIN.md 3 (DataTransactionFailed)
TIMEOUT = _r(451, "4.7.0", "Timeout waiting for client input")  # DOMAIN.md 3 (TimeoutOccurred)
CLOSED = Reply(0, "", "connection closed")


def chunk_received(octets: int) -> Reply:
    """BDAT's reply to a chunk that is not the LAST one (SmtpResponse OctetsReceived)."""
    return Reply(250, "2.6.0", f"CHUNK received OK, {octets} octets")
