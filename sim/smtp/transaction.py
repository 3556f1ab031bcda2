"""The mail transaction of an SMTP session: MAIL FROM, RCPT TO, DATA, BDAT and RSET, as Exchange decides them.

A part of `sim.smtp.session.SessionState` kept in its own module (the connection, greeting, TLS and
authentication stay there): `SessionState` inherits `MailTransaction`, so every decision still runs on
the one session object. The decisions and their sources are listed in sim.smtp.session's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exchange.domain_security import domain_secure_check
from ..exchange.receive.rules import ANONYMOUS, Identity
from ..scenario.receive import (
    ACCEPT_ANY_RECIPIENT,
    ACCEPT_ANY_SENDER,
    ACCEPT_AUTHORITATIVE_SENDER,
    BYPASS_ANTI_SPAM,
    SUBMIT,
)
from .replies import (
    AUTH_TEMP_FAILURE,
    BAD_SEQUENCE,
    CANNOT_SEND_AS,
    CERTIFICATE_INVALID,
    CLOSED,
    DOMAIN_NOT_AUTHENTICATED,
    DOMAIN_SECURE_DISABLED,
    INSUFFICIENT_RESOURCES,
    INVALID_ADDRESS,
    INVALID_SENDER,
    NEED_MAIL,
    NEED_RCPT,
    NOT_AUTHENTICATED,
    QUEUED,
    RECIPIENT_OK,
    REQUIRE_TLS_TO_SEND,
    RESET,
    SEND_HELLO_FIRST,
    SENDER_ALREADY,
    SENDER_OK,
    START_MAIL,
    SUBMIT_DENIED,
    TOO_BIG,
    TOO_MANY_RECIPIENTS,
    UNABLE_TO_RELAY,
    USER_UNKNOWN,
    Reply,
    chunk_received,
)
from .syntax import split_address


@dataclass
class AcceptedMessage:
    """A message a session accepted: what a live endpoint writes to disk and a workload counts."""

    connector: str
    identity: str
    sender: str
    recipients: tuple[str, ...]
    size: float


class MailTransaction:
    """MAIL, RCPT, DATA, BDAT and RSET of `SessionState` (which holds the attributes they read and set:
    decisions, connector, identity, tls, certificate, greeted, sender, recipients, in_data, chunked,
    binary, accepted, open)."""

    def _reset_transaction(self) -> None:
        self.sender, self.recipients, self.in_data = None, [], False
        self.chunked, self.binary = 0, False

    def mail_from(self, address: str, size: float | None = None, body: str | None = None) -> Reply:
        """MAIL FROM:<address> [SIZE=size] [BODY=body]. In order: hello and transaction state, the address
        (501 5.1.7), back pressure, RequireTLS (451 5.7.3), Domain Security, ms-Exch-SMTP-Submit (530/550
        5.7.1), the sender rights (550 5.7.1), the declared size (552)."""
        if not self.open:
            return CLOSED
        if not self.greeted:
            return SEND_HELLO_FIRST
        if self.sender is not None:
            return SENDER_ALREADY
        parts = split_address(address)
        if parts is None:
            return INVALID_SENDER
        if self.identity.kind == "partner":  # each MAIL FROM proves its domain again
            self.identity = ANONYMOUS
        authoritative = self.decisions.domain_type(parts[1]) == "authoritative"
        refusal = self._sender_refusal(parts[1], authoritative)
        if refusal is not None:
            return refusal
        limit = self._max_size()
        if size is not None and limit is not None and size > limit:
            return TOO_BIG
        self.sender = address.strip().strip("<>")
        self.binary = (body or "").upper() == "BINARYMIME"
        return SENDER_OK

    def _sender_refusal(self, domain: str, authoritative: bool) -> Reply | None:
        """Back pressure, RequireTLS, Domain Security, then the rights to submit and to send as this sender."""
        level = self.decisions.pressure()
        if level == "High" or (level == "Medium" and not authoritative):
            return INSUFFICIENT_RESOURCES
        if self.connector.require_tls and not self.tls:
            return REQUIRE_TLS_TO_SEND
        refusal = self._domain_security(domain)
        if refusal is not None:
            return refusal
        rights = self.rights
        if SUBMIT not in rights:
            return NOT_AUTHENTICATED if self.identity.kind == "anonymous" else SUBMIT_DENIED
        if self.identity.kind not in ("user", "partner"):
            needed = ACCEPT_AUTHORITATIVE_SENDER if authoritative else ACCEPT_ANY_SENDER
            if needed not in rights:
                return CANNOT_SEND_AS
        return None

    def _domain_security(self, domain: str) -> Reply | None:
        outcome = domain_secure_check(
            self.connector,
            domain,
            self.decisions.secure_receive_domains,
            anonymous=self.identity.kind == "anonymous",
            tls=self.tls,
            certificate=self.certificate,
        )
        if outcome == "partner":
            self.identity = Identity("partner", domain)
            return None
        return {
            None: None,
            "disabled": DOMAIN_SECURE_DISABLED,
            "not_authenticated": DOMAIN_NOT_AUTHENTICATED,
            "temporary_failure": AUTH_TEMP_FAILURE,
            "certificate": CERTIFICATE_INVALID,
        }[outcome]

    def rcpt_to(self, address: str) -> Reply:
        """RCPT TO:<address>. In order: a sender first, MaxRecipientsPerMessage (452 4.5.3), relay
        (550 5.7.1 Unable to relay: a domain that is not accepted without ms-Exch-SMTP-Accept-Any-Recipient),
        recipient filtering (550 5.1.1 for an unknown recipient of an authoritative domain)."""
        if not self.open:
            return CLOSED
        if self.sender is None:
            return NEED_MAIL
        parts = split_address(address)
        if parts is None or parts == ("", ""):
            return INVALID_ADDRESS
        if len(self.recipients) >= self.connector.max_recipients_per_message:
            return TOO_MANY_RECIPIENTS
        kind = self.decisions.domain_type(parts[1])
        rights = self.rights
        if kind is None and ACCEPT_ANY_RECIPIENT not in rights:
            return UNABLE_TO_RELAY
        if (
            kind == "authoritative"
            and self.recipient_filtering
            and BYPASS_ANTI_SPAM not in rights
            and not self.decisions.recipient_exists(*parts)
        ):
            return USER_UNKNOWN
        self.recipients.append(address.strip().strip("<>"))
        return RECIPIENT_OK

    @property
    def recipient_filtering(self) -> bool:
        """Whether this connector rejects unknown recipients of authoritative domains (550 5.1.1)."""
        if self.connector is None:
            return False
        chosen = self.connector.recipient_filtering
        return self.decisions.info.recipient_filtering if chosen is None else chosen

    def data_start(self) -> Reply:
        """DATA: 354, or 503 without a sender or an accepted recipient."""
        if not self.open:
            return CLOSED
        if self.sender is None:
            return NEED_MAIL
        if not self.recipients:
            return NEED_RCPT
        if self.chunked or self.binary:
            return BAD_SEQUENCE
        self.in_data = True
        return START_MAIL

    def data_end(self, size: float) -> Reply:
        """The end of the message (size in bytes): 552 over MaxMessageSize, else 250 2.6.0 queued."""
        if not self.open:
            return CLOSED
        if not self.in_data:
            return NEED_MAIL if self.sender is None else NEED_RCPT
        limit = self._max_size()
        if limit is not None and size > limit:
            self._reset_transaction()
            return TOO_BIG
        self.accepted.append(
            AcceptedMessage(self.connector.name, str(self.identity), self.sender or "", tuple(self.recipients), size)
        )
        self._reset_transaction()
        return QUEUED

    def bdat(self, size: int, last: bool) -> Reply:
        """BDAT size [LAST] (CHUNKING): the chunk's reply; the LAST chunk is judged as the end of DATA."""
        if not self.open:
            return CLOSED
        if self.sender is None:
            return NEED_MAIL
        if not self.recipients:
            return NEED_RCPT
        self.chunked += size
        if not last:
            return chunk_received(size)
        self.in_data = True
        return self.data_end(self.chunked)

    def data(self, size: float) -> Reply:
        """DATA and the message in one call: the 354 if refused, else the final reply."""
        reply = self.data_start()
        return self.data_end(size) if reply.code == 354 else reply

    def rset(self) -> Reply:
        """RSET: the transaction (sender, recipients, chunks) is dropped; the greeting and identity stay."""
        if not self.open:
            return CLOSED
        self._reset_transaction()
        return RESET
