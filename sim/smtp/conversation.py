"""One SMTP conversation as the wire carries it: raw command lines in, the session model's replies out.

`Conversation` joins the grammar (sim.smtp.syntax) to the decisions (`SessionState`) and, when the
Receive connector logs Verbose, writes every line both ways to the Exchange protocol log
(sim.formats.protocol_log, written through sim.smtp.protocol_log_writer). The live endpoint and the played transcripts both talk through it, so a
reply on the wire and in the model come from the same call, and so do their log lines.

What needs wire work before its final reply is split in two: AUTH (the credentials dialogue), DATA
(the message), BDAT (the chunk) and STARTTLS (the handshake, after the 220).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..exchange.domain_security import PeerCertificate
from ..formats.protocol_log import CREDENTIALS, certificate_events, permissions_text
from .protocol_log_writer import ProtocolLogSession, ProtocolLogWriter, wall_clock
from .replies import CLOSED, HELP, Reply
from .session import SessionState, SmtpDecisions
from .syntax import Command, bdat_arguments, mask_auth_line, parse_line, path_and_parameters

CONTINUES = ("AUTH", "BDAT")
"""Verbs whose reply comes after wire work (`Conversation.command` answers None for them)."""


class Conversation:
    """A `SessionState` and, when its connector logs Verbose, its protocol log session."""

    def __init__(self, state: SessionState, log: ProtocolLogSession | None = None) -> None:
        self.state = state
        self.log = log
        self._permissions = ""

    @classmethod
    def open(
        cls,
        decisions: SmtpDecisions,
        client_ip: str,
        port: int,
        local_ip: str | None = None,
        *,
        writer: ProtocolLogWriter | None = None,
        remote_port: int = 0,
        clock: Callable[[], datetime] = wall_clock,
        session_id: str | None = None,
    ) -> Conversation:
        """Connect (the connector is chosen now) and, on a Verbose connector, log `+`, the banner and the
        session's permissions. `remote_port`: the client's source port, for the log's remote endpoint; `session_id`:
        the log's id for the session, when the caller has one (else the writer numbers it)."""
        now = clock()
        state = decisions.connect(client_ip, port, local_ip, at=now)
        log = None
        connector = state.connector
        if writer is not None and connector is not None and connector.protocol_logging_level == "Verbose":
            where, peer = f"{state.local_ip}:{port}", f"{client_ip}:{remote_port}"
            log = writer.session(f"{decisions.server}\\{connector.name}", where, peer, clock, start=now,
                                 session_id=session_id)  # fmt: skip
            log.connect()
        conversation = cls(state, log)
        if log is not None:
            log.sent(state.banner.wire())
            conversation._log_permissions()
            if not state.open:
                log.disconnect("Local")
        return conversation

    @property
    def banner(self) -> Reply:
        """The reply to the connection: 220, 452 4.3.1 under back pressure, or code 0 (no connector)."""
        return self.state.banner

    # -- logging ------------------------------------------------------------------------------------
    def _log_permissions(self) -> None:
        if self.log is None or self.state.connector is None:
            return
        text = permissions_text(self.state.rights)
        if text != self._permissions:
            self._permissions = text
            self.log.info(text, "Set Session Permissions")

    def reply(self, reply: Reply) -> Reply:
        """Log a reply that is sent (a multi-line one line by line) and hand it back."""
        if self.log is not None and reply.code:
            self.log.sent(reply.wire())
            self._log_permissions()
        return reply

    def received(self, text: str) -> None:
        """Log a line received from the client (a command as typed, or an AUTH answer already masked)."""
        if self.log is not None:
            self.log.received(text)

    def close(self, context: str = "Local") -> None:
        """Log the end of the connection: Local (the server closed), Remote, or Remote(SocketError)."""
        if self.log is not None and not self.log.closed:
            self.log.disconnect(context)

    # -- commands -------------------------------------------------------------------------------------
    def command(self, raw: bytes | str) -> tuple[Command | None, Reply | None]:
        """Decide one command line: (the command, its reply); the command is None for a line that is
        none (its reply is the syntax error); the reply is None for AUTH and BDAT, which go on with
        `auth` and `bdat` once their wire work is done."""
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
        parsed = parse_line(data)
        shown = data[:200].rstrip(b"\r\n").decode("utf-8", "replace")
        if isinstance(parsed, Reply):
            self.received(shown)
            return None, self.reply(parsed if self.state.open else CLOSED)
        self.received(mask_auth_line(parsed.line) if parsed.verb == "AUTH" else parsed.line)
        if parsed.verb in CONTINUES:
            return parsed, None
        reply = self.reply(self.answer(parsed))
        if parsed.verb == "STARTTLS" and reply.code == 220 and self.log is not None:
            self.log.infos(certificate_events(self.state.decisions.certificate))  # the certificate it will send
        return parsed, reply

    def answer(self, command: Command) -> Reply:
        """The session model's reply to a command that needs no wire work first."""
        state, verb, arg = self.state, command.verb, command.arg
        if not state.open:
            return CLOSED
        if verb in ("EHLO", "HELO"):
            return (state.ehlo if verb == "EHLO" else state.helo)(arg)
        if verb == "MAIL":
            parsed = path_and_parameters(arg, "FROM:")
            if isinstance(parsed, Reply):
                return parsed
            size = parsed[1].get("SIZE")
            return state.mail_from(parsed[0], float(size) if size else None, parsed[1].get("BODY"))
        if verb == "RCPT":
            parsed = path_and_parameters(arg, "TO:")
            return parsed if isinstance(parsed, Reply) else state.rcpt_to(parsed[0])
        if verb == "STARTTLS":
            return state.starttls()
        if verb == "DATA":
            return state.data_start()
        if verb == "RSET":
            return state.rset()
        if verb == "NOOP":
            return state.noop()
        if verb == "QUIT":
            return state.quit()
        return HELP  # the only verb left in syntax.VERBS

    def bdat_size(self, command: Command) -> tuple[int, bool] | Reply:
        """(chunk size, last) of a BDAT command, or its syntax error (logged; no chunk follows it)."""
        parsed = bdat_arguments(command.arg)
        if isinstance(parsed, Reply):
            self.reply(parsed)
        return parsed

    def bdat(self, size: int, last: bool) -> Reply:
        """The reply to a BDAT chunk the endpoint has read (or that a transcript stands for)."""
        self._content(f"{size} octets", "BDAT chunk" + (" (LAST)" if last else ""))
        return self.reply(self.state.bdat(size, last))

    def data_end(self, size: float) -> Reply:
        """The reply once the message of DATA has arrived (its size in bytes)."""
        self._content(f"{int(size)} octets", "message received")
        return self.reply(self.state.data_end(size))

    def _content(self, data: str, context: str) -> None:
        """Decision (UNCONFIRMED wording): the log notes a message or chunk as a `*` event, never its content."""
        if self.log is not None:
            self.log.info(data, context)

    def auth_refusal(self, mechanism: str) -> Reply | None:
        """None when the model would go on to check credentials for `mechanism` (so the endpoint asks for
        them); else the refusal the model gives before credentials (504, 451 5.7.3, 530 5.7.0, 503 ...),
        logged. Asked by calling `state.auth(mechanism)` with no credentials: that attempt can only
        fail, and a failed attempt does not change the session; the model's 535 means "ask"."""
        reply = self.state.auth(mechanism, None, None)
        return None if reply.code == 535 else self.reply(reply)

    def challenge(self, line: str) -> None:
        """Log a 334 challenge of the AUTH dialogue (its content hidden) and the client's answer."""
        if self.log is not None:
            self.log.sent(f"{line[:3]} {CREDENTIALS}")
            self.log.received(CREDENTIALS)

    def auth(self, mechanism: str, user: str | None, password: str | None) -> Reply:
        """The model's verdict on credentials (logged, with the permissions the session holds after it)."""
        return self.reply(self.state.auth(mechanism, user, password))

    def tls_established(self, certificate: PeerCertificate | None) -> None:
        """The STARTTLS handshake finished; `certificate`: what the client showed (Domain Security)."""
        self.state.present_certificate(certificate)
        if self.log is not None and certificate is not None:
            self.log.info(str(certificate), "Client certificate")
