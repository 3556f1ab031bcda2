"""`exsim audit`: every Receive connector of every Hub and Edge, who may connect, whether credentials can
cross the wire in clear text, and whether anyone anonymous can relay: each finding proved by an SMTP
session played against the same decision code as the session model (`sim.smtp.session`).

A finding fails the audit (exit status 1) when:

- **open relay**: an anonymous client gets 250 for RCPT TO an external (not accepted) domain. Decision
  (DOMAIN.md silent): it is an *open* relay when the connector takes such clients from any globally
  routable address (outside 10/8, 172.16/12, 192.168/16, 127/8) or from more than 256 addresses; a relay
  scoped to at most 256 internal addresses (application servers) is reported as a scoped anonymous
  relay and does not fail the audit.
- **clear-text Basic**: AUTH LOGIN is taken before STARTTLS (BasicAuth without BasicAuthRequireTLS and
  without RequireTLS): the password crosses the wire base64-encoded, readable by anyone on the path.

MAPI encryption (Set-MailboxServer -MAPIEncryptionRequired) of each Mailbox server is reported beside
the SMTP findings; it never fails the audit.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..exchange.receive_rules import Identity, anonymous_relay_granted, covering_intervals, resolve_rights
from ..exchange.receive_servers import receiving_servers
from ..scenario.receive import ReceiveConnector, ip_text, parse_binding
from .session import SmtpDecisions
from .transcript import Transcript, session

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

PRIVATE_BLOCKS = [ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8")]
INTERNET_PROBE = "203.0.113.10"  # RFC 5737 documentation address: stands for "a host on the Internet"
SCOPED_RELAY_LIMIT = 256
PROBE_SENDER = "probe@relay-probe.example"
PROBE_RECIPIENT = "someone@relay-target.example"

Severity = Literal["fail", "note", "ok"]


@dataclass
class Finding:
    """One statement about a connector, with the session that proves it."""

    kind: str
    severity: Severity
    message: str
    transcript: Transcript | None = None


@dataclass
class ConnectorAudit:
    server: str
    role: str
    server_ip: str
    connector: ReceiveConnector
    endpoint: str
    reachable: list[tuple[int, int]]
    findings: list[Finding] = field(default_factory=list)


@dataclass
class AuditReport:
    scenario: str
    connectors: list[ConnectorAudit]
    mapi: list[tuple[str, bool]]

    @property
    def failures(self) -> list[tuple[ConnectorAudit, Finding]]:
        return [(c, f) for c in self.connectors for f in c.findings if f.severity == "fail"]

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.connectors for f in c.findings if f.kind == kind)

    def format(self) -> str:
        return format_audit(self)


# ---- address helpers --------------------------------------------------------------------------------


def _size(intervals: list[tuple[int, int]]) -> int:
    return sum(b - a + 1 for a, b in intervals)


def _public_parts(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The intervals minus the private blocks."""
    parts = list(intervals)
    for block in PRIVATE_BLOCKS:
        lo, hi = int(block.network_address), int(block.broadcast_address)
        kept = []
        for a, b in parts:
            if b < lo or a > hi:
                kept.append((a, b))
                continue
            if a < lo:
                kept.append((a, lo - 1))
            if b > hi:
                kept.append((hi + 1, b))
        parts = kept
    return parts


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
    """A public address the connector takes if there is one (the worst case), else a private one."""
    public = _public_parts(reachable)
    return ip_text(_pick(public or reachable))


def _ranges_text(intervals: list[tuple[int, int]]) -> str:
    shown = [ip_text(a) if a == b else f"{ip_text(a)}-{ip_text(b)}" for a, b in intervals[:4]]
    more = f" and {len(intervals) - 4} more" if len(intervals) > 4 else ""
    return ", ".join(shown) + more


# ---- the audit --------------------------------------------------------------------------------------


def reply_to(transcript: Transcript, command: str):
    """The reply to the first client line starting with `command`, or None if it was never sent."""
    return next((reply for client, reply in transcript.turns if client.startswith(command)), None)


