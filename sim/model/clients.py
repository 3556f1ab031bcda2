"""Mail submitted over SMTP to a Receive connector: POP3/IMAP4 users on 587 and applications relaying.

Each message plays a whole SMTP session against the server's connectors through the session model
(sim.smtp.session, the same decisions `exsim smtpd` answers with): EHLO, STARTTLS if the client uses
it, AUTH LOGIN if it has an account, MAIL FROM, RCPT TO for each recipient, DATA. Whatever the
connector refuses is counted as rejected with the reply that refused it; accepted recipients enter
the server's SMTP Receive like any other mail. While the server's Transport service is down, or back
pressure refuses the session (452 4.3.1), the client keeps the message and tries again later
(`internet.retry_interval`, a stand-in for the client's own retry). Nothing is dropped silently.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count
from typing import TYPE_CHECKING

from ..exchange.policies import RetryPolicy
from ..exchange.status import EXPIRED
from ..exchange.timers import server_timers
from ..formats.record import NDR, REJECTED
from ..scenario.clients import SmtpClient
from ..smtp.session import SmtpDecisions
from .message import Message
from .protocol import client_session
from .retry import Outbox
from .roles.transport import LEVELS
from .sources import MailGenerator, PoissonSource, distinct

if TYPE_CHECKING:
    from .context import Context


class SmtpClientSource(MailGenerator):
    """Poisson arrivals of one SmtpClient's messages, each through a modelled SMTP session."""

    def __init__(self, model: Context, spec: SmtpClient, ids: count) -> None:
        self.env = model.env
        self.spec = spec
        self.ids = ids
        self.server = model.transport_servers[spec.server]
        server = self.server
        scenario, env = model.scenario, model.env  # second 0 as sim.formats.clock.start_of says (it loads pandas)
        start = datetime.fromisoformat(scenario.start_date).replace(tzinfo=timezone.utc)
        start += timedelta(seconds=scenario.workload.start_of_day)
        self.decisions = SmtpDecisions(model.scenario, spec.server, back_pressure=lambda: LEVELS[server.pressure],
                                       clock=lambda: start + timedelta(seconds=env.now))  # dates the 220 banner  # fmt: skip
        self.outbox = Outbox(model.env, RetryPolicy.constant(model.scenario.internet.retry_interval),
                             lambda: server if server.up else None, lambda _server, msg: self._submit(msg),
                             server_timers(model.scenario.transport, None, "Hub"), self._gave_up)  # fmt: skip
        self.recorder = model.recorder
        self.sessions = model.smtp_sessions is not None  # the protocol logs want this client's sessions
        self.model = model
        self.born = model.recorder.birth_hook()
        self.book = book = model.addresses
        self.index = model.topology.server_index(spec.name, "Clients")
        self.domain_index = book.domains.index(spec.external_domain)
        users = {u.name.lower(): u.password for u in model.scenario.smtp_users}
        self.password = users.get(spec.user.lower()) if spec.user else None
        streams = model.streams
        unit = streams.batched(f"clients/{spec.name}/arrivals", lambda g, n: g.exponential(1.0, n)).next
        self.source = PoissonSource(model.env, unit, model.scenario.duration, self._arrive, rate=spec.rate)
        self._count = streams.sampler(spec.recipients, f"clients/{spec.name}/recipients").next
        self._size = streams.sampler(spec.size, f"clients/{spec.name}/sizes").next
        self._mailbox = streams.batched(
            f"clients/{spec.name}/mailboxes", lambda g, n: g.integers(0, max(book.mailboxes, 1), n)
        ).next
        self._kind = streams.batched(f"clients/{spec.name}/kinds", lambda g, n: g.random(n)).next
        # recipients are mailboxes, or users of the external domain numbered like them
        self.population = book.mailboxes * (2 if 0 < spec.external_share < 1 else 1)
        self.generated = 0
        self.recipients_generated = 0

    def start(self) -> None:
        """Schedule the first message."""
        self.source.start()

    def _recipient(self) -> int:
        if self._kind() < self.spec.external_share:
            return self.book.other(self.domain_index, self._mailbox())
        return self._mailbox()

    def _recipients(self) -> list[int]:
        return distinct(self._recipient, self._count(), self.population)

    def _sender_address(self) -> int:
        return self._mailbox()

    def _hand_on(self, msg: Message) -> None:
        self.outbox.put(msg)

    def _submit(self, msg: Message) -> None:
        """Play the session; hand on what was accepted, count what was refused with its reply."""
        spec, text = self.spec, self.book.text
        if self.sessions:
            client_session(self.model, spec.name, spec.server, msg, self.env.now)
        state = self.decisions.connect(spec.client_ip, spec.port)
        reply = state.banner
        if reply.ok:
            reply = state.ehlo(f"{spec.name.replace(' ', '-').lower()}.client")
        if reply.ok and spec.tls:
            reply = state.starttls()
            if reply.ok:
                reply = state.ehlo(f"{spec.name.replace(' ', '-').lower()}.client")
        if reply.ok and spec.user:
            reply = state.auth("LOGIN", spec.user, self.password)
        if reply.ok:
            reply = state.mail_from(spec.sender or text(msg.sender), msg.size)
        if not reply.ok:
            if reply.code == 452 and reply.enhanced == "4.3.1":  # back pressure: keep it and try later
                self.recorder.refused_and_retried += 1
                self.outbox.retry_later(msg)
            else:
                self._refuse(msg, reply)
            return
        accepted, refused = [], {}
        for recipient in msg.recipients:
            answer = state.rcpt_to(text(recipient))
            if answer.ok:
                accepted.append(recipient)
            else:
                refused.setdefault(answer, []).append(recipient)
        for answer, group in refused.items():
            self._refuse(msg.copy_for(group), answer)
        if not accepted:
            return
        if len(accepted) != len(msg.recipients):
            msg = msg.copy_for(accepted)
        reply = state.data(msg.size)
        if not reply.ok:
            self._refuse(msg, reply)
            return
        self.server.receive_smtp(msg)

    def _gave_up(self, msg: Message) -> None:
        """The client's own expiry (Decision: the organisation's MessageExpirationTimeout)."""
        self.recorder.expire(msg)
        self.recorder.finished(msg, -1, self.env.now, NDR, EXPIRED.status())

    def held(self):
        """Messages the client still holds, waiting to be submitted."""
        return self.outbox.held()

    def _refuse(self, msg: Message, reply) -> None:
        reason = " ".join(part for part in (str(reply.code), reply.enhanced, reply.text) if part)
        self.recorder.finished(msg, -1, self.env.now, REJECTED, reason)
