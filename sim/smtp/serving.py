"""Serving a modelled server's Receive connectors on loopback listeners (`exsim smtpd`).

The listeners, their TLS material, the protocol log writer and the asyncio or background-thread
lifecycle; the protocol itself, where every reply comes from the session model, is sim/smtp/endpoint.py.

Hardening: the listening sockets take a backlog of 512 (200 clients connecting at once are served,
not dropped); the event loop's exception handler turns anything asyncio reports into one log line
without a traceback; stopping closes every open session.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import logging
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from email.utils import formatdate
from pathlib import Path
from typing import Any

from ..formats.protocol_log import RECEIVE
from ..scenario.receive import parse_ip
from .conversation import Conversation
from .endpoint import ExsimSMTP
from .hints import swaks_hint
from .protocol_log_writer import ProtocolLogWriter
from .session import AcceptedMessage, SmtpDecisions
from .wire import Listener, TlsMaterial, log, parse_listen

BACKLOG = 512


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """One log line for whatever asyncio reports (a broken TLS transport, a dropped callback): no traceback."""
    error = context.get("exception")
    detail = f": {type(error).__name__}: {error}" if error is not None else ""
    log.warning("%s%s", context.get("message", "asyncio error"), detail)


def configure_logging(stream: Any = None) -> None:
    """`exsim smtpd`'s log: 'exsim smtpd: ...' lines on stderr, one per failed session or stored message;
    aiosmtpd's own logger stays quiet (its replies and errors never reach the wire or the log)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("exsim smtpd: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)


class Endpoint:
    """One modelled server served on loopback listeners. Use `start()`/`stop()` in a running loop, or
    `ThreadedEndpoint` to run it in a background thread (tests, notebooks)."""

    def __init__(
        self,
        scenario: Any,
        server: str,
        listeners: Sequence[tuple[str, int, int]],
        out: str | Path,
        *,
        client_ip: str | None = None,
        decisions: SmtpDecisions | None = None,
        optional: Sequence[str] = (),
        idle_timeout: float = 300.0,
    ) -> None:
        self.decisions = decisions or SmtpDecisions(scenario, server)
        if client_ip is not None:
            parse_ip(client_ip)
        self.client_ip = client_ip
        self.out = Path(out)
        self.requested = [Listener(host, port, modelled) for host, port, modelled in listeners]
        for listener in self.requested:
            parse_listen(listener.text)  # loopback guard, here too
        self.optional = set(optional)
        self.idle_timeout = idle_timeout
        """Seconds without a command before 451 4.7.0 and the close. Decision: aiosmtpd's 300 s; Exchange's
        ConnectionInactivityTimeout default for 2007 is UNCONFIRMED (DOMAIN.md 5.2)."""
        self.listeners: list[Listener] = []
        self.skipped: list[tuple[Listener, str]] = []
        self.tls = TlsMaterial([self.decisions.fqdn, self.decisions.server, "localhost", "127.0.0.1", "::1"])
        self.ca_pem = self.tls.ca_pem
        self.decisions.certificate = self.tls.certificate  # the Receive log shows the real one after STARTTLS
        self.protocol_log = ProtocolLogWriter(self.out, RECEIVE)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.active: set[ExsimSMTP] = set()
        self._servers: list[asyncio.base_events.Server] = []
        self._counter = itertools.count(1)
        self.written: list[Path] = []
        self.partner_certificates: dict[str, Path] = {}

    def connector_for(self, modelled_port: int, client_ip: str = "127.0.0.1") -> str | None:
        """The connector the model chooses for a client on a modelled port (None: no connector)."""
        selection = self.decisions.select(self.client_ip or client_ip, modelled_port)
        return selection.connector.name if selection.connector else None

    def open_conversation(self, client_ip: str, modelled_port: int, remote_port: int) -> Conversation:
        """A new session of the model for a connection (the protocol log's on Verbose connectors)."""
        return Conversation.open(
            self.decisions, client_ip, modelled_port, writer=self.protocol_log, remote_port=remote_port
        )

    async def start(self) -> list[Listener]:
        """Listen on every requested address; an optional one that this machine lacks (no IPv6) is skipped."""
        self.loop = asyncio.get_running_loop()
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "exsim-smtpd-ca.pem").write_bytes(self.ca_pem)
        for domain in self.decisions.secure_receive_domains:
            self.partner_certificates[domain] = self.tls.client_certificate(self.out, f"mail.{domain}")
        try:
            for wanted in self.requested:
                try:
                    server = await self.loop.create_server(
                        lambda modelled=wanted.modelled_port: ExsimSMTP(self, modelled, timeout=self.idle_timeout),
                        wanted.host,
                        wanted.port,
                        backlog=BACKLOG,
                    )
                except OSError as error:
                    if wanted.text in self.optional and error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                        self.skipped.append((wanted, error.strerror or str(error)))
                        continue
                    raise
                self._servers.append(server)
                port = server.sockets[0].getsockname()[1]
                self.listeners.append(Listener(wanted.host, port, wanted.modelled_port))
        except BaseException:
            await self.stop()
            raise
        return self.listeners

    async def stop(self) -> None:
        """Stop listening and close every open session (each ends with its protocol log line)."""
        for server in self._servers:
            server.close()
        for protocol in list(self.active):
            protocol.context, protocol.stopping = "Local", True
            if protocol.transport is not None:
                protocol.transport.close()
        for server in self._servers:
            await server.wait_closed()
        for _ in range(50):
            if not self.active:
                break
            await asyncio.sleep(0.01)
        self._servers = []

    def store(self, message: AcceptedMessage, content: bytes, protocol: ExsimSMTP) -> Path:
        """Write an accepted message as .eml, with headers naming the connector that took it."""
        state = protocol.state
        authenticated = state.identity.kind in ("user", "exchange_server", "partner")
        protocol_name = "ESMTP" + ("S" if state.tls else "") + ("A" if authenticated else "")
        headers = [
            f"Received: from {protocol.helo_name or 'unknown'} ([{protocol.client_ip}]) by {self.decisions.fqdn} "
            f"with {protocol_name}; {formatdate(localtime=False)}",
            f"X-Exsim-Receive-Connector: {message.connector}",
            f"X-Exsim-Server: {self.decisions.server}",
            f"X-Exsim-Client-IP: {protocol.client_ip}",
            f"X-Exsim-Identity: {message.identity}",
            f"X-Exsim-Envelope-From: <{message.sender}>",
            f"X-Exsim-Envelope-To: {', '.join(f'<{r}>' for r in message.recipients)}",
        ]
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.out / f"{stamp}-{next(self._counter):04d}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes("".join(f"{h}\r\n" for h in headers).encode("utf-8") + content)
        self.written.append(path)
        log.info("accepted on %r from %s: %s", message.connector, protocol.client_ip, path)
        return path


