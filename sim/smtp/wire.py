"""The wire work of `exsim smtpd` that needs no aiosmtpd: addresses, port maps, TLS material, reply lines.

Decision: the model's Receive connectors are IPv4, so a client on the IPv6 loopback [::1] is the
IPv4 loopback client 127.0.0.1 to the model (and an IPv4-mapped address is its IPv4 address).
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .certificates import pem_certificate

log = logging.getLogger("exsim.smtpd")

DEFAULT_PORT_MAP: dict[int, int] = {2525: 25, 2587: 587}
DEFAULT_LISTEN = ("127.0.0.1:2525", "127.0.0.1:2587", "[::1]:2525", "[::1]:2587")
OPTIONAL_LISTEN = ("[::1]:2525", "[::1]:2587")
"""Default listeners that may be missing on a machine without IPv6 (the others must work)."""
MESSAGE_CAP = 64 * 1024 * 1024
"""Bytes of one message kept in memory; beyond it the rest is counted (for the model's size decision) but dropped."""


@dataclass
class Listener:
    """One listening socket: real address and port, and the modelled port it stands for."""

    host: str
    port: int
    modelled_port: int

    @property
    def text(self) -> str:
        """HOST:PORT, with brackets around an IPv6 address."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


# ---- helpers ----------------------------------------------------------------------------------------


def parse_listen(text: str) -> tuple[str, int]:
    """'127.0.0.1:2525' -> ('127.0.0.1', 2525), '[::1]:2525' -> ('::1', 2525); loopback addresses only."""
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
            f"--listen {text!r}: exsim smtpd listens only on loopback addresses (127.0.0.0/8 or [::1]): "
            "it is a rehearsal endpoint, not a mail server"
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


def model_client_ip(host: str) -> str:
    """The IPv4 address the model sees for a peer address (see the module's Decision)."""
    address = ipaddress.ip_address(host.split("%")[0])
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.is_loopback:
        return "127.0.0.1"
    raise ValueError(f"{host} is neither IPv4 nor the IPv6 loopback; the model's Receive connectors are IPv4")


class TlsMaterial:
    """A throwaway CA made at start-up (trustme), the server certificate it issues, and two server contexts:
    `plain` asks for no client certificate; `mutual` asks for one and verifies it against the CA
    (Domain Security). `client_certificate` issues a client certificate for partner rehearsals."""

    def __init__(self, names: Sequence[str]) -> None:
        import trustme

        self.ca = trustme.CA(organization_name="exsim smtpd rehearsal CA")
        server = self.ca.issue_cert(*names)
        self.certificate = pem_certificate(server.cert_chain_pems[0].bytes())
        self.plain = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.configure_cert(self.plain)
        self.mutual = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.configure_cert(self.mutual)
        self.mutual.verify_mode = ssl.CERT_OPTIONAL
        self.ca.configure_trust(self.mutual)
        self.ca_pem = self.ca.cert_pem.bytes()

    def client_certificate(self, folder: Path, *names: str) -> Path:
        """A PEM file holding a client certificate for `names` and its private key, issued by the CA."""
        issued: Any = self.ca.issue_cert(*names)
        path = folder / f"client-{names[0]}.pem"
        path.write_bytes(issued.private_key_pem.bytes() + b"".join(blob.bytes() for blob in issued.cert_chain_pems))
        return path
