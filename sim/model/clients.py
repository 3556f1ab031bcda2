"""Mail submitted over SMTP to a Receive connector: POP3/IMAP4 users on 587 and applications relaying.

Each message plays a whole SMTP session against the server's connectors through the session model
(sim.smtp.session, the same decisions `exsim smtpd` answers with): EHLO, STARTTLS if the client uses
it, AUTH LOGIN if it has an account, MAIL FROM, RCPT TO for each recipient, DATA. Whatever the
connector refuses is counted as rejected with the reply that refused it; accepted recipients enter
the server's SMTP Receive like any other mail. Nothing is dropped silently.
"""

from __future__ import annotations

from itertools import count
from typing import TYPE_CHECKING

from ..scenario.clients import SmtpClient
from .message import REJECTED, Message

if TYPE_CHECKING:
    from .organisation import Model


class SmtpClientSource:
    """Poisson arrivals of one SmtpClient's messages, each through a modelled SMTP session."""

    def __init__(self, model: Model, spec: SmtpClient, ids: count) -> None:
        from ..smtp.session import SmtpDecisions

        self.env = model.env
        self.spec = spec
        self.ids = ids
        self.stop_at = model.scenario.duration
        self.server = model.transport_servers[spec.server]
        self.decisions = SmtpDecisions(model.scenario, spec.server)
        self.recorder = model.recorder
        self.book = book = model.addresses
        self.index = model.topology.server_index(spec.name, "Clients")
        self.domain_index = book.domains.index(spec.external_domain)
        users = {u.name.lower(): u.password for u in model.scenario.smtp_users}
        self.password = users.get(spec.user.lower()) if spec.user else None
        streams = model.streams
        self._gap = streams.batched(f"clients/{spec.name}/arrivals", lambda g, n: g.exponential(1 / spec.rate, n)).next
        self._count = streams.sampler(spec.recipients, f"clients/{spec.name}/recipients").next
        self._size = streams.sampler(spec.size, f"clients/{spec.name}/sizes").next
        self._mailbox = streams.batched(
            f"clients/{spec.name}/mailboxes", lambda g, n: g.integers(0, max(book.mailboxes, 1), n)
        ).next
        self._kind = streams.batched(f"clients/{spec.name}/kinds", lambda g, n: g.random(n)).next
        self.generated = 0
        self.recipients_generated = 0
        self.refused: dict[str, int] = {}  # decisive reply -> recipients refused

    def start(self) -> None:
        self.env.call_later(self._gap(), self._arrive)

    def _arrive(self, _event) -> None:
        now = self.env.now
        spec, book = self.spec, self.book
        recipients = [
            book.other(self.domain_index, self._mailbox()) if self._kind() < spec.external_share else self._mailbox()
            for _ in range(self._count())
        ]
        sender = self._mailbox()
        msg = Message(next(self.ids), sender, self._size(), self.index, now, recipients, [self.index])
        self.generated += 1
        self.recipients_generated += len(recipients)
        self._submit(msg)
        at = now + self._gap()
        if at < self.stop_at:
            self.env.call_later(at - now, self._arrive)

    def _submit(self, msg: Message) -> None:
        """Play the session; hand on what was accepted, count what was refused with its reply."""
        spec, text = self.spec, self.book.text
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
        self.server.receive_smtp(msg, self.index)

    def _refuse(self, msg: Message, reply) -> None:
        reason = " ".join(part for part in (str(reply.code), reply.enhanced, reply.text) if part)
        self.refused[reason] = self.refused.get(reason, 0) + len(msg.recipients)
        self.recorder.finished(msg, -1, self.env.now, REJECTED, reason)
