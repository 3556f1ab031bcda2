"""Schema of Receive connectors: bindings, remote IP ranges, permission groups, auth mechanisms, rights.

What a scenario may say about Receive connectors and SMTP accounts (DOMAIN.md 3), and the IPv4
syntax it is written in. Which connector takes a connection, what rights a client gets and the
defaults every server has are Exchange's rules: sim.exchange.receive (rules, servers).

- The usage type -> default permission groups and auth mechanisms mapping is the Exchange 2010+
  New-ReceiveConnector table, used as a stand-in: UNCONFIRMED for Exchange 2007 (DOMAIN.md 3).
- Domain Security (mutual TLS with partner domains): DomainSecureEnabled exists on the 2007 cmdlets
  (New-ReceiveConnector bb125139(v=exchg.80)); what it needs (Tls, and not ExternalAuthoritative) and the
  rule that the secure-list domains take no wildcard come from the E2010+ New-ReceiveConnector reference
  DOMAIN.md 3 cites. ProtocolLoggingLevel None | Verbose, off by default: E2007 aa997624(v=exchg.80).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .connectors import MB, CountLimit, SizeLimit

# ---- names -------------------------------------------------------------------------------------

Usage = Literal["Client", "Custom", "Internal", "Internet", "Partner"]
PermissionGroup = Literal["AnonymousUsers", "ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers", "Partners"]
AuthMechanism = Literal[
    "None", "Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer", "ExternalAuthoritative"
]

SUBMIT = "ms-Exch-SMTP-Submit"
ACCEPT_ANY_SENDER = "ms-Exch-SMTP-Accept-Any-Sender"
ACCEPT_AUTHORITATIVE_SENDER = "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender"
ACCEPT_ANY_RECIPIENT = "ms-Exch-SMTP-Accept-Any-Recipient"
BYPASS_ANTI_SPAM = "ms-Exch-Bypass-Anti-Spam"
HEADERS_ROUTING = "ms-Exch-Accept-Headers-Routing"
HEADERS_ORGANIZATION = "ms-Exch-Accept-Headers-Organization"
HEADERS_FOREST = "ms-Exch-Accept-Headers-Forest"
RIGHTS = (
    SUBMIT,
    ACCEPT_ANY_SENDER,
    ACCEPT_AUTHORITATIVE_SENDER,
    ACCEPT_ANY_RECIPIENT,
    BYPASS_ANTI_SPAM,
    HEADERS_ROUTING,
    HEADERS_ORGANIZATION,
    HEADERS_FOREST,
)
_RIGHT_BY_LOWER = {right.lower(): right for right in RIGHTS}

ANONYMOUS_LOGON = "NT AUTHORITY\\ANONYMOUS LOGON"
AUTHENTICATED_USERS = "NT AUTHORITY\\Authenticated Users"
HUB_SERVERS = "MS Exchange\\Hub Transport Servers"
EDGE_SERVERS = "MS Exchange\\Edge Transport Servers"
EXTERNALLY_SECURED = "MS Exchange\\Externally Secured Servers"
LEGACY_SERVERS = "MS Exchange\\Legacy Exchange Servers"
PARTNER_SERVERS = "MS Exchange\\Partner Servers"

USAGE_DEFAULTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Client": (("ExchangeUsers",), ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS")),
    "Internal": (("ExchangeServers", "ExchangeLegacyServers"), ("Tls", "ExchangeServer")),
    "Internet": (("AnonymousUsers",), ("Tls",)),
    "Partner": (("Partners",), ("Tls",)),
    "Custom": ((), ("Tls",)),
}
"""Usage type -> (permission groups, auth mechanisms). The Exchange 2010+ New-ReceiveConnector table
used as a stand-in: UNCONFIRMED for Exchange 2007 (DOMAIN.md 3)."""

ALL_ADDRESSES = "0.0.0.0-255.255.255.255"
ProtocolLoggingLevel = Literal["None", "Verbose"]


# ---- addresses ---------------------------------------------------------------------------------


def parse_ip(text: object) -> int:
    """An IPv4 address as an int, or ValueError in plain words."""
    try:
        return int(ipaddress.IPv4Address(str(text).strip()))
    except (ipaddress.AddressValueError, ValueError):
        raise ValueError(f"expected an IPv4 address such as 10.0.0.5, got {text!r}") from None


def ip_text(value: int) -> str:
    """An IPv4 address held as an int, written out (167772165 -> '10.0.0.5')."""
    return str(ipaddress.IPv4Address(value))


def parse_range(text: object) -> tuple[int, int]:
    """(first, last) addresses of a remote IP range: '10.0.0.5', '10.0.0.0/24' or '10.0.0.1-10.0.0.20'."""
    expected = (
        "expected a remote IP range: one address (10.0.0.5), a CIDR block (10.0.0.0/24) or a range "
        f"(10.0.0.1-10.0.0.20), got {text!r}"
    )
    if not isinstance(text, str):
        raise ValueError(expected)
    value = text.strip()
    try:
        if "/" in value:
            network = ipaddress.IPv4Network(value, strict=False)
            return int(network.network_address), int(network.broadcast_address)
        if "-" in value:
            first, last = (int(ipaddress.IPv4Address(part.strip())) for part in value.split("-", 1))
            if first > last:
                raise ValueError(f"the range {text!r} ends before it starts; write the lower address first")
            return first, last
        address = int(ipaddress.IPv4Address(value))
        return address, address
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError):
        raise ValueError(expected) from None
    except ValueError as error:
        if "ends before" in str(error):
            raise
        raise ValueError(expected) from None


def host_bits_fix(text: object) -> str | None:
    """The network meant by a CIDR block written with host bits set ('10.0.5.1/24' -> '10.0.5.0/24'),
    or None when the range is not such a block. Exchange takes such a block as the whole network, so
    '10.0.5.1/24' admits 256 addresses where one was probably meant: a warning, not an error."""
    if not isinstance(text, str) or "/" not in text:
        return None
    value = text.strip()
    try:
        network = ipaddress.IPv4Network(value, strict=False)
        written = ipaddress.IPv4Address(value.split("/", 1)[0].strip())
    except ValueError:
        return None
    return None if written == network.network_address else str(network)


def parse_binding(text: object) -> tuple[int, int]:
    """(local IP as int, port) of a binding 'IP:port'; IP 0.0.0.0 means every local address."""
    expected = f"expected a binding IP:port such as 0.0.0.0:25 or 10.0.0.5:587, got {text!r}"
    if not isinstance(text, str) or text.count(":") != 1:
        raise ValueError(expected)
    host, port_text = text.strip().split(":")
    try:
        port = int(port_text)
        address = int(ipaddress.IPv4Address(host))
    except (ValueError, ipaddress.AddressValueError):
        raise ValueError(expected) from None
    if not 1 <= port <= 65535:
        raise ValueError(f"the port must be 1 to 65535, got {port} in {text!r}")
    return address, port


def _checked_ip(text: str) -> str:
    return ip_text(parse_ip(text))


def _checked_range(text: str) -> str:
    parse_range(text)
    return text.strip()


def _checked_binding(text: str) -> str:
    address, port = parse_binding(text)
    return f"{ip_text(address)}:{port}"


IPv4 = Annotated[str, AfterValidator(_checked_ip)]
RemoteRange = Annotated[str, AfterValidator(_checked_range)]
Binding = Annotated[str, AfterValidator(_checked_binding)]


# ---- schema ------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _canonical_right(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() in _RIGHT_BY_LOWER:
        return _RIGHT_BY_LOWER[value.strip().lower()]
    if isinstance(value, str):
        raise ValueError(f"unknown extended right {value!r}; known: {', '.join(RIGHTS)}")
    return value


def default_bindings(usage: str) -> tuple[str, ...]:
    """The bindings a connector without `bindings` listens on: 0.0.0.0:587 for Client usage, else 0.0.0.0:25."""
    return ("0.0.0.0:587",) if usage == "Client" else ("0.0.0.0:25",)


class RightGrant(_Strict):
    """Add-ADPermission on a Receive connector: an extended right granted (or denied) to one principal."""

    principal: str = Field(
        min_length=1,
        description="security principal, e.g. 'NT AUTHORITY\\ANONYMOUS LOGON', "
        "'NT AUTHORITY\\Authenticated Users', a user name from smtp_users, or "
        "'MS Exchange\\Hub Transport Servers'; compared case-insensitively",
    )
    right: Annotated[str, BeforeValidator(_canonical_right)] = Field(
        description="extended right, e.g. ms-Exch-SMTP-Accept-Any-Recipient (case-insensitive)"
    )
    deny: bool = Field(False, description="true: Add-ADPermission -Deny; a deny wins over every grant")


class ReceiveConnector(_Strict):
    """A Receive connector (New-ReceiveConnector): where it listens, whom it serves and what they may do.

    permission_groups and auth_mechanisms left empty come from the usage type, by the Exchange 2010+
    table (a stand-in: UNCONFIRMED for Exchange 2007, DOMAIN.md 3).
    """

    name: str = Field(min_length=1, description="connector name, unique on its server")
    usage: Usage = Field(
        "Custom",
        description="usage type; sets the default permission groups and auth "
        "mechanisms (Exchange 2010+ table, UNCONFIRMED for 2007; RTM default Custom)",
    )
    bindings: list[Binding] | None = Field(
        None,
        min_length=1,
        description="local IP:port pairs it listens on; empty means 0.0.0.0:587 for usage Client, 0.0.0.0:25 otherwise",
    )
    remote_ip_ranges: list[RemoteRange] = Field(
        default_factory=lambda: [ALL_ADDRESSES],
        min_length=1,
        description="client addresses it serves: 10.0.0.5, 10.0.0.0/24 or 10.0.0.1-10.0.0.20 (default every address)",
    )
    permission_groups: list[PermissionGroup] | None = Field(
        None,
        description="AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners; "
        "empty means the usage type's (E2010+ table, UNCONFIRMED for 2007)",
    )
    auth_mechanisms: list[AuthMechanism] | None = Field(
        None,
        description="None, Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer, "
        "ExternalAuthoritative; empty means the usage type's (E2010+ table, UNCONFIRMED for 2007)",
    )
    require_tls: bool = Field(False, description="RequireTLS: mail only after STARTTLS (451 5.7.3 otherwise)")
    max_message_size: SizeLimit = Field(10 * MB, gt=0, description="MaxMessageSize (10 MB); unlimited for none")
    max_recipients_per_message: int = Field(200, ge=1, description="MaxRecipientsPerMessage (200)")
    max_inbound_connection: CountLimit = Field(
        5000,
        ge=1,
        description="MaxInboundConnection: SMTP connections the connector serves at once, from all sources; "
        "unlimited for none (5000 on a new connector, E2010 [3rd-party]; UNCONFIRMED for 2007, DOMAIN.md 5.2)",
    )
    max_inbound_connection_per_source: CountLimit = Field(
        20,
        ge=1,
        description="MaxInboundConnectionPerSource: connections it serves at once from one IP address; a sending "
        "Exchange server keeps the rest of its mail queued (20, E2010+; UNCONFIRMED for 2007, DOMAIN.md 5.2)",
    )
    extended_rights: list[RightGrant] = Field(
        default_factory=list,
        description="Add-ADPermission grants on the connector, e.g. "
        "{principal: 'NT AUTHORITY\\ANONYMOUS LOGON', right: ms-Exch-SMTP-Accept-Any-Recipient}",
    )
    recipient_filtering: bool | None = Field(
        None,
        description="reject unknown recipients of authoritative domains at RCPT (550 5.1.1); empty "
        "means on at an Edge (its recipient_filtering agent) and off at a Hub",
    )
    domain_secure_enabled: bool = Field(
        False,
        description="DomainSecureEnabled: mutual TLS (Domain Security) for senders of the domains in "
        "domain_security.tls_receive_domain_secure_list; needs Tls and not ExternalAuthoritative; false by "
        "default, true on an Edge's default connector (E2010+ reference)",
    )
    protocol_logging_level: ProtocolLoggingLevel = Field(
        "None",
        description="ProtocolLoggingLevel: Verbose writes every session to the SMTP Receive protocol log "
        "(exsim smtpd: ProtocolLog/SmtpReceive/ in its --out folder); None by default (E2007 aa997624)",
    )

    @field_validator("permission_groups", "auth_mechanisms")
    @classmethod
    def _no_repeats(cls, values):
        if values is not None and len(set(values)) != len(values):
            raise ValueError("each value may appear once")
        return values

    @model_validator(mode="after")
    def _mechanisms_consistent(self):
        auth = set(self.effective_auth)
        if "None" in auth and len(auth) > 1:
            raise ValueError("auth_mechanisms: None cannot be combined with other mechanisms")
        if "BasicAuthRequireTLS" in auth and not {"BasicAuth", "Tls"} <= auth:
            raise ValueError("auth_mechanisms: BasicAuthRequireTLS needs BasicAuth and Tls too")
        if "ExternalAuthoritative" in auth and "ExchangeServers" not in self.effective_groups:
            raise ValueError("auth_mechanisms: ExternalAuthoritative needs the ExchangeServers permission group")
        if self.require_tls and "Tls" not in auth:
            raise ValueError("require_tls needs Tls in auth_mechanisms (otherwise STARTTLS is never offered)")
        if self.domain_secure_enabled and ("Tls" not in auth or "ExternalAuthoritative" in auth):
            raise ValueError(
                "domain_secure_enabled needs Tls in auth_mechanisms and no ExternalAuthoritative "
                "(mutual TLS is Exchange's own security; an externally secured link skips it)"
            )
        return self

    @property
    def effective_groups(self) -> tuple[str, ...]:
        """The permission groups in force: as written, or the usage type's."""
        if self.permission_groups is not None:
            return tuple(self.permission_groups)
        return USAGE_DEFAULTS[self.usage][0]

    @property
    def effective_auth(self) -> tuple[str, ...]:
        """The auth mechanisms in force: as written, or the usage type's."""
        if self.auth_mechanisms is not None:
            return tuple(self.auth_mechanisms)
        return USAGE_DEFAULTS[self.usage][1]

    @property
    def effective_bindings(self) -> tuple[str, ...]:
        """The local IP:port pairs in force: as written, or 0.0.0.0:587 (Client) / 0.0.0.0:25."""
        if self.bindings is not None:
            return tuple(self.bindings)
        return default_bindings(self.usage)

    def allows(self, mechanism: str) -> bool:
        """True when `mechanism` is one of the auth mechanisms in force."""
        return mechanism in self.effective_auth


