"""Domain Security: Exchange 2007's mutual TLS with partner domains, as plain rules (no SMTP, no sockets).

The organisation lists partner domains in Set-TransportConfig -TLSReceiveDomainSecureList; a Receive
connector takes part with DomainSecureEnabled. What happens at MAIL FROM when an anonymous session
gives a sender of a listed domain follows the receive-side code of a later Exchange build (the same
decompiled sources as DOMAIN.md 3's SmtpResponse class; the 2007 order of checks is UNCONFIRMED):

1. the connector is not DomainSecureEnabled: 451 4.7.3 "The admin has temporarily disallowed this
   secure domain";
2. no STARTTLS yet: 530 5.7.1 "Not authenticated" where the connector offers STARTTLS, else 454 4.7.0
   "Temporary authentication failure";
3. STARTTLS but no client certificate: 530 5.7.1 "Not authenticated";
4. a certificate that does not name the domain, or whose chain does not validate: 454 4.7.5
   "Certificate validation failure";
5. otherwise the session becomes the Partner Server account for that domain (the Partners permission
   group), until the next MAIL FROM, which starts from anonymous again.

The receiving server asks for a client certificate during the TLS handshake when the connector is
DomainSecureEnabled and the receive list is not empty (same source).

Decision (matching, UNCONFIRMED for 2007): a certificate names the domain when one of its DNS names
(subjectAltName, else the subject's common name) is the domain itself or a host inside it
(mail.fabrikam.com for fabrikam.com), a wildcard (*.fabrikam.com) counting as a host inside it; the
later build matches the domain "with subdomains" and multi-level wildcards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..scenario.receive import ReceiveConnector

Outcome = Literal["partner", "disabled", "not_authenticated", "temporary_failure", "certificate"]


@dataclass(frozen=True)
class PeerCertificate:
    """What the server learns from a client certificate: its DNS names, and whether its chain validated."""

    names: tuple[str, ...]
    trusted: bool = True

    @classmethod
    def of(cls, *names: str, trusted: bool = True) -> PeerCertificate:
        """A certificate for these DNS names (the form scenarios and tests write)."""
        return cls(tuple(name.strip().lower().rstrip(".") for name in names), trusted)

    @classmethod
    def from_peercert(cls, peercert: Mapping[str, Any] | None) -> PeerCertificate | None:
        """From the dict `ssl.SSLSocket.getpeercert()` gives for a verified certificate (None: none given).

        The DNS names of subjectAltName, or the subject's common name when there are none (RFC 6125)."""
        if not peercert:
            return None
        names = [value for kind, value in peercert.get("subjectAltName", ()) if kind == "DNS"]
        if not names:
            names = [value for rdn in peercert.get("subject", ()) for key, value in rdn if key == "commonName"]
        return cls.of(*names)

    def __str__(self) -> str:
        return ", ".join(self.names) or "(no DNS name)"


def certificate_matches(certificate: PeerCertificate, domain: str) -> bool:
    """True when the certificate names `domain` or a host inside it (see the module's Decision)."""
    wanted = domain.strip().lower().rstrip(".")
    for name in certificate.names:
        bare = name[2:] if name.startswith("*.") else name
        if bare == wanted or bare.endswith("." + wanted):
            return True
    return False


def is_secure_domain(domain: str, secure_list: Iterable[str]) -> bool:
    """True when `domain` is on the TLS domain secure list (exact match, case-insensitive; no wildcards)."""
    wanted = domain.strip().lower().rstrip(".")
    return any(wanted == listed for listed in secure_list)


def requests_client_certificate(connector: ReceiveConnector | None, receive_list: Sequence[str]) -> bool:
    """True when the server asks for a client certificate in the TLS handshake on this connector."""
    return connector is not None and connector.domain_secure_enabled and bool(receive_list)


def domain_secure_check(
    connector: ReceiveConnector,
    sender_domain: str,
    receive_list: Sequence[str],
    *,
    anonymous: bool,
    tls: bool,
    certificate: PeerCertificate | None,
) -> Outcome | None:
    """What Domain Security makes of a MAIL FROM (see the module docstring): None when it does not apply
    (an authenticated session, or a domain not on the receive list), "partner" when the sender proved
    its domain, else the refusal."""
    if not anonymous or not sender_domain or not is_secure_domain(sender_domain, receive_list):
        return None
    if not connector.domain_secure_enabled:
        return "disabled"
    if not tls:
        return "not_authenticated" if connector.allows("Tls") else "temporary_failure"
    if certificate is None:
        return "not_authenticated"
    if not certificate.trusted or not certificate_matches(certificate, sender_domain):
        return "certificate"
    return "partner"
