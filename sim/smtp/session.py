"""The SMTP session model: what a modelled Exchange 2007 server answers, command by command.

One decision code path. `SmtpDecisions` holds what one server knows (its Receive connectors,
accepted domains, users, back-pressure level); `SmtpDecisions.connect()` chooses the Receive connector
and returns a `SessionState` whose methods (`ehlo`, `starttls`, `auth`, `mail_from`, `rcpt_to`,
`data_start`, `data_end`, `bdat`, ...) each decide one command and return its `Reply`. The session model
(`session()`), `exsim audit` and a live SMTP endpoint all call these methods, never their own copies;
command lines reach them through sim.smtp.conversation (the grammar is sim.smtp.syntax), and MAIL, RCPT,
DATA, BDAT and RSET live in sim.smtp.transaction, which `SessionState` inherits.

    >>> from sim.scenario.loading import load_scenario
    >>> from sim.smtp import session
    >>> scenario = load_scenario({"sites": [{"name": "A", "hubs": [{"name": "HUB1"}],
    ...                                       "mailbox_servers": [{"name": "MBX1"}]}]})
    >>> t = session(scenario, "HUB1", "192.0.2.7", 25,
    ...             [("EHLO", "client.example"), ("MAIL", "a@fabrikam.com"), ("RCPT", "b@northwind.example")])
    >>> t.decisive.code  # the Default connector takes no anonymous mail: 530 5.7.1 Client was not authenticated
    530

Replies use the codes and texts of DOMAIN.md section 3 (taken from a later Exchange build's
SmtpResponse class; 2007 text may differ slightly). Where DOMAIN.md is silent, or marks a reply
unconfirmed, the constant below says so. Decisions where DOMAIN.md is silent:

- Connection with no matching Receive connector: no SMTP reply at all (the server drops the TCP
  connection); modelled as `Reply(0, "", "connection refused: ...")`.
- Back pressure (DOMAIN.md 6): High refuses the connection with 452 4.3.1 instead of the 220 banner
  (E2007 rejects connections) and, if the level rises during a session, MAIL FROM gets 452 4.3.1.
  Medium: MAIL FROM from a sender outside the authoritative domains gets 452 4.3.1.
- RequireTLS: MAIL FROM before STARTTLS gets 451 5.7.3 STARTTLS is required to send mail (DOMAIN.md);
  AUTH before STARTTLS on such a connector gets 530 5.7.0 Must issue a STARTTLS command first (RFC 3207's
  reply for commands other than EHLO, STARTTLS, NOOP and QUIT; where Exchange sends it is UNCONFIRMED).
- Anonymous senders need ms-Exch-SMTP-Accept-Authoritative-Domain-Sender to use an authoritative-domain
  address and ms-Exch-SMTP-Accept-Any-Sender for any other; authenticated users' Send-As (checked by
  Exchange against the From header after DATA) is not modelled.
- Recipient filtering applies only to sessions without ms-Exch-Bypass-Anti-Spam (it is an anti-spam agent).
- Which addresses exist: user<N>@<any authoritative domain> with N below the organisation's mailbox
  count; every other local part (nouser<N>, postmaster, ...) is unknown.
- MAIL FROM without ms-Exch-SMTP-Submit: 530 5.7.1 Client was not authenticated for an anonymous
  session, 550 5.7.1 Client does not have permissions to submit to this server for an authenticated one
  (the later build's choice between UnableToAcceptAnonymousSession and SubmitDenied).
- Domain Security (sim.exchange.domain_security) is checked at MAIL FROM, before Submit; a partner
  proved by its certificate sends from its own domain without ms-Exch-SMTP-Accept-Any-Sender
  (Decision: the Partners group lacks that right, yet Domain Security exists for exactly this mail).
- BDAT (CHUNKING, RFC 3030): each chunk but the LAST gets 250 2.6.0 CHUNK received OK, N octets; the LAST
  is judged as the end of DATA on the total size. DATA after BDAT chunks, and DATA after MAIL ... BODY=
  BINARYMIME, get 503 5.5.1 Bad sequence of commands (RFC 3030); RSET drops the chunks.
- Command syntax (empty lines, unknown verbs, missing arguments, long lines) is sim.smtp.syntax's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..exchange.domain_security import PeerCertificate, requests_client_certificate
from ..exchange.domains import classify_domain
from ..exchange.receive.rules import ANONYMOUS, Identity, Selection, resolve_rights, select_connector
from ..exchange.receive.servers import ServerInfo, receiving_servers
from ..scenario.receive import ReceiveConnector, parse_ip
from .certificates import modelled_certificate
from .protocol_log_writer import wall_clock
from .replies import (
    ALREADY_AUTHENTICATED,
    AUTH_FAILED,
    AUTH_OK,
    BYE,
    CLOSED,
    INSUFFICIENT_RESOURCES,
    NEED_STARTTLS,
    NO_EXCHANGE_AUTH,
    NOOP_OK,
    REQUIRE_TLS_FOR_BASIC,
    SEND_HELLO_FIRST,
    TLS_ALREADY,
    TLS_READY,
    UNRECOGNIZED,
    UNRECOGNIZED_AUTH,
    Reply,
    banner,
)
from .syntax import BASIC_MECHANISMS, EXCHANGE_MECHANISMS, INTEGRATED_MECHANISMS, hello_domain_refusal
from .transaction import AcceptedMessage, MailTransaction

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

BackPressure = Callable[[], str]
"""Returns the server's back-pressure level now: "Normal", "Medium" or "High" (DOMAIN.md 6)."""

