"""A message copy in flight.

The Categorizer bifurcates by destination, so one `Message` object is one copy carrying the recipients
that share its next hop; it is never one object per recipient.
"""

from __future__ import annotations


class Message:
    """One copy of a message: identity, envelope and where it has been."""

    __slots__ = (
        "id",
        "sender",
        "size",
        "kb",
        "origin",
        "submitted_at",
        "recipients",
        "path",
        "queued_at",
        "started_at",
        "core_at",
        "token",
        "done",
        "next_hub",
        "verdict",
        "internal_id",
        "waiting",
        "delayed",
        "poison",
        "crashes",
        "session",
    )

    def __init__(
        self,
        id: int,
        sender: int,
        size: float,
        origin: int,
        submitted_at: float,
        recipients: list[int],
        path: list[int],
    ) -> None:
        self.id = id
        self.sender = sender  # mailbox index in the organisation
        self.size = size  # bytes
        self.kb = size / 1024.0
        self.origin = origin  # server index of the sender's Mailbox server
        self.submitted_at = submitted_at
        self.recipients = recipients  # mailbox indexes in the organisation
        self.path = path  # server indexes visited, in order
        self.queued_at = 0.0  # when it entered its current station
        self.started_at = 0.0  # when its current service took a thread
        self.core_at = 0.0  # when its current service took a core (= started_at when no core was waited for)
        self.token = None  # the event id of its pending service completion; None when not in service (on a core)
        self.done = None  # what the engine calls when that service ends (Environment.serve)
        self.next_hub = None  # the server an SMTP relay is sending it to
        self.verdict = None  # the anti-spam agent that rejected it, on an Edge
        self.internal_id = 0  # internal-message-id on the server holding it (tracking log)
        self.waiting = None  # the place it waits in (for its delay DSN and expiry); None while it moves
        self.delayed = False  # a delay DSN was sent
        self.poison = None  # it crashes the categorizer (decided at its first categorization)
        self.crashes = 0  # Transport service crashes it was part of
        self.session = None  # the SMTP connection it holds until the receiver commits it (sim.model.connections)

    def copy_for(self, recipients: list[int]) -> Message:
        """A bifurcated copy carrying `recipients`, with its own copy of the path so far."""
        copy = Message(self.id, self.sender, self.size, self.origin, self.submitted_at, recipients, list(self.path))
        copy.internal_id = self.internal_id
        copy.delayed, copy.poison, copy.crashes = self.delayed, self.poison, self.crashes
        return copy