def _endpoints(connector: ReceiveConnector, server_ip: str) -> list[tuple[str, int]]:
    found = []
    for binding in connector.effective_bindings:
        address, port = parse_binding(binding)
        endpoint = (server_ip if address == 0 else ip_text(address), port)
        if endpoint not in found:
            found.append(endpoint)
    return found


def _relay_probe(scenario: Scenario, decisions: SmtpDecisions, client: str, local_ip: str, port: int) -> Transcript:
    """Anonymous: EHLO, STARTTLS if offered (anonymous TLS), MAIL from an outside sender and, if that is
    refused as a spoof, from the organisation's own domain, then RCPT to an external domain."""
    transcript = None
    for sender in (PROBE_SENDER, f"postmaster@{scenario.domain}"):
        state = decisions.connect(client, port, local_ip)
        steps: list[tuple] = [("EHLO", "probe.example")]
        if state.open and "STARTTLS" in state.extensions():
            steps += [("STARTTLS",), ("EHLO", "probe.example")]
        steps += [("MAIL", sender), ("RCPT", PROBE_RECIPIENT), ("QUIT",)]
        transcript = session(scenario, decisions.server, client, port, steps, local_ip=local_ip, decisions=decisions)
        mail = reply_to(transcript, "MAIL")
        if mail is None or mail.code != 550:
            break
    return transcript


def _auth_probe(scenario: Scenario, decisions: SmtpDecisions, client: str, local_ip: str, port: int) -> Transcript:
    user = scenario.smtp_users[0] if scenario.smtp_users else None
    name, password = (user.name, user.password) if user else ("probe", "wrong-password")
    steps = [("EHLO", "probe.example"), ("AUTH", "LOGIN", name, password), ("QUIT",)]
    return session(scenario, decisions.server, client, port, steps, local_ip=local_ip, decisions=decisions)


def audit(scenario: Scenario) -> AuditReport:
    """Audit every Receive connector of every Hub and Edge, and MAPI encryption of every Mailbox server."""
    results = []
    for info in receiving_servers(scenario).values():
        decisions = SmtpDecisions(scenario, info.name)
        for connector in info.connectors:
            rivals = [c for c in info.connectors if c is not connector]
            for local_ip, port in _endpoints(connector, info.ip):
                reachable = covering_intervals(connector, rivals, local_ip, port)
                entry = ConnectorAudit(info.name, info.role, info.ip, connector, f"{local_ip}:{port}", reachable)
                results.append(entry)
                if not reachable:
                    entry.findings.append(
                        Finding(
                            "unreachable",
                            "note",
                            "never selected: connectors with more "
                            "specific bindings or remote ranges take every address it lists",
                        )
                    )
                    continue
                client = probe_address(reachable)
                entry.findings += _check_auth(scenario, decisions, connector, client, local_ip, port)
                entry.findings += _check_relay(scenario, decisions, connector, reachable, client, local_ip, port)
    mapi = [(m.name, m.mapi_encryption_required) for site in scenario.sites for m in site.mailbox_servers]
    return AuditReport(scenario.name, results, mapi)


def _check_auth(scenario, decisions, connector, client, local_ip, port) -> list[Finding]:
    if not connector.allows("BasicAuth"):
        return [Finding("no_basic", "ok", "Basic authentication is not offered")]
    transcript = _auth_probe(scenario, decisions, client, local_ip, port)
    reply = reply_to(transcript, "AUTH") or transcript.decisive
    if reply.code in (235, 535):
        return [
            Finding(
                "cleartext_basic",
                "fail",
                "CLEAR-TEXT BASIC AUTHENTICATION: AUTH LOGIN is taken before STARTTLS, so the user name "
                "and password cross the wire base64-encoded (add BasicAuthRequireTLS, or require_tls)",
                transcript,
            )
        ]
    return [
        Finding(
            "basic_after_tls",
            "ok",
            f"Basic authentication only after STARTTLS ({reply.code} {reply.enhanced} {reply.text} before it)",
            transcript,
        )
    ]


