"""A live SMTP endpoint for rehearsal: `exsim smtpd`.

Serves one modelled Hub or Edge server's Receive connectors over real SMTP on loopback with aiosmtpd,
so an administrator can "prove it with telnet" (swaks, openssl s_client -starttls smtp, smtplib)
against a planned configuration.

One decision code path. Every reply the endpoint sends (banner, EHLO and its extensions, STARTTLS,
AUTH, MAIL, RCPT, DATA, RSET, NOOP, QUIT, unknown commands) is the `Reply` returned by a method of
`sim.smtp.session.SessionState`, the object the session model and `exsim audit` use too. This module
only does the wire work the model cannot: sockets, parsing command lines, the base64 dialogue of AUTH
PLAIN and LOGIN, the TLS handshake, reading the message, and writing accepted messages as .eml files.

Which connector answers: a listening port stands for a modelled port (`port_map`, by default
2525 -> 25 and 2587 -> 587); the modelled local IP is the server's; the client IP is the real peer
address (127.0.0.1 on loopback) unless `client_ip` pretends to be another host, to rehearse a Custom
connector's remote IP range. The connector is chosen once, at connect, by `SmtpDecisions.connect()`.

Limits of the rehearsal (wire level, not policy):
- AUTH NTLM, GSSAPI, EXCHANGE and X-EXPS are decided by the model up to the point where credentials
  are needed (so 504 / 451 5.7.3 / 530 5.7.0 refusals are exact); the endpoint cannot run those
  protocols, so where the model would go on to ask for credentials it answers 504 5.7.4 and says why.
- BDAT (CHUNKING, BINARYMIME) is advertised because the model advertises it, but aiosmtpd has no BDAT;
  a client using it gets the model's reply for an unrecognised command.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import logging
import ssl
from asyncio import sslproto
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, TLSSetupException

from .replies import Reply
from .session import SessionState

if TYPE_CHECKING:  # pragma: no cover
    from .endpoint import Endpoint

log = logging.getLogger("exsim.smtpd")

DEFAULT_PORT_MAP: dict[int, int] = {2525: 25, 2587: 587}
DEFAULT_LISTEN = ("127.0.0.1:2525", "127.0.0.1:2587")
MESSAGE_CAP = 64 * 1024 * 1024
"""Bytes of one message kept in memory; beyond it the rest is counted (for the model's size decision) but dropped."""
BASIC = ("LOGIN", "PLAIN")


# ---- adapter: what the live endpoint needs from SessionState beyond its public methods ------------
# Kept apart on purpose: each function calls SessionState's own decision methods, never a copy of a rule.
# See the report of issue 4 item 6 for the methods sim.smtp.session could add to replace these.

def auth_start(state: SessionState, mechanism: str) -> Reply | None:
    """None when the model would go on to check credentials for `mechanism` (so the endpoint should
    ask for them); else the refusal the model gives before credentials (504, 451 5.7.3, 530 5.7.0,
    503 ...). Asked by calling `state.auth(mechanism)` with no credentials: that attempt can only fail,
    and a failed attempt does not change the session; the model's 535 means "credentials were needed".
    """
    reply = state.auth(mechanism, None, None)
    return None if reply.code == 535 else reply


def unrecognized(state: SessionState, command: str) -> Reply:
    """The model's reply to a command it does not know (what `sim.smtp.transcript.play` answers)."""
    from .replies import CLOSED, UNRECOGNIZED

    return UNRECOGNIZED if state.open else CLOSED


# ---- helpers ----------------------------------------------------------------------------------------

def reply_lines(reply: Reply) -> list[str]:
    """The wire lines of a reply ('250-...', '250 ...')."""
    return reply.wire()


def smtplib_view(reply: Reply) -> tuple[int, bytes]:
    """What Python's smtplib returns for this reply: (code, lines joined by newlines, without codes)."""
    first = f"{reply.enhanced} {reply.text}".strip()
    return reply.code, "\n".join([first, *reply.lines]).encode()


def parse_listen(text: str) -> tuple[str, int]:
    """'127.0.0.1:2525' -> ('127.0.0.1', 2525); only IPv4 loopback addresses (the model is IPv4)."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not host:
        raise ValueError(f"--listen {text!r}: write it as ADDRESS:PORT, e.g. 127.0.0.1:2525")
    if host.lower() == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"--listen {text!r}: {host!r} is not an IP address; use a loopback address such as "
                         "127.0.0.1") from None
    if not address.is_loopback:
        raise ValueError(f"--listen {text!r}: exsim smtpd listens only on loopback addresses (127.0.0.0/8): "
                         "it is a rehearsal endpoint, not a mail server")
    if address.version != 4:
        raise ValueError(f"--listen {text!r}: use an IPv4 loopback address such as 127.0.0.1 (the model's "
                         "Receive connectors are IPv4)")
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"--listen {text!r}: the port must be a number") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"--listen {text!r}: the port must be 0 to 65535")
    return str(address), port


def parse_port_map(text: str) -> dict[int, int]:
    """'2525=25,2587=587' -> {2525: 25, 2587: 587}: listening port = modelled binding port."""
    mapping: dict[int, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        real, sep, modelled = item.partition("=")
        try:
            if not sep:
                raise ValueError
            mapping[int(real)] = int(modelled)
        except ValueError:
            raise ValueError(f"--port-map {text!r}: write LISTENPORT=MODELLEDPORT pairs, e.g. 2525=25,2587=587") from None
    return mapping


def make_tls_context(names: Sequence[str]) -> tuple[ssl.SSLContext, bytes]:
    """A server context with a certificate for `names`, issued by a throwaway CA made now (trustme);
    returns the context and the CA certificate (PEM) for clients that want to verify."""
    import trustme

    ca = trustme.CA(organization_name="exsim smtpd rehearsal CA")
    cert = ca.issue_cert(*names)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context, ca.cert_pem.bytes()


# ---- the SMTP protocol -------------------------------------------------------------------------------

class _Commands(dict):
    """aiosmtpd's command table; an unknown command goes to the model too (`fallback`)."""

    fallback: Any = None

    def get(self, key, default=None):  # noqa: D102 - dict.get with a model fallback
        found = super().get(key)
        if found is not None:
            return found
        return lambda arg, _command=key: self.fallback(_command, arg)


@dataclass
class Listener:
    """One listening socket: real address and port, and the modelled port it stands for."""

    host: str
    port: int
    modelled_port: int


class ExsimSMTP(SMTP):
    """aiosmtpd's SMTP with every decision delegated to a `SessionState`."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, endpoint: "Endpoint", modelled_port: int, **kwargs: Any) -> None:
        self.endpoint = endpoint
        self.modelled_port = modelled_port
        self.state: SessionState | None = None
        self.client_ip = ""
        self.helo_name = ""
        super().__init__(endpoint, hostname=endpoint.decisions.fqdn, tls_context=endpoint.tls_context,
                         data_size_limit=None, auth_require_tls=False, loop=endpoint.loop, **kwargs)
        commands = _Commands(self._smtp_methods)
        commands.fallback = self._unknown
        self._smtp_methods = commands

    # -- connection and banner -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.state is None:
            peer = transport.get_extra_info("peername")
            self.client_ip = self.endpoint.client_ip or (peer[0] if peer else "127.0.0.1")
            self.state = self.endpoint.decisions.connect(self.client_ip, self.modelled_port)
        super().connection_made(transport)

    async def _handle_client(self) -> None:
        banner = self.state.banner
        if banner.code == 0:  # no Receive connector takes this connection: drop it, no reply
            log.info("%s: %s", self.client_ip, banner.text)
            self.transport.close()
            return
        if banner.code != 220:  # e.g. 452 4.3.1 under back pressure: say so and close
            for line in reply_lines(banner):
                await self.push(line)
            self.transport.close()
            return
        host, _, rest = reply_lines(banner)[0][4:].partition(" ")
        self.hostname, self.__ident__ = host, rest
        await super()._handle_client()

    async def _send(self, reply: Reply) -> None:
        if reply.code == 0:  # the model closed the connection
            self.transport.close()
            return
        for line in reply_lines(reply):
            await self.push(line)

    # -- commands --------------------------------------------------------------------------------------
    async def smtp_EHLO(self, hostname: str) -> None:
        reply = self.state.ehlo(hostname or "")
        if reply.ok:
            self._set_rset_state()
            self.session.host_name, self.session.extended_smtp = hostname or "", True
            self.helo_name = hostname or ""
            self.command_size_limits["MAIL"] = self.command_size_limit + 26 + 100  # SIZE=, BODY=, RET= ...
        await self._send(reply)

    async def smtp_HELO(self, hostname: str) -> None:
        reply = self.state.helo(hostname or "")
        if reply.ok:
            self._set_rset_state()
            self.session.host_name, self.session.extended_smtp = hostname or "", False
            self.helo_name = hostname or ""
        await self._send(reply)

    async def smtp_STARTTLS(self, arg: str) -> None:
        reply = self.state.starttls()
        await self._send(reply)
        if reply.code != 220:
            return
        # The handshake, as aiosmtpd's own STARTTLS does it (wire work only).
        waiter = self.loop.create_future()
        self._tls_protocol = sslproto.SSLProtocol(self.loop, self, self.tls_context, waiter, server_side=True)
        self._original_transport = self.transport
        self._original_transport.set_protocol(self._tls_protocol)
        self.transport = self._tls_protocol._app_transport
        self._tls_protocol.connection_made(self._original_transport)
        try:
            await waiter
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise TLSSetupException() from error

    async def smtp_AUTH(self, arg: str | None) -> None:
        args = (arg or "").split()
        mechanism = args[0].upper() if args else ""
        refusal = auth_start(self.state, mechanism)
        if refusal is not None:
            await self._send(refusal)
            return
        if mechanism not in BASIC:
            from .replies import UNRECOGNIZED_AUTH

            await self._send(Reply(UNRECOGNIZED_AUTH.code, UNRECOGNIZED_AUTH.enhanced,
                                   f"{UNRECOGNIZED_AUTH.text} (exsim smtpd rehearses AUTH LOGIN and PLAIN only; "
                                   f"the model accepts {mechanism} here)"))
            return
        credentials = await (self._plain(args) if mechanism == "PLAIN" else self._login(args))
        if credentials is None:  # the client aborted or sent something that is not base64
            return
        user, password = credentials
        await self._send(self.state.auth(mechanism, user, password))

    async def _decode(self, blob: str) -> bytes | None:
        if blob == "*":
            await self.push("501 5.7.0 Auth aborted")
            return None
        try:
            return base64.b64decode(blob.encode(), validate=True)
        except (binascii.Error, ValueError):
            await self.push("501 5.5.2 Cannot decode base64")
            return None

    async def _ask(self, challenge: str) -> bytes | None:
        await self.push("334 " + base64.b64encode(challenge.encode()).decode())
        line = await self._reader.readline()
        return await self._decode(line.strip().decode("ascii", "replace"))

    async def _plain(self, args: list[str]) -> tuple[str, str] | None:
        blob = await (self._decode(args[1]) if len(args) > 1 else self._ask(""))
        if blob is None:
            return None
        parts = blob.split(b"\x00")
        if len(parts) != 3:
            await self.push("501 5.5.2 Cannot split the AUTH PLAIN value")
            return None
        return parts[1].decode("utf-8", "replace"), parts[2].decode("utf-8", "replace")

    async def _login(self, args: list[str]) -> tuple[str, str] | None:
        user = await (self._decode(args[1]) if len(args) > 1 else self._ask(self.AuthLoginUsernameChallenge))
        if user is None:
            return None
        password = await self._ask(self.AuthLoginPasswordChallenge)
        if password is None:
            return None
        return user.decode("utf-8", "replace"), password.decode("utf-8", "replace")

    @staticmethod
    def _address_and_params(arg: str | None, keyword: str) -> tuple[str, dict[str, str]]:
        """Split 'FROM:<a@b> SIZE=123 BODY=8BITMIME' into ('<a@b>', {'SIZE': '123', ...}); what is not
        an address is passed on as it is, so the model's address check answers."""
        text = (arg or "").strip()
        if text.upper().startswith(keyword):
            text = text[len(keyword):].strip()
        if text.startswith("<"):
            end = text.find(">")
            address, rest = (text[:end + 1], text[end + 1:]) if end >= 0 else (text, "")
        else:
            address, _, rest = text.partition(" ")
        params = {}
        for item in rest.split():
            key, _, value = item.partition("=")
            params[key.upper()] = value
        return address, params

    async def smtp_MAIL(self, arg: str | None) -> None:
        address, params = self._address_and_params(arg, "FROM:")
        size = params.get("SIZE")
        reply = self.state.mail_from(address, float(size) if size and size.isdigit() else None)
        if reply.ok:
            self.envelope.mail_from = address.strip("<>")
        await self._send(reply)

    async def smtp_RCPT(self, arg: str | None) -> None:
        address, _ = self._address_and_params(arg, "TO:")
        reply = self.state.rcpt_to(address)
        if reply.ok:
            self.envelope.rcpt_tos.append(address.strip("<>"))
        await self._send(reply)

    async def smtp_DATA(self, arg: str | None) -> None:
        reply = self.state.data_start()
        await self._send(reply)
        if reply.code != 354:
            return
        content, size = await self._read_message()
        if content is None:
            return
        accepted_before = len(self.state.accepted)
        reply = self.state.data_end(size)
        if reply.ok and len(self.state.accepted) > accepted_before:
            try:
                self.endpoint.store(self.state.accepted[-1], content, self)
            except OSError as error:  # wire/disk trouble, not a policy decision
                log.error("could not write the message: %s", error)
                await self.push(f"451 4.3.0 exsim smtpd could not write the message: {error.strerror}")
                self._set_post_data_state()
                return
        self._set_post_data_state()
        await self._send(reply)

    async def _read_message(self) -> tuple[bytes | None, int]:
        """The message up to the lone dot, dot-unstuffed; its size in bytes counts every line."""
        kept: list[bytes] = []
        size = 0
        line_start = True  # False while reading the rest of a line longer than the reader's buffer
        while self.transport is not None:
            try:
                line = await self._reader.readuntil(b"\r\n")
            except asyncio.LimitOverrunError as error:
                line = await self._reader.read(error.consumed)
            except asyncio.IncompleteReadError:
                return None, 0
            starts, line_start = line_start, line.endswith(b"\r\n")
            if starts and line == b".\r\n":
                return b"".join(kept), size
            if starts and line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size <= MESSAGE_CAP:
                kept.append(line)
        return None, 0

    async def smtp_RSET(self, arg: str | None) -> None:
        reply = self.state.rset()
        if reply.ok:
            self._set_rset_state()
        await self._send(reply)

    async def smtp_NOOP(self, arg: str | None) -> None:
        await self._send(self.state.noop())

    async def smtp_QUIT(self, arg: str | None) -> None:
        await self._send(self.state.quit())
        self._handler_coroutine.cancel()
        self.transport.close()

    async def smtp_HELP(self, arg: str | None) -> None:
        await self._unknown("HELP", arg)

    async def smtp_VRFY(self, arg: str | None) -> None:
        await self._unknown("VRFY", arg)

    async def smtp_EXPN(self, arg: str | None) -> None:
        await self._unknown("EXPN", arg)

    async def _unknown(self, command: str, arg: str | None) -> None:
        await self._send(unrecognized(self.state, command))