class ThreadedEndpoint:
    """An `Endpoint` with its own event loop in a daemon thread: `with ThreadedEndpoint(...) as ep:`."""

    def __init__(self, *args: Any, timeout: float = 10.0, **kwargs: Any) -> None:
        self.endpoint = Endpoint(*args, **kwargs)
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(loop_exception_handler)
        self._thread = threading.Thread(target=self.loop.run_forever, name="exsim-smtpd", daemon=True)

    def start(self) -> ThreadedEndpoint:
        """Start the loop thread and the listeners; raises what `Endpoint.start` raises."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.endpoint.start(), self.loop).result(self.timeout)
        return self

    def stop(self) -> None:
        """Stop the listeners and sessions, then the loop and its thread."""
        if self.loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(self.endpoint.stop(), self.loop).result(self.timeout)
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join(self.timeout)
        if not self.loop.is_running():
            self.loop.close()

    def port(self, modelled_port: int) -> int:
        """The real listening port that stands for a modelled port."""
        for listener in self.endpoint.listeners:
            if listener.modelled_port == modelled_port:
                return listener.port
        raise KeyError(modelled_port)

    def __enter__(self) -> ThreadedEndpoint:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def plan_listeners(listen: Sequence[str], port_map: Mapping[int, int]) -> list[tuple[str, int, int]]:
    """(host, port, modelled port) for each --listen; a port not in the map stands for itself."""
    planned = []
    for text in listen:
        host, port = parse_listen(text)
        planned.append((host, port, port_map.get(port, port)))
    return planned


async def serve_forever(endpoint: Endpoint, stop: asyncio.Event | None = None) -> None:
    """Start, print where it listens, and serve until `stop` is set (or SIGINT / SIGTERM)."""
    import signal

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(loop_exception_handler)
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not on this platform
            pass
    listeners = await endpoint.start()
    try:
        d = endpoint.decisions
        print(
            f"exsim smtpd: {d.server} ({d.info.role}, modelled IP {d.info.ip}); accepted mail goes to {endpoint.out}/"
        )
        for listener in listeners:
            client = endpoint.client_ip or "127.0.0.1"
            chosen = endpoint.connector_for(listener.modelled_port, client)
            takes = f"Receive connector {chosen!r}" if chosen else "no Receive connector (connections are dropped)"
            print(f"  {listener.text} stands for {d.info.ip}:{listener.modelled_port}: client {client} gets {takes}")
        for listener, why in endpoint.skipped:
            print(f"  {listener.text} skipped: {why}")
        print(f"  STARTTLS certificate from a throwaway CA: {endpoint.out / 'exsim-smtpd-ca.pem'}")
        for domain, path in endpoint.partner_certificates.items():
            print(f"  Domain Security: a client certificate for {domain} (mail.{domain}) from that CA: {path}")
        verbose = [c.name for c in d.connectors if c.protocol_logging_level == "Verbose"]
        if verbose:
            print(
                f"  protocol log (Verbose on {', '.join(map(repr, verbose))}): {endpoint.protocol_log.folder}/RECV*.LOG"
            )
        print("\n".join(swaks_hint(d, listeners, endpoint.client_ip or "127.0.0.1")))  # one the model accepts
        print("Ctrl-C stops.", flush=True)
        await stop.wait()
    finally:
        await endpoint.stop()
        print(f"exsim smtpd: stopped; {len(endpoint.written)} message(s) written to {endpoint.out}/", flush=True)
