"""One queue as Get-Queue shows it at an instant: the hand-over from the model (replayed to that instant) to
the results, which lay the view out (sim.results.instant). Plain data, in Exchange's vocabulary (DOMAIN.md 9).

A format rather than a rule, so it lives in sim.formats beside the RunRecord: the model fills it, the results read it."""

from __future__ import annotations

from typing import NamedTuple

from .declare import Column, Table


class QueueState(NamedTuple):
    """A queue or stage of the model at one instant, every field read at that same instant."""

    identity: str
    """SERVER\\destination, as Queue Viewer shows it."""
    station: str
    """The destination part: a Mailbox server, an AD site, a domain, Submission, Unreachable, Poison, ..."""
    delivery_type: str
    """Get-Queue's DeliveryType; "Stage" for a stage of the model that Exchange does not list as a queue."""
    next_hop: str
    status: str
    """Active (a message in service), Ready, Retry or Suspended (the Transport service stopped)."""
    message_count: int
    """Messages in the queue: waiting, in service, or deferred until their retry timer."""
    last_error: str
    """The error of the queue's last failed connection attempt ("" if none yet); kept after it leaves Retry."""
    next_retry_at: float | None
    """Seconds from the start of the next retry while the queue is in Retry; None otherwise."""


QUEUE_VIEW = Table("queue_view", "one queue as Get-Queue lists it at an instant (Results.queue_view)", [
    Column("Identity", "text", "", "SERVER\\destination"),
    Column("DeliveryType", "text", "", "Get-Queue's DeliveryType"),
    Column("Status", "text", "", "Active, Ready, Retry or Suspended"),
    Column("MessageCount", "int64", "messages", "messages in the queue: waiting, in service or deferred"),
    Column("NextHopDomain", "text", "", "where the queue delivers to"),
    Column("LastError", "text", "", "the error of its last failed connection attempt ('' if none yet)"),
    Column("NextRetryTime", "datetime64[us, UTC]", "UTC", "the next retry while in Retry (NaT otherwise)"),
])  # fmt: skip
