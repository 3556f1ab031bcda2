"""The wire work of `exsim smtpd` that needs no aiosmtpd: addresses, port maps, TLS, reply lines.

Also the two adapters the endpoint needs from `SessionState` beyond its public methods; each calls
the session model's own decision methods, never a copy of a rule.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from .replies import CLOSED, UNRECOGNIZED, Reply
from .session import SessionState

log = logging.getLogger("exsim.smtpd")

DEFAULT_PORT_MAP: dict[int, int] = {2525: 25, 2587: 587}
DEFAULT_LISTEN = ("127.0.0.1:2525", "127.0.0.1:2587")
MESSAGE_CAP = 64 * 1024 * 1024
"""Bytes of one message kept in memory; beyond it the rest is counted (for the model's size decision) but dropped."""
BASIC = ("LOGIN", "PLAIN")


@dataclass
class Listener:
    """One listening socket: real address and port, and the modelled port it stands for."""

    host: str
    port: int
    modelled_port: int


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
        raise ValueError(
            f"--listen {text!r}: {host!r} is not an IP address; use a loopback address such as 127.0.0.1"
        ) from None
    if not address.is_loopback:
        raise ValueError(
            f"--listen {text!r}: exsim smtpd listens only on loopback addresses (127.0.0.0/8): "
            "it is a rehearsal endpoint, not a mail server"
        )
    if address.version != 4:
        raise ValueError(
            f"--listen {text!r}: use an IPv4 loopback address such as 127.0.0.1 (the model's "
            "Receive connectors are IPv4)"
        )
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
            raise ValueError(
                f"--port-map {text!r}: write LISTENPORT=MODELLEDPORT pairs, e.g. 2525=25,2587=587"
            ) from None
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