class SmtpUser(_Strict):
    """A user account that may authenticate (AUTH PLAIN / LOGIN / NTLM) on Receive connectors."""

    name: str = Field(min_length=1, description="logon name, e.g. alice or CONTOSO\\alice (case-insensitive)")
    password: str = Field(description="the password (a rehearsal secret, never a real one)")


def _checked_secure_domain(text: str) -> str:
    value = text.strip().lower().rstrip(".")
    if "*" in value:
        raise ValueError(
            f"{text!r}: the wildcard character (*) is not supported in domains configured for mutual TLS; "
            "list each partner domain, e.g. fabrikam.com"
        )
    labels = value.split(".")
    if len(labels) < 2 or not all(label and label.replace("-", "").isalnum() for label in labels):
        raise ValueError(f"{text!r} is not a domain name; write it like fabrikam.com")
    return value


SecureDomain = Annotated[str, AfterValidator(_checked_secure_domain)]


class DomainSecurity(_Strict):
    """Set-TransportConfig -TLSReceiveDomainSecureList / -TLSSendDomainSecureList: the partner domains
    whose mail must travel over mutual TLS (Domain Security), received and sent."""

    tls_receive_domain_secure_list: list[SecureDomain] = Field(
        default_factory=list,
        description="TLSReceiveDomainSecureList: senders of these domains must present a certificate for their "
        "domain over STARTTLS on a domain_secure_enabled Receive connector, or the message is refused (no wildcards)",
    )
    tls_send_domain_secure_list: list[SecureDomain] = Field(
        default_factory=list,
        description="TLSSendDomainSecureList: mail to these domains must leave over mutual TLS (the Send side is "
        "listed for exsim audit and validate; runs do not model it yet)",
    )

    @field_validator("tls_receive_domain_secure_list", "tls_send_domain_secure_list")
    @classmethod
    def _once_each(cls, values):
        if len(set(values)) != len(values):
            raise ValueError("each domain may appear once")
        return values
