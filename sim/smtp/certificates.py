"""The TLS certificates protocol logs show after STARTTLS: a modelled server's, or the live endpoint's real one.

Decision: a modelled Exchange 2007 server holds the self-signed certificate setup makes for it (subject and issuer
CN=<server>, alternate names the server and its FQDN; E2007 "Certificate Use in Exchange Server 2007", UNCONFIRMED
detail); its serial number and SHA-1 thumbprint are drawn from the FQDN, so a run's logs are the same every time.
"""

from __future__ import annotations

import hashlib

from ..formats.protocol_log import Certificate


def modelled_certificate(server: str, fqdn: str) -> Certificate:
    """The self-signed certificate of a modelled server (the same for the same names)."""
    digest = hashlib.sha1(fqdn.lower().encode("utf-8")).hexdigest().upper()
    return Certificate(f"CN={server}", f"CN={server}", digest[:32], digest, (server, fqdn))


def pem_certificate(pem: bytes) -> Certificate:
    """What the log shows of a real PEM certificate (the live endpoint's, from its throwaway CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = x509.load_pem_x509_certificate(pem)
    try:
        names = tuple(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.DNSName))  # fmt: skip
    except x509.ExtensionNotFound:
        names = ()
    return Certificate(
        _dn(cert.subject),
        _dn(cert.issuer),
        f"{cert.serial_number:X}",
        cert.fingerprint(hashes.SHA1()).hex().upper(),
        names,
    )


_SHORT = {"2.5.4.3": "CN", "2.5.4.11": "OU", "2.5.4.10": "O", "2.5.4.7": "L", "2.5.4.8": "S", "2.5.4.6": "C"}


def _dn(name) -> str:
    """A distinguished name as Windows writes it in the log: most specific first, `, ` between parts, S for the
    state ("CN=xxxxxx, OU=xxxxxx, O=xxxx, L=xxxx, S=xxxxx, C=xx" in KB 4495258)."""
    parts = [
        f"{_SHORT.get(attribute.oid.dotted_string, attribute.oid.dotted_string)}={attribute.value}"
        for rdn in reversed(list(name.rdns))
        for attribute in rdn
    ]
    return ", ".join(parts)
