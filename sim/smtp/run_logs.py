"""A run's SMTP protocol logs: each session the model recorded (sim.model.protocol), written as Exchange logs it.

Where: OUT/protocol/<SERVER>/ProtocolLog/SmtpSend/SENDyyyymmdd-1.LOG and .../SmtpReceive/RECVyyyymmdd-1.LOG, one
folder per server as each Exchange server keeps its own (TransportRoles\\Logs\\ProtocolLog, E2007 aa997624).
Which: a Send log line only for a connector whose ProtocolLoggingLevel is Verbose (the Intra-Organization
connector's is the transport's IntraOrgConnectorProtocolLoggingLevel), a Receive log line only where the Receive
connector that takes the connection is Verbose (the session model chooses it, as `exsim smtpd` does).

Exchange to Exchange, both sides come from one conversation with the receiver's session model: the Receive log
is what `exsim smtpd` would log, the Send log the same lines seen from the sender (`>` its commands, `<` the
replies). The sender says EHLO with its FQDN, STARTTLS and AUTH X-EXPS when offered, MAIL FROM with SIZE, one
RCPT TO a recipient, BDAT with LAST (CHUNKING; DATA without it), QUIT; every line before the message is dated
at the transfer's start, the rest at its end. Decisions (UNCONFIRMED for 2007): Exchange writes its
authentication as `X-EXPS GSSAPI`, shown here as the session model reads it, `AUTH X-EXPS`; the sender's port
counts up through Windows Server 2003's ephemeral range 1025-5000. A host outside the organisation is not
modelled: its replies are RFC 5321's plainest (`250 2.0.0 OK` for the message, as the tracking log's SEND says)
and its address one of RFC 5737's documentation range 203.0.113.0/24, the same for the same host name.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exchange.receive.servers import receiving_servers
from ..formats.protocol_log import RECEIVE, SEND, received_certificate_events
from .conversation import Conversation
from .protocol_log_writer import ProtocolLogSession, ProtocolLogWriter
from .replies import BYE, RECIPIENT_OK, SENDER_OK, START_MAIL, Reply
from .session import SmtpDecisions
from .transcript import play, session

if TYPE_CHECKING:  # pragma: no cover
    from ..scenario.schema import Scenario

INTRA_ORG = "Intra-Organization SMTP Send Connector"
_REMOTE_OK = Reply(250, "2.0.0", "OK")


class _Clock:
    """The time a session's next line is dated (moved on from the transfer's start to its end)."""

    def __init__(self) -> None:
        self.now = datetime.min

    def __call__(self) -> datetime:
        return self.now


class RunLogs:
    """Writes the recorded sessions of one run under `out`, one writer per server and kind."""

    def __init__(self, scenario: Scenario, text: Callable[[int], str], start: datetime, out: Path,
                 receive_ids: Mapping[tuple[str, int], Sequence[str]] | None = None) -> None:  # fmt: skip
        self.scenario = scenario
        # the ids the tracking log's SMTP RECEIVE rows give each (server, message)'s sessions, taken in turn
        self._receive_ids = {key: deque(ids) for key, ids in (receive_ids or {}).items()}
        self.text = text
        self.start = start
        self.out = Path(out)
        self.servers = receiving_servers(scenario)
        self.levels = {c.name: c.protocol_logging_level for c in scenario.send_connectors}
        self.levels[INTRA_ORG] = scenario.transport.intra_org_connector_protocol_logging_level
        self.clients = {c.name: c for c in scenario.smtp_clients}
        self.passwords = {u.name.lower(): u.password for u in scenario.smtp_users}
        self._decisions: dict[str, SmtpDecisions] = {}
        self._writers: dict[tuple[str, str], ProtocolLogWriter] = {}
        self._ports = count()
        self.clock = _Clock()

    # -- what is shared ---------------------------------------------------------------------------------
    def decisions(self, server: str) -> SmtpDecisions:
        """The session model of a receiving server, made once."""
        if server not in self._decisions:
            self._decisions[server] = SmtpDecisions(self.scenario, server, clock=self.clock)
        return self._decisions[server]

    def writer(self, server: str, kind: str) -> ProtocolLogWriter:
        """The SMTP Send or Receive log of one server (its files are made by its first line)."""
        key = (server, kind)
        if key not in self._writers:
            self._writers[key] = ProtocolLogWriter(self.out / "protocol" / server, kind)
        return self._writers[key]

    def files(self) -> list[Path]:
        """Every file written, sorted."""
        return sorted(path for writer in self._writers.values() for path in writer.files)

    def _port(self) -> int:
        return 1025 + next(self._ports) % 3976

    def _send_log(self, server: str, connector: str, local: str, remote: str) -> ProtocolLogSession | None:
        if self.levels.get(connector, "None") != "Verbose":
            return None
        return self.writer(server, SEND).session(connector, local, remote, self.clock, start=self.clock.now)

    def _receive_id(self, server: str, message: int) -> str | None:
        """The id the tracking log gave this message's next SMTP RECEIVE at `server` (None: the writer numbers it)."""
        ids = self._receive_ids.get((server, message))
        return ids.popleft() if ids else None

    def _at(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    # -- the sessions -----------------------------------------------------------------------------------
    def write(self, recorded: tuple) -> None:
        """Write one recorded session (sim.model.protocol's tuple) to the logs that want it."""
        kind, start, end, sender, receiver, connector, mail_from, recipients, size, message = recorded
        self.clock.now = self._at(start)
        envelope = (self.text(mail_from), [self.text(r) for r in recipients], int(size))
        if kind == "internet":
            self._internet(sender, receiver, connector, envelope, self._at(end))
            return
        sid = self._receive_id(receiver, message)
        if kind == "relay":
            self._relay(sender, receiver, connector, envelope, self._at(end), sid)
        elif kind == "inbound":
            self._inbound(receiver, envelope, sid)
        else:
            self._client(sender, receiver, envelope, sid)

    def _relay(self, sender: str, receiver: str, connector: str, envelope: tuple, end: datetime, sid: str | None,
               ) -> None:  # fmt: skip
        decisions, ip, port = self.decisions(receiver), self.servers[sender].ip, self._port()
        chosen = decisions.select(ip, 25).connector
        receive_on = chosen is not None and chosen.protocol_logging_level == "Verbose"
        send = self._send_log(sender, connector, f"{ip}:{port}", f"{decisions.info.ip}:25")
        if send is None and not receive_on:
            return
        writer = self.writer(receiver, RECEIVE) if receive_on else None
        conversation = Conversation.open(decisions, ip, 25, writer=writer, remote_port=port, clock=self.clock,
                                         session_id=sid)  # fmt: skip
        _exchange(conversation, send, f"{sender}.{self.scenario.domain}", sender, envelope, end, self.clock)

    def _internet(self, sender: str, host: str, connector: str, envelope: tuple, end: datetime) -> None:
        ip, port = self.servers[sender].ip, self._port()
        remote = f"203.0.113.{zlib.crc32(host.encode('utf-8')) % 254 + 1}:25"
        send = self._send_log(sender, connector, f"{ip}:{port}", remote)
        if send is None:
            return
        mail_from, recipients, size = envelope
        send.connect()
        turns = [("", Reply(220, "", f"{host} ESMTP")), (f"EHLO {sender}.{self.scenario.domain}",
                 Reply(250, "", f"{host} Hello [{ip}]", ("SIZE", "PIPELINING", "8BITMIME")))]  # fmt: skip
        turns += [(f"MAIL FROM:<{mail_from}> SIZE={size}", SENDER_OK)]
        turns += [(f"RCPT TO:<{r}>", RECIPIENT_OK) for r in recipients] + [("DATA", START_MAIL)]
        _mirror(send, turns)
        self.clock.now = end
        _mirror(send, [("", _REMOTE_OK), ("QUIT", BYE)])
        send.disconnect("Local")

    def _inbound(self, server: str, envelope: tuple, sid: str | None) -> None:
        """A host of the Internet sends to `server`: Receive log only (its address a documentation one)."""
        mail_from, recipients, size = envelope
        domain = mail_from.rpartition("@")[2] or "internet.example"
        ip = f"203.0.113.{zlib.crc32(domain.encode('utf-8')) % 254 + 1}"
        decisions = self.decisions(server)
        chosen = decisions.select(ip, 25).connector
        if chosen is None or chosen.protocol_logging_level != "Verbose":
            return
        steps = [("EHLO", f"mail.{domain}"), ("MAIL", mail_from, size), *(("RCPT", r) for r in recipients)]
        steps += [("DATA", size), ("QUIT",)]
        session(self.scenario, server, ip, 25, steps, decisions=decisions, protocol_log=self.writer(server, RECEIVE),
                clock=self.clock, remote_port=self._port(), session_id=sid)  # fmt: skip

    def _client(self, client: str, server: str, envelope: tuple, sid: str | None) -> None:
        spec, (mail_from, recipients, size) = self.clients[client], envelope
        decisions = self.decisions(server)
        chosen = decisions.select(spec.client_ip, spec.port).connector
        if chosen is None or chosen.protocol_logging_level != "Verbose":
            return
        name = f"{spec.name.replace(' ', '-').lower()}.client"  # the name sim.model.clients says EHLO with
        steps: list[Sequence[Any]] = [("EHLO", name)]
        steps += [("STARTTLS",), ("EHLO", name)] if spec.tls else []
        steps += [("AUTH", "LOGIN", spec.user, self.passwords.get(spec.user.lower()))] if spec.user else []
        steps += [("MAIL", spec.sender or mail_from, size), *(("RCPT", r) for r in recipients), ("DATA", size)]
        steps.append(("QUIT",))
        writer = self.writer(server, RECEIVE)
        session(self.scenario, server, spec.client_ip, spec.port, steps, decisions=decisions, protocol_log=writer,
                clock=self.clock, remote_port=self._port(), session_id=sid)  # fmt: skip


def _mirror(send: ProtocolLogSession | None, turns: list[tuple[str, Reply]]) -> None:
    """The Send log's view of turns (a command the sender sent, the reply it received; "" for no command)."""
    if send is None:
        return
    for line, reply in turns:
        if line:
            send.sent(line)
        for text in reply.wire():
            send.received(text)


def _exchange(conversation: Conversation, send, fqdn: str, server: str, envelope: tuple, end, clock) -> None:
    """An Exchange server's side of a session with the receiver's session model, logged on both sides."""
    if send is not None:
        send.connect()
    _mirror(send, [("", conversation.banner)])
    mail_from, recipients, size = envelope
    steps: list[tuple] = [("EHLO", fqdn)]
    while steps and conversation.state.open:
        step = steps.pop(0)
        pairs = play(conversation, step)
        reply = pairs[-1][1]
        shown = {"AUTH": "AUTH X-EXPS", "BDAT": f"BDAT {size} LAST"}.get(step[0], pairs[0][0])
        _mirror(send, [(shown, reply)] if step[0] != "DATA" else [("DATA", pairs[0][1]), ("", reply)])
        if step[0] == "STARTTLS" and reply.code == 220 and send is not None:
            send.infos(received_certificate_events(conversation.state.decisions.certificate))
        if not reply.ok:
            steps = [("QUIT",)] if step[0] != "QUIT" else []
        elif step[0] == "EHLO":
            steps = _after_ehlo(conversation, reply, fqdn, server, envelope)
        if steps and steps[0][0] in ("BDAT", "DATA"):
            clock.now = end  # the message's reply comes when the receiver has it
    if send is not None:
        send.disconnect("Local")
    conversation.close("Local")


def _after_ehlo(conversation: Conversation, ehlo: Reply, fqdn: str, server: str, envelope: tuple) -> list[tuple]:
    """What a sender does after EHLO: STARTTLS if offered and not yet on, AUTH X-EXPS if offered, then the mail."""
    offered = {line.split()[0] for line in ehlo.lines}
    if "STARTTLS" in offered and not conversation.state.tls:
        return [("STARTTLS",), ("EHLO", fqdn)]
    mail_from, recipients, size = envelope
    steps: list[tuple] = [("AUTH", "X-EXPS", server)] if "X-EXPS" in offered else []
    steps += [("MAIL", mail_from, size), *(("RCPT", r) for r in recipients)]
    steps += [("BDAT", size, True) if "CHUNKING" in offered else ("DATA", size), ("QUIT",)]
    return steps


def write_run_logs(
    scenario: Scenario,
    sessions: Sequence[tuple],
    text: Callable[[int], str],
    start: datetime,
    out: Path,
    receive_ids: Mapping[tuple[str, int], Sequence[str]] | None = None,
) -> list[Path]:
    """Write a run's recorded sessions (in the order they happened) as protocol logs; the files written.
    `receive_ids` (sim.formats.tracking_format.receive_session_ids): the session ids the tracking log's SMTP RECEIVE
    rows hold, so a Receive session is found in both logs by its id, as in Exchange."""
    logs = RunLogs(scenario, text, start, out, receive_ids)
    for recorded in sessions:
        logs.write(recorded)
    return logs.files()
