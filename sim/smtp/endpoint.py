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
from asyncio import sslproto
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, TLSSetupException

from .replies import UNRECOGNIZED_AUTH, Reply
from .session import SessionState
from .wire import BASIC, MESSAGE_CAP, auth_start, log, reply_lines, unrecognized

if TYPE_CHECKING:  # pragma: no cover
    from .serving import Endpoint


# ---- the SMTP protocol -------------------------------------------------------------------------------


class _Commands(dict):
    """aiosmtpd's command table; an unknown command goes to the model too (`fallback`)."""

    fallback: Any = None

    def get(self, key, default=None):  # noqa: D102 - dict.get with a model fallback
        found = super().get(key)
        if found is not None:
            return found
        return lambda arg, _command=key: self.fallback(_command, arg)


class ExsimSMTP(SMTP):
    """aiosmtpd's SMTP with every decision delegated to a `SessionState`."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(self, endpoint: Endpoint, modelled_port: int, **kwargs: Any) -> None:
        self.endpoint = endpoint
        self.modelled_port = modelled_port
        self.state: SessionState | None = None
        self.client_ip = ""
        self.helo_name = ""
        super().__init__(
            endpoint,
            hostname=endpoint.decisions.fqdn,
            tls_context=endpoint.tls_context,
            data_size_limit=None,
            auth_require_tls=False,
            loop=endpoint.loop,
            **kwargs,
        )
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
            await self._send(
                Reply(
                    UNRECOGNIZED_AUTH.code,
                    UNRECOGNIZED_AUTH.enhanced,
                    f"{UNRECOGNIZED_AUTH.text} (exsim smtpd rehearses AUTH LOGIN and PLAIN only; "
                    f"the model accepts {mechanism} here)",
                )
            )
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
            text = text[len(keyword) :].strip()
        if text.startswith("<"):
            end = text.find(">")
            address, rest = (text[: end + 1], text[end + 1 :]) if end >= 0 else (text, "")
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