LEVELS = ("Normal", "Medium", "High")


class SmtpDecisions:
    """What one modelled server decides about SMTP: built once per server, shared by every session.

    back_pressure: a callable returning "Normal", "Medium" or "High", polled at connect and at MAIL
    FROM (a later back-pressure model drives it; default always Normal). clock: the time a connection is
    made when `connect` is given none (it dates the 220 banner; default the real UTC time).
    """

    def __init__(
        self,
        scenario: Scenario,
        server: str,
        back_pressure: BackPressure | None = None,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        servers = receiving_servers(scenario)
        if server not in servers:
            by_upper = {name.upper(): name for name in servers}
            if server.upper() not in by_upper:
                raise KeyError(f"unknown Hub or Edge Transport server {server!r} (known: {', '.join(servers)})")
            server = by_upper[server.upper()]
        self.scenario = scenario
        self.info: ServerInfo = servers[server]
        self.server = server
        self.fqdn = f"{server}.{scenario.domain}"
        self.accepted = scenario.effective_accepted_domains
        self.mailboxes = sum(m.mailboxes for site in scenario.sites for m in site.mailbox_servers)
        self.users = {user.name.lower(): user for user in scenario.smtp_users}
        self.exchange_servers = {name.upper() for name in servers}
        self.secure_receive_domains = tuple(scenario.domain_security.tls_receive_domain_secure_list)
        self.back_pressure = back_pressure or (lambda: "Normal")
        self.clock = clock
        self.certificate = modelled_certificate(server, self.fqdn)
        """The certificate STARTTLS shows (the live endpoint puts its real one here)."""

    # -- what the server knows ---------------------------------------------------------------
    @property
    def connectors(self) -> tuple[ReceiveConnector, ...]:
        """The server's Receive connectors (its own, or Exchange's defaults)."""
        return self.info.connectors

    def pressure(self) -> str:
        """The back-pressure level now, checked to be one of LEVELS."""
        level = self.back_pressure()
        if level not in LEVELS:
            raise ValueError(f"back_pressure returned {level!r}; expected one of {', '.join(LEVELS)}")
        return level

    def select(self, client_ip: str, port: int, local_ip: str | None = None) -> Selection:
        """The Receive connector Exchange gives this connection (sim.exchange.receive.rules)."""
        return select_connector(self.connectors, local_ip or self.info.ip, port, client_ip)

    def domain_type(self, domain: str) -> str | None:
        """'authoritative', 'internal_relay', 'external_relay', or None for a domain that is not accepted."""
        entry = classify_domain(domain, self.accepted) if domain else None
        return entry.type if entry is not None else None

    def recipient_exists(self, local: str, domain: str) -> bool:
        """user<N> exists in every authoritative domain for N below the organisation's mailbox count."""
        name = local.lower()
        return name.startswith("user") and name[4:].isdigit() and int(name[4:]) < self.mailboxes

    def check_user(self, user: str | None, password: str | None) -> bool:
        """True for an smtp_users account (with or without a DOMAIN\\ prefix) and its password."""
        entry = self.users.get((user or "").lower()) or self.users.get((user or "").split("\\")[-1].lower())
        return entry is not None and entry.password == password

    def rights(self, connector: ReceiveConnector, identity: Identity) -> frozenset[str]:
        """The extended rights `identity` holds on `connector` (sim.exchange.receive.rules)."""
        return resolve_rights(connector, identity)

    # -- a connection ----------------------------------------------------------------------------
    def connect(
        self, client_ip: str, port: int, local_ip: str | None = None, at: datetime | None = None
    ) -> SessionState:
        """A new session from client_ip to local_ip:port (default: the server's own IP) made `at` (default: the
        clock's now); read `.banner`."""
        return SessionState(self, client_ip, port, local_ip or self.info.ip, at or self.clock())


@dataclass
class SessionState(MailTransaction):
    """One SMTP connection to a modelled server. Each method decides one command and returns its Reply."""

    decisions: SmtpDecisions
    client_ip: str
    port: int
    local_ip: str
    connected_at: datetime
    connector: ReceiveConnector | None = field(init=False, default=None)
    banner: Reply = field(init=False)
    open: bool = field(init=False, default=True)
    greeted: bool = field(init=False, default=False)
    esmtp: bool = field(init=False, default=False)
    tls: bool = field(init=False, default=False)
    identity: Identity = field(init=False, default=ANONYMOUS)
    sender: str | None = field(init=False, default=None)
    recipients: list[str] = field(init=False, default_factory=list)
    in_data: bool = field(init=False, default=False)
    accepted: list[AcceptedMessage] = field(init=False, default_factory=list)
    certificate: PeerCertificate | None = field(init=False, default=None)
    chunked: int = field(init=False, default=0)
    binary: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        parse_ip(self.client_ip)
        selection = self.decisions.select(self.client_ip, self.port, self.local_ip)
        self.selection = selection
        if selection.connector is None:
            self.open = False
            self.banner = Reply(0, "", f"connection refused: {selection.reason}")
            return
        self.connector = selection.connector
        if "ExternalAuthoritative" in self.connector.effective_auth:
            self.identity = Identity("externally_secured")
        if self.decisions.pressure() == "High":
            self.open = False
            self.banner = INSUFFICIENT_RESOURCES
            return
        self.banner = banner(self.decisions.fqdn, self.connected_at)

    # -- helpers ---------------------------------------------------------------------------------
    @property
    def rights(self) -> frozenset[str]:
        """Extended rights the client holds now on the chosen connector."""
        if self.connector is None:
            return frozenset()
        return self.decisions.rights(self.connector, self.identity)

    def _allows(self, mechanism: str) -> bool:
        return self.connector is not None and self.connector.allows(mechanism)

    def _max_size(self) -> float | None:
        return self.connector.max_message_size if self.connector else None

    @property
    def requests_certificate(self) -> bool:
        """True when the server asks for a client certificate in the STARTTLS handshake (Domain Security)."""
        return requests_client_certificate(self.connector, self.decisions.secure_receive_domains)

    def offered_auth(self) -> list[str]:
        """AUTH mechanisms advertised now: NTLM where Integrated; LOGIN and PLAIN where BasicAuth and,
        with BasicAuthRequireTLS, only after STARTTLS; none before STARTTLS on a RequireTLS connector."""
        if self.connector is None or (self.connector.require_tls and not self.tls):
            return []
        mechanisms = []
        if self._allows("Integrated"):
            mechanisms.append("NTLM")
        if self._allows("BasicAuth") and (self.tls or not self._allows("BasicAuthRequireTLS")):
            mechanisms += list(BASIC_MECHANISMS)
        return mechanisms

    def extensions(self) -> list[str]:
        """EHLO keywords in the order Exchange lists them (the list is the common Exchange set; UNCONFIRMED for 2007)."""
        size = self._max_size()
        found = [f"SIZE {int(size)}" if size is not None else "SIZE", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"]
        if self._allows("Tls") and not self.tls:
            found.append("STARTTLS")
        auth = self.offered_auth()
        if auth:
            found.append("AUTH " + " ".join(auth))
        if self._allows("ExchangeServer") and not (self.connector.require_tls and not self.tls):
            found.append("X-EXPS GSSAPI NTLM")
        found += ["8BITMIME", "BINARYMIME", "CHUNKING"]
        return found

    # -- commands --------------------------------------------------------------------------------
    def ehlo(self, hostname: str) -> Reply:
        """EHLO: 250 with the extensions offered now, or 501 for a missing or malformed domain."""
        if not self.open:
            return CLOSED
        refusal = hello_domain_refusal("EHLO", hostname)
        if refusal is not None:
            return refusal
        self.greeted, self.esmtp = True, True
        self._reset_transaction()
        return Reply(250, "", f"{self.decisions.fqdn} Hello [{self.client_ip}]", tuple(self.extensions()))

    def helo(self, hostname: str) -> Reply:
        """HELO: 250 without extensions, or 501 for a missing or malformed domain."""
        if not self.open:
            return CLOSED
        refusal = hello_domain_refusal("HELO", hostname)
        if refusal is not None:
            return refusal
        self.greeted, self.esmtp = True, False
        self._reset_transaction()
        return Reply(250, "", f"{self.decisions.fqdn} Hello [{self.client_ip}]")

    def starttls(self, certificate: PeerCertificate | None = None) -> Reply:
        """220 and the session is in TLS (a live endpoint then does the handshake and tells the client's
        certificate with `present_certificate`); per RFC 3207 the client must EHLO again and any earlier
        authentication is forgotten. `certificate`: the one the client shows in the handshake, if any."""
        if not self.open:
            return CLOSED
        if not self.greeted:
            return SEND_HELLO_FIRST
        if not self._allows("Tls"):
            return UNRECOGNIZED
        if self.tls:
            return TLS_ALREADY
        self.tls, self.greeted, self.esmtp = True, False, False
        if self.identity.kind in ("user", "exchange_server", "partner"):
            self.identity = ANONYMOUS
        self._reset_transaction()
        self.certificate = certificate
        return TLS_READY

    def present_certificate(self, certificate: PeerCertificate | None) -> None:
        """The client certificate of the TLS handshake that followed STARTTLS (None: the client showed none)."""
        self.certificate = certificate

    def auth(self, mechanism: str, user: str | None = None, password: str | None = None) -> Reply:
        """AUTH LOGIN/PLAIN (BasicAuth), NTLM/GSSAPI (Integrated, modelled as user and password) or
        EXCHANGE/X-EXPS with the peer server's name as `user` (ExchangeServer authentication).

        504 5.7.4 where the mechanism is not on; 451 5.7.3 for Basic before STARTTLS with
        BasicAuthRequireTLS; 530 5.7.0 before STARTTLS on a RequireTLS connector; 451 5.7.3 Cannot achieve
        Exchange Server authentication where ExchangeServer is on but the ExchangeServers group is not
        granted (Decision); 535 5.7.3 for wrong credentials or a server name not in the organisation.
        """
        if not self.open:
            return CLOSED
        if not self.esmtp:
            return SEND_HELLO_FIRST
        if self.identity.kind in ("user", "exchange_server"):
            return ALREADY_AUTHENTICATED
        mech = mechanism.upper()
        if mech in BASIC_MECHANISMS:
            if not self._allows("BasicAuth"):
                return UNRECOGNIZED_AUTH
            if self._allows("BasicAuthRequireTLS") and not self.tls:
                return REQUIRE_TLS_FOR_BASIC
        elif mech in INTEGRATED_MECHANISMS:
            if not self._allows("Integrated"):
                return UNRECOGNIZED_AUTH
        elif mech in EXCHANGE_MECHANISMS:
            if not self._allows("ExchangeServer"):
                return UNRECOGNIZED_AUTH
        else:
            return UNRECOGNIZED_AUTH
        if self.connector.require_tls and not self.tls:
            return NEED_STARTTLS
        if mech in EXCHANGE_MECHANISMS:
            if "ExchangeServers" not in self.connector.effective_groups:
                return NO_EXCHANGE_AUTH
            if (user or "").upper() not in self.decisions.exchange_servers:
                return AUTH_FAILED
            self.identity = Identity("exchange_server", user)
            return AUTH_OK
        if not self.decisions.check_user(user, password):
            return AUTH_FAILED
        self.identity = Identity("user", user)
        return AUTH_OK

    def noop(self) -> Reply:
        """NOOP: 250, nothing changes."""
        return NOOP_OK if self.open else CLOSED

    def quit(self) -> Reply:
        """QUIT: 221 and the session is over."""
        if not self.open:
            return CLOSED
        self.open = False
        return BYE
