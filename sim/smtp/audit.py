"""`exsim audit`: every Receive connector of every Hub and Edge, who may connect, whether credentials can
cross the wire in clear text, whether anyone anonymous can relay, and how Domain Security holds: each
finding proved by an SMTP session played against the same decision code as the session model.

Every finding has a level and a one-line reason:

- FAIL (exit status 1): an **open relay** (an anonymous client, or any host of an ExternalAuthoritative
  connector, gets 250 for RCPT TO an external domain from the Internet beyond a handful of hosts, or from
  more than 256 addresses), or **clear-text Basic** (AUTH LOGIN taken before STARTTLS).
- WARN: a relay scoped to a handful (at most HANDFUL) of Internet addresses, named; mail of a Domain
  Security partner taken without its certificate; settings Exchange accepts that probably do not mean
  what was meant (sim.exchange.receive.warnings).
- NOTE: a relay scoped to at most 256 non-Internet addresses (application servers, an appliance); the
  connector takes anonymous submissions; Domain Security in force; a connector never selected.
- OK: what was checked and holds.

"Internet" is `ipaddress`'s `is_global` (sim.smtp.address_space): link-local, carrier-grade NAT,
documentation and reserved ranges are not the Internet. Decisions (DOMAIN.md silent): HANDFUL is 16 (a
/28); 256 addresses bound a "scoped" relay. MAPI encryption of each Mailbox server is reported beside
the SMTP findings and never fails the audit.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..exchange.domain_security import PeerCertificate
from ..exchange.receive.rules import GROUP_RIGHTS, covering_intervals
from ..exchange.receive.servers import receiving_servers
from ..exchange.receive.warnings import ReceiveWarning, receive_warnings
from ..scenario.receive import ReceiveConnector, ip_text, parse_binding
from .address_space import addresses, internet_parts, size
from .audit_report import format_audit, ranges_text
from .session import SmtpDecisions
from .transcript import Transcript, session

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

INTERNET_PROBE = "203.0.113.10"  # RFC 5737 documentation address: stands for "a host on the Internet" in transcripts
SCOPED_RELAY_LIMIT = 256
HANDFUL = 16
PROBE_SENDER = "probe@relay-probe.example"
PROBE_RECIPIENT = "someone@relay-target.example"

Level = Literal["FAIL", "WARN", "NOTE", "OK"]


@dataclass
class Finding:
    """One statement about a connector: its level, kind, the message, a one-line reason, and the session that proves it."""

    kind: str
    level: Level
    message: str
    reason: str = ""
    transcript: Transcript | None = None


@dataclass
class ConnectorAudit:
    """One connector on one of its endpoints: who reaches it, and what the probes found."""

    server: str
    role: str
    server_ip: str
    connector: ReceiveConnector
    endpoint: str
    reachable: list[tuple[int, int]]
    findings: list[Finding] = field(default_factory=list)


@dataclass
class AuditReport:
    """The audit of a scenario: each connector's findings, organisation-wide warnings, MAPI encryption."""

    scenario: str
    connectors: list[ConnectorAudit]
    mapi: list[tuple[str, bool]]
    warnings: list[ReceiveWarning] = field(default_factory=list)

    @property
    def failures(self) -> list[tuple[ConnectorAudit, Finding]]:
        """(connector, finding) of every FAIL."""
        return [(c, f) for c in self.connectors for f in c.findings if f.level == "FAIL"]

    @property
    def failed(self) -> bool:
        """True when the audit fails (exit status 1)."""
        return bool(self.failures)

    def count(self, kind: str) -> int:
        """How many findings of this kind."""
        return sum(1 for c in self.connectors for f in c.findings if f.kind == kind)

    def levels(self, level: Level) -> list[Finding]:
        """The findings of one level."""
        return [f for c in self.connectors for f in c.findings if f.level == level]

    def format(self) -> str:
        """The report as `exsim audit` prints it (sim.smtp.audit_report)."""
        return format_audit(self)


# ---- address helpers --------------------------------------------------------------------------------


def _inside(address: int, intervals: list[tuple[int, int]]) -> bool:
    return any(a <= address <= b for a, b in intervals)


def _pick(intervals: list[tuple[int, int]]) -> int:
    """A representative address: the documentation address if there, else a host-looking one."""
    probe = int(ipaddress.IPv4Address(INTERNET_PROBE))
    if _inside(probe, intervals):
        return probe
    a, b = intervals[0]
    return a + 1 if a % 256 == 0 and b > a else a


def probe_address(reachable: list[tuple[int, int]]) -> str:
    """The client address a probe connects from: where the connector takes Internet hosts, 203.0.113.10
    (the documentation address transcripts use for 'a host on the Internet') if the connector takes it,
    else an Internet address it takes; otherwise one of its addresses."""
    public = internet_parts(reachable)
    if public and _inside(int(ipaddress.IPv4Address(INTERNET_PROBE)), reachable):
        return INTERNET_PROBE
    return ip_text(_pick(public or reachable))


