"""The text `exsim audit` prints: per connector, who may connect and with what rights, then each finding
with its level, its one-line reason and the session that proves it; then the result line.

Reads an `AuditReport` (sim.smtp.audit) by its attributes only, so the two modules do not import each other.
"""

from __future__ import annotations

from typing import Any

from ..exchange.receive.rules import ANONYMOUS, Identity, resolve_rights
from ..scenario.receive import ReceiveConnector, ip_text
from .address_space import size

MARKS = {"FAIL": "[FAIL]", "WARN": "[WARN]", "NOTE": "[NOTE]", "OK": "[ok]  "}


def ranges_text(intervals: list[tuple[int, int]]) -> str:
    """'10.0.0.1, 10.0.0.5-10.0.0.9 and 3 more'."""
    shown = [ip_text(a) if a == b else f"{ip_text(a)}-{ip_text(b)}" for a, b in intervals[:4]]
    more = f" and {len(intervals) - 4} more" if len(intervals) > 4 else ""
    return ", ".join(shown) + more


def _rights_text(connector: ReceiveConnector) -> str:
    if not connector.extended_rights:
        return "none"
    return "; ".join(f"{'deny ' if g.deny else ''}{g.right} to {g.principal}" for g in connector.extended_rights)


def _unauthenticated_rights(connector: ReceiveConnector) -> str:
    """What a client gets without credentials: on an ExternalAuthoritative connector every host is an
    Exchange server (so 'anonymous rights: none' would mislead); elsewhere the anonymous rights."""
    if "ExternalAuthoritative" in connector.effective_auth:
        held = sorted(resolve_rights(connector, Identity("externally_secured")))
        return (
            "rights of every host that connects (ExternalAuthoritative: treated as an Exchange server, "
            f"no credentials): {', '.join(held) or 'none'}"
        )
    return f"anonymous rights: {', '.join(sorted(resolve_rights(connector, ANONYMOUS))) or 'none'}"


def _connector_lines(entry: Any) -> list[str]:
    c = entry.connector
    count = size(entry.reachable)
    reach = (
        f"{count:,} address{'' if count == 1 else 'es'}: {ranges_text(entry.reachable)}"
        if entry.reachable
        else "no address (shadowed)"
    )
    domain_secure = "; domain secure: yes" if c.domain_secure_enabled else ""
    lines = [
        f"{entry.server} ({'Hub Transport' if entry.role == 'hub' else 'Edge Transport'}, "
        f"{entry.server_ip})  Receive connector {c.name!r} on {entry.endpoint}  (usage {c.usage})",
        f"  who may connect: remote ranges {', '.join(c.remote_ip_ranges)}; selected for {reach}",
        f"  permission groups: {', '.join(c.effective_groups) or '(none)'}; auth: {', '.join(c.effective_auth)}; "
        f"require TLS: {'yes' if c.require_tls else 'no'}{domain_secure}",
        f"  extended rights granted: {_rights_text(c)}",
        f"  {_unauthenticated_rights(c)}",
    ]
    for finding in entry.findings:
        lines.append(f"  {MARKS[finding.level]} {finding.message}")
        if finding.reason:
            lines.append(f"         why: {finding.reason}")
        if finding.transcript is not None:
            lines += [f"         {line}" for line in finding.transcript.text(compact=True).splitlines()]
    return lines


def format_audit(report: Any) -> str:
    """The whole report; the last line says PASS or FAIL."""
    lines = [f"Receive connector audit: {report.scenario}", ""]
    if report.warnings:
        lines.append("Organisation")
        lines += [f"  [WARN] {w.path}: {w.message}" for w in report.warnings]
        lines.append("")
    for entry in report.connectors:
        lines += _connector_lines(entry)
        lines.append("")
    lines.append("MAPI encryption (Set-MailboxServer -MAPIEncryptionRequired)")
    for name, required in report.mapi:
        lines.append(
            f"  {name}: {'required' if required else 'not required: MAPI clients may connect without RPC encryption'}"
        )
    if not report.mapi:
        lines.append("  (no Mailbox servers)")
    relays, cleartext = report.count("open_relay"), report.count("cleartext_basic")
    warned = len(report.levels("WARN")) + len(report.warnings)
    lines += [
        "",
        f"Warnings: {warned} (each [WARN] above: worth a look, not a failure)",
        f"Result: {relays} open relay(s), {cleartext} connector(s) with clear-text Basic authentication"
        f" -> {'FAIL' if report.failed else 'PASS'}",
    ]
    return "\n".join(lines)
