"""The SMTP protocol of `exsim smtpd`: aiosmtpd's connection handling, with every reply from the session model.

Serves one modelled Hub or Edge server's Receive connectors over real SMTP on loopback, so an
administrator can "prove it with telnet" (swaks, openssl s_client -starttls smtp, smtplib) against a
planned configuration. The ONLY module that touches aiosmtpd's internals (its underscore attributes,
and asyncio's sslproto for the STARTTLS handshake).

One decision code path. Every line a client sends goes to `sim.smtp.conversation.Conversation`, which
parses it with the model's grammar and answers with the `SessionState` the session model and `exsim
audit` use: the banner, EHLO and its extensions, syntax errors, over-long lines, STARTTLS, AUTH, MAIL,
RCPT, DATA, BDAT, RSET, NOOP, HELP, QUIT and unknown commands. This module only does the wire work the
model cannot: sockets, the base64 dialogue of AUTH PLAIN and LOGIN, the TLS handshake (asking for a
client certificate where the connector is domain-secure), reading the message or its chunks, writing
accepted messages as .eml files, and the protocol log's disconnect line.

aiosmtpd's own command loop is replaced (`_handle_client`), so none of its replies ("500 Error: bad
syntax", "500 Command line too long", its MAIL parser) reach the wire. Whatever a client does (resets
at any point, TLS garbage, half-closed sockets, junk bytes) ends its session with one log line on the
"exsim.smtpd" logger and never a traceback.

Limits of the rehearsal (wire level, not policy):
- AUTH NTLM, GSSAPI, EXCHANGE and X-EXPS are decided by the model up to the point where credentials
  are needed (so 504 / 451 5.7.3 / 530 5.7.0 refusals are exact); the endpoint cannot run those
  protocols, so where the model would go on to ask for credentials it answers 504 5.7.4 and says why.
- A client certificate from another CA fails the TLS handshake itself (the session ends, one log
  line); the model answers such a certificate with 454 4.7.5 at MAIL FROM.
"""

from __future__ import annotations

import asyncio
import base64
from asyncio import sslproto
from pathlib import Path
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP

from ..exchange.domain_security import PeerCertificate
from .conversation import Conversation
from .replies import COMMAND_TOO_LONG, NOT_ACCEPTING, TIMEOUT, UNRECOGNIZED_AUTH, Reply
from .session import AcceptedMessage, SmtpDecisions
from .syntax import BASIC_MECHANISMS, MAX_LINE, Command, decode_auth_blob, plain_credentials
from .wire import MESSAGE_CAP, TlsMaterial, log, model_client_ip


class Endpoint(Protocol):
    """What a connection needs from the endpoint that serves it (sim.smtp.serving.Endpoint provides it;
    written as a protocol so the two modules do not import each other)."""

    decisions: SmtpDecisions
    tls: TlsMaterial
    loop: asyncio.AbstractEventLoop | None
    client_ip: str | None
    active: set[Any]

    def open_conversation(self, client_ip: str, modelled_port: int, remote_port: int) -> Conversation:
        """A new session of the model for a connection."""
        ...

    def store(self, message: AcceptedMessage, content: bytes, protocol: Any) -> Path:
        """Write an accepted message; returns where."""
        ...


class SessionEnded(Exception):
    """The client went away or the session cannot go on; the message says why (one log line)."""