def reply_to(transcript: Transcript, command: str):
    """The reply to the first client line starting with `command`, or None if it was never sent."""
    return next((reply for client, reply in transcript.turns if client.startswith(command)), None)


# ---- probes -----------------------------------------------------------------------------------------------


def _endpoints(connector: ReceiveConnector, server_ip: str) -> list[tuple[str, int]]:
    found = []
    for binding in connector.effective_bindings:
        address, port = parse_binding(binding)
        endpoint = (server_ip if address == 0 else ip_text(address), port)
        if endpoint not in found:
            found.append(endpoint)
    return found


def _play(scenario, decisions, client, local_ip, port, steps) -> Transcript:
    return session(scenario, decisions.server, client, port, steps, local_ip=local_ip, decisions=decisions)


def _hello(decisions: SmtpDecisions, client: str, local_ip: str, port: int) -> list[tuple]:
    state = decisions.connect(client, port, local_ip)
    steps: list[tuple] = [("EHLO", "probe.example")]
    if state.open and "STARTTLS" in state.extensions():
        steps += [("STARTTLS",), ("EHLO", "probe.example")]
    return steps


def _relay_probe(scenario: Scenario, decisions: SmtpDecisions, client: str, local_ip: str, port: int) -> Transcript:
    """Anonymous: EHLO, STARTTLS if offered (anonymous TLS), MAIL from an outside sender and, if that is
    refused as a spoof, from the organisation's own domain, then RCPT to an external domain."""
    transcript = None
    for sender in (PROBE_SENDER, f"postmaster@{scenario.domain}"):
        steps = _hello(decisions, client, local_ip, port) + [("MAIL", sender), ("RCPT", PROBE_RECIPIENT), ("QUIT",)]
        transcript = _play(scenario, decisions, client, local_ip, port, steps)
        mail = reply_to(transcript, "MAIL")
        if mail is None or mail.code != 550:
            break
    return transcript


def audit(scenario: Scenario) -> AuditReport:
    """Audit every Receive connector of every Hub and Edge, and MAPI encryption of every Mailbox server."""
    warnings = receive_warnings(scenario)
    results = []
    for info in receiving_servers(scenario).values():
        decisions = SmtpDecisions(scenario, info.name)
        for connector in info.connectors:
            rivals = [c for c in info.connectors if c is not connector]
            for local_ip, port in _endpoints(connector, info.ip):
                reachable = covering_intervals(connector, rivals, local_ip, port)
                entry = ConnectorAudit(info.name, info.role, info.ip, connector, f"{local_ip}:{port}", reachable)
                results.append(entry)
                entry.findings += [
                    Finding("warning", "WARN", w.message, "Exchange accepts it without a word", None)
                    for w in warnings
                    if w.server == info.name and w.connector == connector.name
                ]
                if not reachable:
                    entry.findings.append(
                        Finding(
                            "unreachable",
                            "NOTE",
                            "never selected",
                            "connectors with more specific bindings or remote ranges take every address it lists",
                        )
                    )
                    continue
                client = probe_address(reachable)
                probe = (scenario, decisions, client, local_ip, port)
                entry.findings += _check_auth(connector, *probe)
                entry.findings += _check_relay(connector, reachable, *probe)
                entry.findings += _check_domain_security(connector, *probe)
    mapi = [(m.name, m.mapi_encryption_required) for site in scenario.sites for m in site.mailbox_servers]
    organisation = [w for w in warnings if not w.server]
    return AuditReport(scenario.name, results, mapi, organisation)


def _check_auth(connector, scenario, decisions, client, local_ip, port) -> list[Finding]:
    if not connector.allows("BasicAuth"):
        return [Finding("no_basic", "OK", "Basic authentication is not offered")]
    user = scenario.smtp_users[0] if scenario.smtp_users else None
    name, password = (user.name, user.password) if user else ("probe", "wrong-password")
    steps = [("EHLO", "probe.example"), ("AUTH", "LOGIN", name, password), ("QUIT",)]
    transcript = _play(scenario, decisions, client, local_ip, port, steps)
    reply = reply_to(transcript, "AUTH") or transcript.decisive
    if reply.code in (235, 535):
        return [
            Finding(
                "cleartext_basic",
                "FAIL",
                "CLEAR-TEXT BASIC AUTHENTICATION: AUTH LOGIN is taken before STARTTLS, so the user name "
                "and password cross the wire base64-encoded (add BasicAuthRequireTLS, or require_tls)",
                "anyone on the network path can read base64",
                transcript,
            )
        ]
    text = f"{reply.code} {reply.enhanced} {reply.text}"
    return [
        Finding("basic_after_tls", "OK", f"Basic authentication only after STARTTLS ({text} before it)", "", transcript)
    ]


