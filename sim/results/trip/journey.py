"""One message's trip as data: each hop (the server, the queue, its wait and why the mail went there) and each move
between servers, so the text (`exsim trace`), the figure (`result.trace_figure`) and the animated page (`exsim
trace --html`) tell the same story from one source.

Hops come from `result.hops` (a run with `record: hops`), in time order. Moves come from the recipients' paths
(`result.messages.path`: SEA-MBX1>SEA-HUB1>DEN-HUB1>LON-HUB1>LON-MBX1), one per pair of servers in a row, so a
message bifurcated into copies has a branch per copy: the Mail Submission Service's hand-over, each relay between
Hubs (with the routing decision behind it, and where the mail backed off to the closest site that answers), and
the last step to a mailbox or out of the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATION_LABELS = {
    "StoreDriverSubmission": "Store Driver submission (from the Outbox)",
    "SmtpReceive": "SMTP Receive",
    "AntiSpam": "anti-spam agents",
    "Submission": "Submission queue and Categorizer",
}
LINGER = 1.0
"""A wait longer than this (seconds) is worth a word on a slide: the queue's status then is looked up."""


@dataclass
class Hop:
    """One station the message (a copy of it) passed: where, how long it waited and was served, and why."""

    server: str
    station: str
    label: str
    delivery_type: str
    queued_at: float
    started_at: float
    finished_at: float
    thread_wait_s: float
    core_wait_s: float
    service_s: float
    why: str = ""
    status: str = ""
    """The queue's status while the message waited, when it waited long: 'the queue was in Retry ...'."""

    @property
    def wait_s(self) -> float:
        """Seconds waiting: for a thread, then for a core."""
        return self.thread_wait_s + self.core_wait_s


@dataclass
class Move:
    """The message (a copy of it) going from one server to another at a time, with what decided it in words."""

    source: str
    target: str
    at: float
    text: str


@dataclass
class Trip:
    """Everything a picture of the trip needs, in plain data."""

    message_id: int
    sender: str
    origin: str
    recipients: list[dict]
    size_kb: float
    submitted_at: float
    hops: list[Hop] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    submission: str = ""

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every (server, next server) on the recipients' paths, in the order the paths list them."""
        found = []
        for r in self.recipients:
            steps = [step for step in r["path"].split(">") if step]
            found += list(zip(steps, steps[1:]))
        return list(dict.fromkeys(found))

    @property
    def servers(self) -> list[str]:
        """Every server the trip touches, in the order it first reaches them."""
        names = [self.origin] + [m.target for m in self.moves]
        return list(dict.fromkeys(names))


def format_trip(found: Trip) -> str:
    """The trip as text, hop by hop (what `exsim trace` prints)."""
    lines = [f"Message {found.message_id} from {found.sender} on {found.origin}: {len(found.recipients)} "
             f"recipient(s), {found.size_kb:.1f} KB, sent at t={found.submitted_at:.3f}s"]  # fmt: skip
    if found.submission:
        lines.append(f"  {found.origin}: {found.submission}")
    for hop in found.hops:
        line = (f"  {hop.server}: {hop.label}: waited {hop.wait_s:.3f}s (thread {hop.thread_wait_s:.3f}s, "
                f"core {hop.core_wait_s:.3f}s), served {hop.service_s:.3f}s")  # fmt: skip
        notes = [text for text in (hop.status, hop.why) if text]
        lines.append(line + "".join(f"\n      {text}" for text in notes))
    lines.append("  Outcome:")
    for r in found.recipients:
        if r["status"] == "delivered":
            lines.append(f"    {r['recipient']}: delivered to {r['destination']} at t={r['finished_at']:.3f}s "
                         f"(latency {r['latency_s']:.3f}s) by {r['path']}")  # fmt: skip
        else:
            lines.append(f"    {r['recipient']}: {r['status']} at t={r['finished_at']:.3f}s: {r['reason']}")
    return "\n".join(lines)
