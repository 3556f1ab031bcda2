"""Playing a list of SMTP steps against a modelled server: the Transcript `exsim audit` prints and tests read.

Each step goes through `sim.smtp.conversation.Conversation` as the command line a client would send, so
a played session gets the replies (and, on a Verbose connector, the protocol log lines) a live session
gets for the same lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..exchange.domain_security import PeerCertificate
from .conversation import Conversation
from .protocol_log_writer import ProtocolLogWriter, wall_clock
from .replies import Reply
from .session import BackPressure, SessionState, SmtpDecisions
from .syntax import BASIC_MECHANISMS, EXCHANGE_MECHANISMS

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
        """The banner's code and each reply's, in order."""
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
        """The conversation as 'C: ' and 'S: ' lines."""
        return self.text().splitlines()


def _certificate(value: Any) -> PeerCertificate | None:
    if value is None or isinstance(value, PeerCertificate):
        return value
    return PeerCertificate.of(str(value))


def _client_line(step: Sequence[Any]) -> str:
    command = str(step[0]).upper()
    args = list(step[1:])
    if command == "AUTH":
        mech = str(args[0]).upper() if args else ""
        if mech in EXCHANGE_MECHANISMS:
            return f"AUTH {mech} (as Exchange server {args[1] if len(args) > 1 else '?'})"
        who = args[1] if len(args) > 1 else "?"
        return f"AUTH {mech} (user {who}, password ****)"
    if command == "STARTTLS":
        shown = _certificate(args[0]) if args else None
        return "STARTTLS" + (f" (client certificate for {shown})" if shown is not None else "")
    if command == "BDAT":
        return f"BDAT {int(args[0]) if args else 0}{' LAST' if len(args) > 1 and args[1] else ''}"
    return _wire_line(step)


def _wire_line(step: Sequence[Any]) -> str:
    """The command line a client sends for a step (what `Conversation.command` parses)."""
    command, args = str(step[0]).upper(), list(step[1:])
    if command == "MAIL":
        size = f" SIZE={int(args[1])}" if len(args) > 1 and args[1] is not None else ""
        return f"MAIL FROM:<{str(args[0]).strip('<>')}>{size}"
    if command == "RCPT":
        return f"RCPT TO:<{str(args[0]).strip('<>')}>"
    if command in ("DATA", "STARTTLS"):
        return command
    return " ".join([command, *map(str, args)])


def play(conversation: Conversation | SessionState, step: Sequence[Any] | str) -> list[tuple[str, Reply]]:
    """One step against a session: [(client line, reply)], two pairs for DATA (354, then the end)."""
    if isinstance(conversation, SessionState):
        conversation = Conversation(conversation)
    if isinstance(step, str):
        step = tuple(step.split())
    command, args = str(step[0]).upper(), list(step[1:])
    line = _client_line(step)
    if command == "AUTH":
        return [(line, _auth(conversation, args))]
    if command == "BDAT":
        size, last = int(args[0]) if args else 0, bool(args[1]) if len(args) > 1 else False
        parsed, _ = conversation.command(f"BDAT {size}{' LAST' if last else ''}")
        chunk = conversation.bdat_size(parsed) if parsed is not None else None
        return [(line, chunk if isinstance(chunk, Reply) else conversation.bdat(size, last))]
    _, reply = conversation.command(_wire_line(step))
    if command == "STARTTLS" and reply.code == 220:
        conversation.tls_established(_certificate(args[0]) if args else None)
    if command == "DATA" and reply.code == 354:
        size = float(args[0]) if args else 0.0
        return [(line, reply), (f"<message, {int(size)} bytes> .", conversation.data_end(size))]
    return [(line, reply)]


def _auth(conversation: Conversation, args: list[Any]) -> Reply:
    padded = args + [None] * (3 - len(args))
    mechanism = str(padded[0] or "").upper()
    conversation.command(f"AUTH {mechanism}".strip())
    refusal = conversation.auth_refusal(mechanism)
    if refusal is not None:
        return refusal
    if mechanism in BASIC_MECHANISMS:
        conversation.challenge("334")
    return conversation.auth(mechanism, padded[1], padded[2])


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
    protocol_log: ProtocolLogWriter | None = None,
    clock: Callable[[], datetime] = wall_clock,
    remote_port: int = 0,
    session_id: str | None = None,
) -> Transcript:
    """Connect client_ip to server's port (on local_ip, default the server's IP) and play the steps.

    Steps: ("EHLO", name), ("HELO", name), ("STARTTLS",), ("AUTH", "PLAIN"|"LOGIN"|"NTLM", user, password),
    ("AUTH", "EXCHANGE", server_name), ("MAIL", sender[, size]), ("RCPT", recipient), ("DATA", size_bytes),
    ("RSET",), ("NOOP",), ("QUIT",), ("STARTTLS", certificate) with a client certificate (a
    PeerCertificate or one DNS name), ("BDAT", size[, last]), or any other command line as a string or
    tuple. Play stops when the connection closes (refused, 452 4.3.1 at connect, QUIT).
    `Transcript.replies[i]` answers steps[i] (for DATA, the reply after the message).

    protocol_log: where a Verbose connector writes its SMTP Receive log (times from `clock`; `remote_port`: the
    client's source port it shows; `session_id`: its id there, when the caller has one).
    """
    decisions = decisions or SmtpDecisions(scenario, server, back_pressure)
    conversation = Conversation.open(
        decisions,
        client_ip,
        port,
        local_ip,
        writer=protocol_log,
        remote_port=remote_port,
        clock=clock,
        session_id=session_id,
    )
    state = conversation.state
    replies, turns = [], []
    for step in steps:
        if not state.open:
            break
        pairs = play(conversation, step)
        turns += pairs
        replies.append(pairs[-1][1])
    conversation.close("Remote" if state.open else "Local")
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
