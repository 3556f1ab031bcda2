"""The `swaks` line `exsim smtpd` prints: one the model has played first and accepts, never a guess.

A Hub's Default connector takes no anonymous mail, so a hint of `swaks --server 127.0.0.1:2525 --to user0@...`
met `530 5.7.1 Client was not authenticated` with no word why. The hint is chosen by playing the sessions
through the model (sim.smtp.transcript.session, the same decision path the endpoint answers with): an anonymous
sender to a mailbox of the organisation on each listener, then each `smtp_users` account with Basic
authentication (after STARTTLS where the connector offers it). The first that the model accepts is printed; if
none is, the refusal is printed with what to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .session import SmtpDecisions
from .transcript import session

OUTSIDER = "someone@example.org"


class Listening(Protocol):
    """A listener as the hint needs it: how a client reaches it, and the port of the binding it stands for."""

    text: str
    modelled_port: int


def _played(decisions: SmtpDecisions, client_ip: str, port: int, steps: list) -> bool:
    transcript = session(decisions.scenario, decisions.server, client_ip, port, steps, decisions=decisions)
    return transcript.banner.ok and len(transcript.replies) == len(steps) and all(r.ok for r in transcript.replies)


def swaks_hint(decisions: SmtpDecisions, listeners: Sequence[Listening], client_ip: str) -> list[str]:
    """Lines to print: a swaks command the model accepts, or why none is and what to change."""
    domain = decisions.scenario.domain
    mailbox = f"user0@{domain}"
    for listener in listeners:
        anonymous = [("EHLO", "client.example"), ("MAIL", OUTSIDER), ("RCPT", mailbox)]
        if _played(decisions, client_ip, listener.modelled_port, anonymous):
            return [f"  try: swaks --server {listener.text} --from {OUTSIDER} --to {mailbox}"]
    for listener in listeners:
        for user in decisions.scenario.smtp_users:
            for tls in (True, False):
                steps = [("EHLO", "client.example")] + ([("STARTTLS",), ("EHLO", "client.example")] if tls else [])
                steps += [("AUTH", "LOGIN", user.name, user.password), ("MAIL", f"{user.name}@{domain}"),
                          ("RCPT", mailbox)]  # fmt: skip
                if _played(decisions, client_ip, listener.modelled_port, steps):
                    secure = " --tls" if tls else ""
                    return [f"  try: swaks --server {listener.text}{secure} --auth LOGIN --auth-user {user.name} "
                            f"--auth-password '{user.password}' --from {user.name}@{domain} --to {mailbox}"]  # fmt: skip
    first = listeners[0] if listeners else None
    if first is None:
        return []
    refusal = session(decisions.scenario, decisions.server, client_ip, first.modelled_port,
                      [("EHLO", "client.example"), ("MAIL", OUTSIDER), ("RCPT", mailbox)], decisions=decisions).decisive  # fmt: skip
    if refusal.code == 0:
        return [
            f"  no Receive connector takes a client on {first.text} ({refusal.text}): --port-map it to a bound port"
        ]
    return [f"  no anonymous mail on {first.text}: the model answers {refusal.code} {refusal.enhanced} {refusal.text}",
            "  (its connector grants anonymous senders no right to submit): add smtp_users to the scenario and "
            "authenticate (swaks --auth LOGIN), or --client-ip an address a relay connector takes"]  # fmt: skip