def _externally_secured(connector: ReceiveConnector) -> str:
    rights = ", ".join(sorted(GROUP_RIGHTS["ExchangeServers"]))
    return (
        "ExternalAuthoritative treats every host that reaches this connector as an Exchange server: no "
        f"credentials, and the ExchangeServers group's rights ({rights})"
    )


def _check_relay(connector, reachable, scenario, decisions, client, local_ip, port) -> list[Finding]:
    transcript = _relay_probe(scenario, decisions, client, local_ip, port)
    rcpt = reply_to(transcript, "RCPT")
    external = "ExternalAuthoritative" in connector.effective_auth
    findings = []
    if rcpt is not None and rcpt.code == 250:
        public = internet_parts(reachable)
        count, internet = size(reachable), size(public)
        where = f"from {count:,} address{'' if count == 1 else 'es'} ({ranges_text(reachable)})"
        who = "any host here (ExternalAuthoritative)" if external else "anonymous clients"
        if (internet > HANDFUL) or (count > SCOPED_RELAY_LIMIT):
            why = "including Internet addresses" if internet else f"more than {SCOPED_RELAY_LIMIT} addresses"
            reason = _externally_secured(connector) if external else "anyone who reaches it can send spam through it"
            findings.append(
                Finding(
                    "open_relay",
                    "FAIL",
                    f"OPEN RELAY: {who} relay to external domains {where}, {why}",
                    reason,
                    transcript,
                )
            )
        elif internet:
            hosts = ", ".join(ip_text(a) for a in addresses(public, HANDFUL))
            findings.append(
                Finding(
                    "public_relay",
                    "WARN",
                    f"{who} relay to external domains from {internet} Internet address{'' if internet == 1 else 'es'}: {hosts}",
                    (_externally_secured(connector) + "; ") * external
                    + "each of these hosts may relay anonymously: keep the list to your own appliance or partner",
                    transcript,
                )
            )
        else:
            reason = _externally_secured(connector) if external else "only these internal hosts may relay"
            what = "relay to external domains by any host (ExternalAuthoritative)" if external else "anonymous relay"
            what += "" if external else " to external domains"
            findings.append(Finding("scoped_relay", "NOTE", f"{what}, scoped {where}", reason, transcript))
    else:
        refusal = transcript.decisive
        text = f"{refusal.code} {refusal.enhanced} {refusal.text}".replace("  ", " ")
        findings.append(Finding("no_relay", "OK", f"anonymous relay refused ({text})", "", transcript))
    if "AnonymousUsers" in connector.effective_groups or external:
        findings.append(
            Finding(
                "anonymous_submit",
                "NOTE",
                "unauthenticated clients may submit mail to the organisation's accepted domains",
                _externally_secured(connector) if external else "the AnonymousUsers group grants ms-Exch-SMTP-Submit",
            )
        )
    return findings


def _check_domain_security(connector, scenario, decisions, client, local_ip, port) -> list[Finding]:
    """For each partner domain on the receive list: is its mail taken here without its certificate?"""
    findings = []
    for domain in decisions.secure_receive_domains:
        sender = f"postmaster@{domain}"
        steps = _hello(decisions, client, local_ip, port) + [("MAIL", sender), ("QUIT",)]
        bare = _play(scenario, decisions, client, local_ip, port, steps)
        mail = reply_to(bare, "MAIL")
        if mail is None:
            continue
        if mail.ok:
            findings.append(
                Finding(
                    "domain_secure_bypass",
                    "WARN",
                    f"mail from {domain} (a Domain Security partner) is taken here without its certificate",
                    "ExternalAuthoritative and authenticated sessions are not anonymous, so Domain Security does not "
                    "apply; send the partner to a domain_secure_enabled connector"
                    if "ExternalAuthoritative" in connector.effective_auth
                    else "the session is not anonymous, so Domain Security does not apply",
                    bare,
                )
            )
        elif connector.domain_secure_enabled:
            steps = _hello(decisions, client, local_ip, port)
            steps = [s if s[0] != "STARTTLS" else ("STARTTLS", PeerCertificate.of(f"mail.{domain}")) for s in steps]
            proved = _play(scenario, decisions, client, local_ip, port, steps + [("MAIL", sender), ("QUIT",)])
            granted = reply_to(proved, "MAIL")
            findings.append(
                Finding(
                    "domain_secure",
                    "NOTE" if granted is not None and granted.ok else "WARN",
                    f"Domain Security for {domain}: without a certificate for {domain} MAIL FROM gets "
                    f"{mail.code} {mail.enhanced} {mail.text}; with one, "
                    + (f"{granted.code} {granted.enhanced} {granted.text}" if granted else "no reply"),
                    "mutual TLS proves the partner's domain; the Partners group then grants Submit (no relay)",
                    proved,
                )
            )
    return findings