class ExsimSMTP(SMTP):
    """aiosmtpd's SMTP connection handling with every decision delegated to a `Conversation`."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, endpoint: Endpoint, modelled_port: int, **kwargs: Any) -> None:
        self.endpoint = endpoint
        self.modelled_port = modelled_port
        self.conversation: Conversation | None = None
        self.client_ip = ""
        self.peer = ""
        self.helo_name = ""
        self.failure: str | None = None
        self.context = "Remote"
        self.stopping = False  # the endpoint is shutting down: a session it closes has not failed
        self._chunks: list[bytes] = []
        self._chunked = 0
        self._finished = False
        super().__init__(
            endpoint,
            hostname=endpoint.decisions.fqdn,
            tls_context=endpoint.tls.plain,
            data_size_limit=None,
            auth_require_tls=False,
            loop=endpoint.loop,
            **kwargs,
        )

    @property
    def state(self):
        """The session model's state of this connection (None before it is made)."""
        return self.conversation.state if self.conversation else None

    # -- connection ----------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """aiosmtpd's set-up, then (on the first call, not the one after STARTTLS) the model's connection."""
        first = self.conversation is None and self.transport is None
        super().connection_made(transport)
        if not first:
            return
        self.endpoint.active.add(self)
        try:
            host, port = transport.get_extra_info("peername")[:2]
            self.peer = f"{host}:{port}"
            self.client_ip = self.endpoint.client_ip or model_client_ip(host)
            self.conversation = self.endpoint.open_conversation(self.client_ip, self.modelled_port, port)
        except Exception as error:  # never a traceback: one line, and the connection is dropped
            self.failure = f"could not start the session: {type(error).__name__}: {error}"
            transport.close()

    def eof_received(self) -> bool:
        """The client half-closed: let the reader see the end (the lines already sent are still answered)."""
        keep_open = asyncio.StreamReaderProtocol.eof_received(self)
        return False if self.session is not None and self.session.ssl is not None else bool(keep_open)

    def _timeout_cb(self) -> None:
        """ConnectionInactivityTimeout: the model's 451 4.7.0, then close."""
        self.failure = "no command for the inactivity timeout"
        if self.transport is not None and self.conversation is not None:
            reply = self.conversation.reply(TIMEOUT)
            self.transport.write(("\r\n".join(reply.wire()) + "\r\n").encode())
            self.context = "Local"
            self.transport.close()

    # -- the session ---------------------------------------------------------------------------------
    async def _handle_client(self) -> None:
        """The whole session; whatever happens ends in `_finish` (one log line if it failed)."""
        try:
            if self.conversation is not None:
                await self._serve()
        except asyncio.CancelledError:
            if not self.stopping:
                self.failure = self.failure or "connection lost"
                self.context = "Remote(SocketError)"
        except SessionEnded as ended:
            self.failure = self.failure or str(ended)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self.failure = self.failure or f"connection lost: {type(error).__name__}"
            self.context = "Remote(SocketError)"
        except Exception as error:  # a fault of exsim itself: still one line, no traceback
            self.failure = f"internal error: {type(error).__name__}: {error}"
            self.context = "Local"
        finally:
            self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.endpoint.active.discard(self)
        if self.transport is not None:
            self.transport.close()
        if self._original_transport is not None:
            self._original_transport.close()
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()
        if self.conversation is not None:
            self.conversation.close(self.context)
        if self.failure:
            state = self.state
            where = repr(state.connector.name) if state is not None and state.connector else "no connector"
            log.warning("session from %s (as %s) on %s: %s", self.peer, self.client_ip or "?", where, self.failure)

    async def _serve(self) -> None:
        conversation = self.conversation
        banner = conversation.banner
        if banner.code == 0:  # no Receive connector takes this connection: drop it, no reply
            log.info("%s (as %s): %s", self.peer, self.client_ip, banner.text)
            self.context = "Local"
            return
        await self._send(banner)
        while self.transport is not None and self.state.open:
            raw = await self._read_line()
            if raw is None:
                raise SessionEnded("the client closed the connection without QUIT")
            self._reset_timeout()
            command, reply = conversation.command(raw)
            if reply is not None:
                await self._send(reply)
            if command is not None:
                await self._after(command, reply)
        self.context = "Local"

    async def _after(self, command: Command, reply: Reply | None) -> None:
        """The wire work that follows a command's reply (or comes before it, for AUTH and BDAT)."""
        verb = command.verb
        if verb in ("EHLO", "HELO") and reply.ok:
            self.helo_name = command.arg
        if verb in ("EHLO", "HELO", "MAIL", "RSET", "STARTTLS"):
            self._chunks, self._chunked = [], 0
        if verb == "STARTTLS" and reply.code == 220:
            await self._start_tls()
        elif verb == "DATA" and reply.code == 354:
            await self._data()
        elif verb == "AUTH":
            await self._auth(command.arg)
        elif verb == "BDAT":
            await self._bdat(command)

    async def _send(self, reply: Reply) -> None:
        if reply.code == 0:  # the model closed the connection
            self.context = "Local"
            self.transport.close()
            return
        for line in reply.wire():
            await self.push(line)

    async def _read_line(self) -> bytes | None:
        """One line with its LF; of a line longer than MAX_LINE only MAX_LINE + 1 bytes are kept (the
        rest is read and dropped); None at the end of the stream."""
        kept = b""
        while True:
            try:
                line = await self._reader.readuntil(b"\n")
            except asyncio.LimitOverrunError as error:
                chunk = await self._reader.read(max(error.consumed, 1))
                kept += chunk[: max(0, MAX_LINE + 1 - len(kept))]
                continue
            except asyncio.IncompleteReadError:
                return None
            return (kept + line)[: MAX_LINE + 1] if kept else line

    # -- STARTTLS ------------------------------------------------------------------------------------
    async def _start_tls(self) -> None:
        """The handshake, as aiosmtpd's own STARTTLS does it, with the context the connector needs."""
        context = self.endpoint.tls.mutual if self.state.requests_certificate else self.endpoint.tls.plain
        waiter = self.loop.create_future()
        self._tls_protocol = sslproto.SSLProtocol(self.loop, self, context, waiter, server_side=True)
        self._original_transport = self.transport
        self._original_transport.set_protocol(self._tls_protocol)
        self.transport = self._tls_protocol._app_transport
        self._tls_protocol.connection_made(self._original_transport)
        try:
            await waiter
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.context = "Remote(SocketError)"
            raise SessionEnded(f"TLS handshake failed: {type(error).__name__}: {error}") from None
        peer = self.transport.get_extra_info("peercert") if self.transport is not None else None
        self.conversation.tls_established(PeerCertificate.from_peercert(peer))

    # -- AUTH ----------------------------------------------------------------------------------------
    async def _auth(self, arg: str) -> None:
        args = arg.split()
        mechanism = args[0].upper() if args else ""
        conversation = self.conversation
        refusal = conversation.auth_refusal(mechanism)
        if refusal is not None:
            await self._send(refusal)
            return
        if mechanism not in BASIC_MECHANISMS:
            text = (
                f"{UNRECOGNIZED_AUTH.text} (exsim smtpd rehearses AUTH LOGIN and PLAIN only; "
                f"the model accepts {mechanism} here)"
            )
            await self._send(conversation.reply(Reply(UNRECOGNIZED_AUTH.code, UNRECOGNIZED_AUTH.enhanced, text)))
            return
        credentials = await (self._plain(args) if mechanism == "PLAIN" else self._login(args))
        if isinstance(credentials, Reply):  # cancelled, or not base64
            await self._send(conversation.reply(credentials))
            return
        await self._send(conversation.auth(mechanism, *credentials))

    async def _ask(self, challenge: str) -> bytes | Reply:
        line = "334 " + base64.b64encode(challenge.encode()).decode()
        await self.push(line)
        self.conversation.challenge(line)
        raw = await self._read_line()
        if raw is None:
            raise SessionEnded("the client closed the connection during AUTH")
        if len(raw) > MAX_LINE:
            return COMMAND_TOO_LONG
        return decode_auth_blob(raw.decode("ascii", "replace"))

    async def _plain(self, args: list[str]) -> tuple[str, str] | Reply:
        blob = decode_auth_blob(args[1]) if len(args) > 1 else await self._ask("")
        return blob if isinstance(blob, Reply) else plain_credentials(blob)

    async def _login(self, args: list[str]) -> tuple[str, str] | Reply:
        user = decode_auth_blob(args[1]) if len(args) > 1 else await self._ask(self.AuthLoginUsernameChallenge)
        if isinstance(user, Reply):
            return user
        password = await self._ask(self.AuthLoginPasswordChallenge)
        if isinstance(password, Reply):
            return password
        return user.decode("utf-8", "replace"), password.decode("utf-8", "replace")

    # -- DATA and BDAT -----------------------------------------------------------------------------------
    async def _data(self) -> None:
        content, size = await self._read_message()
        accepted_before = len(self.state.accepted)
        reply = self.conversation.data_end(size)
        await self._deliver(reply, content, accepted_before)

    async def _read_message(self) -> tuple[bytes, int]:
        """The message up to the lone dot, dot-unstuffed; its size in bytes counts every line."""
        kept: list[bytes] = []
        size = 0
        line_start = True  # False while reading the rest of a line longer than the reader's buffer
        while True:
            try:
                line = await self._reader.readuntil(b"\n")
            except asyncio.LimitOverrunError as error:
                line = await self._reader.read(max(error.consumed, 1))
            except asyncio.IncompleteReadError:
                raise SessionEnded("the client closed the connection during DATA") from None
            starts, line_start = line_start, line.endswith(b"\n")
            if starts and line in (b".\r\n", b".\n"):
                return b"".join(kept), size
            if starts and line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size <= MESSAGE_CAP:
                kept.append(line)

    async def _bdat(self, command: Command) -> None:
        parsed = self.conversation.bdat_size(command)
        if isinstance(parsed, Reply):
            await self._send(parsed)
            return
        size, last = parsed
        remaining = size
        while remaining:
            try:
                piece = await self._reader.readexactly(min(remaining, 65536))
            except asyncio.IncompleteReadError:
                raise SessionEnded("the client closed the connection during BDAT") from None
            remaining -= len(piece)
            if self._chunked + len(piece) <= MESSAGE_CAP:
                self._chunks.append(piece)
            self._chunked += len(piece)
        accepted_before = len(self.state.accepted)
        reply = self.conversation.bdat(size, last)
        content = b"".join(self._chunks) if last else b""
        if last or not reply.ok:
            self._chunks, self._chunked = [], 0
        await self._deliver(reply, content, accepted_before)

    async def _deliver(self, reply: Reply, content: bytes, accepted_before: int) -> None:
        if reply.ok and len(self.state.accepted) > accepted_before:
            try:
                self.endpoint.store(self.state.accepted[-1], content, self)
            except OSError as error:  # disk trouble: Exchange's reply when it cannot take the message
                log.error("could not write the message: %s", error)
                await self._send(self.conversation.reply(NOT_ACCEPTING))
                return
        await self._send(reply)
