"""Playing a list of SMTP steps against a modelled server: the Transcript `exsim audit` prints and tests read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .replies import CLOSED, UNRECOGNIZED, Reply
from .session import EXCHANGE_MECHANISMS, BackPressure, SessionState, SmtpDecisions

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

# ---- playing a list of steps ----------------------------------------------------------------------


@dataclass
class Transcript:
    """A played session: the banner, one reply per step played, and the conversation (client line, reply)."""

    server: str
    client_ip: str
    port: int
    local_ip: str
    connector: str | None
    banner: Reply
    replies: list[Reply]
    turns: list[tuple[str, Reply]]
    state: SessionState

    @property
    def decisive(self) -> Reply:
        """The first refusal (code 0 or 4xx/5xx), banner included; else the last reply to a command
        other than QUIT, RSET or NOOP (so a session ending in QUIT is judged by its RCPT or DATA)."""
        for reply in [self.banner, *self.replies]:
            if not reply.ok:
                return reply
        closing = ("QUIT", "RSET", "NOOP")
        meaningful = [reply for client, reply in self.turns if not client.startswith(closing)]
        return meaningful[-1] if meaningful else self.banner

    @property
    def codes(self) -> list[int]:
        return [self.banner.code, *(reply.code for reply in self.replies)]

    def text(self, compact: bool = False) -> str:
        """'C: ...' and 'S: ...' lines; compact puts a multi-line reply (EHLO) on one line."""
        where = f"{self.local_ip}:{self.port}"
        lines = [
            f"# {self.client_ip} -> {self.server} {where}: "
            + (f"Receive connector {self.connector!r}" if self.connector else "no Receive connector")
        ]
        for client, reply in [("", self.banner), *self.turns]:
            if client:
                lines.append(f"C: {client}")
            if compact and reply.lines:
                lines.append(f"S: {reply.code} {reply.text} [{', '.join(reply.lines)}]")
            else:
                lines += [f"S: {text}" for text in reply.wire()]
        return "\n".join(lines)

    @property
    def lines(self) -> list[str]:
        return self.text().splitlines()


def _client_line(step: Sequence[Any]) -> str:
    command = str(step[0]).upper()
    args = list(step[1:])
    if command == "AUTH":
        mech = str(args[0]).upper() if args else ""
        if mech in EXCHANGE_MECHANISMS:
            return f"AUTH {mech} (as Exchange server {args[1] if len(args) > 1 else '?'})"
        who = args[1] if len(args) > 1 else "?"
        return f"AUTH {mech} (user {who}, password ****)"
    if command == "MAIL":
        size = f" SIZE={int(args[1])}" if len(args) > 1 and args[1] is not None else ""
        return f"MAIL FROM:<{str(args[0]).strip('<>')}>{size}"
    if command == "RCPT":
        return f"RCPT TO:<{str(args[0]).strip('<>')}>"
    return " ".join([command, *map(str, args)]) if command != "DATA" else "DATA"


def play(state: SessionState, step: Sequence[Any] | str) -> list[tuple[str, Reply]]:
    """One step against a session: [(client line, reply)], two pairs for DATA (354, then the end)."""
    if isinstance(step, str):
        step = tuple(step.split())
    command, args = str(step[0]).upper(), list(step[1:])
    line = _client_line(step)
    if command in ("EHLO", "HELO"):
        return [(line, (state.ehlo if command == "EHLO" else state.helo)(args[0] if args else ""))]
    if command == "STARTTLS":
        return [(line, state.starttls())]
    if command == "AUTH":
        padded = args + [None] * (3 - len(args))
        return [(line, state.auth(str(padded[0] or ""), padded[1], padded[2]))]
    if command == "MAIL":
        return [(line, state.mail_from(str(args[0]), args[1] if len(args) > 1 else None))]
    if command == "RCPT":
        return [(line, state.rcpt_to(str(args[0])))]
    if command == "DATA":
        reply = state.data_start()
        if reply.code != 354:
            return [(line, reply)]
        size = float(args[0]) if args else 0.0
        return [(line, reply), (f"<message, {int(size)} bytes> .", state.data_end(size))]
    if command == "RSET":
        return [(line, state.rset())]
    if command == "NOOP":
        return [(line, state.noop())]
    if command == "QUIT":
        return [(line, state.quit())]
    return [(line, UNRECOGNIZED if state.open else CLOSED)]


def session(
    scenario: Scenario,
    server: str,
    client_ip: str,
    port: int,
    steps: Sequence[Sequence[Any] | str],
    *,
    local_ip: str | None = None,
    back_pressure: BackPressure | None = None,
    decisions: SmtpDecisions | None = None,
) -> Transcript:
    """Connect client_ip to server's port (on local_ip, default the server's IP) and play the steps.

    Steps: ("EHLO", name), ("HELO", name), ("STARTTLS",), ("AUTH", "PLAIN"|"LOGIN"|"NTLM", user, password),
    ("AUTH", "EXCHANGE", server_name), ("MAIL", sender[, size]), ("RCPT", recipient), ("DATA", size_bytes),
    ("RSET",), ("NOOP",), ("QUIT",). Play stops when the connection closes (refused, 452 4.3.1 at
    connect, QUIT). `Transcript.replies[i]` answers steps[i] (for DATA, the reply after the message).
    """
    decisions = decisions or SmtpDecisions(scenario, server, back_pressure)
    state = decisions.connect(client_ip, port, local_ip)
    replies, turns = [], []
    for step in steps:
        if not state.open:
            break
        pairs = play(state, step)
        turns += pairs
        replies.append(pairs[-1][1])
    return Transcript(
        decisions.server,
        client_ip,
        port,
        state.local_ip,
        state.connector.name if state.connector else None,
        state.banner,
        replies,
        turns,
        state,
    )