def _check_relay(scenario, decisions, connector, reachable, client, local_ip, port) -> list[Finding]:
    transcript = _relay_probe(scenario, decisions, client, local_ip, port)
    rcpt = reply_to(transcript, "RCPT") or transcript.decisive
    relayed = rcpt.code == 250 and reply_to(transcript, "RCPT") is not None
    findings = []
    if relayed:
        public = _public_parts(reachable)
        count = _size(reachable)
        where = f"from {count:,} address{'' if count == 1 else 'es'} ({_ranges_text(reachable)})"
        if public or count > SCOPED_RELAY_LIMIT:
            why = "including Internet addresses" if public else f"more than {SCOPED_RELAY_LIMIT} addresses"
            findings.append(
                Finding(
                    "open_relay",
                    "fail",
                    f"OPEN RELAY: anonymous clients relay to external domains {where}, {why}",
                    transcript,
                )
            )
        else:
            findings.append(
                Finding("scoped_relay", "note", f"anonymous relay to external domains, scoped {where}", transcript)
            )
    else:
        refusal = transcript.decisive
        findings.append(
            Finding(
                "no_relay",
                "ok",
                f"anonymous relay refused ({refusal.code} {refusal.enhanced} {refusal.text})".replace("  ", " "),
                transcript,
            )
        )
    if "AnonymousUsers" in connector.effective_groups or anonymous_relay_granted(connector):
        findings.append(
            Finding(
                "anonymous_submit", "note", "anonymous clients may submit mail to the organisation's accepted domains"
            )
        )
    return findings


# ---- the report ---------------------------------------------------------------------------------------

_MARK = {"fail": "[FAIL]", "note": "[NOTE]", "ok": "[ok]  "}


def _rights_text(connector: ReceiveConnector) -> str:
    if not connector.extended_rights:
        return "none"
    return "; ".join(f"{'deny ' if g.deny else ''}{g.right} to {g.principal}" for g in connector.extended_rights)


def format_audit(report: AuditReport) -> str:
    lines = [f"Receive connector audit: {report.scenario}", ""]
    for entry in report.connectors:
        c = entry.connector
        lines.append(
            f"{entry.server} ({'Hub Transport' if entry.role == 'hub' else 'Edge Transport'}, "
            f"{entry.server_ip})  Receive connector {c.name!r} on {entry.endpoint}  (usage {c.usage})"
        )
        count = _size(entry.reachable)
        reach = (
            f"{count:,} address{'' if count == 1 else 'es'}: {_ranges_text(entry.reachable)}"
            if entry.reachable
            else "no address (shadowed)"
        )
        anonymous = sorted(resolve_rights(c, Identity("anonymous")))
        lines += [
            f"  who may connect: remote ranges {', '.join(c.remote_ip_ranges)}; selected for {reach}",
            f"  permission groups: {', '.join(c.effective_groups) or '(none)'}; auth: {', '.join(c.effective_auth)}; "
            f"require TLS: {'yes' if c.require_tls else 'no'}",
            f"  extended rights granted: {_rights_text(c)}",
            f"  anonymous rights: {', '.join(anonymous) or 'none'}",
        ]
        for finding in entry.findings:
            lines.append(f"  {_MARK[finding.severity]} {finding.message}")
            if finding.transcript is not None:
                lines += [f"         {line}" for line in finding.transcript.text(compact=True).splitlines()]
        lines.append("")
    lines.append("MAPI encryption (Set-MailboxServer -MAPIEncryptionRequired)")
    for name, required in report.mapi:
        lines.append(
            f"  {name}: {'required' if required else 'not required: MAPI clients may connect without RPC encryption'}"
        )
    if not report.mapi:
        lines.append("  (no Mailbox servers)")
    relays, cleartext = report.count("open_relay"), report.count("cleartext_basic")
    lines += [
        "",
        f"Result: {relays} open relay(s), {cleartext} connector(s) with clear-text Basic authentication"
        f" -> {'FAIL' if report.failed else 'PASS'}",
    ]
    return "\n".join(lines)
