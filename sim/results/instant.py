"""Get-Queue at an instant (DOMAIN.md 9): which instant a user means, and the view Exchange would list then.

The instant: a clock time on the run's first day (HH:MM or HH:MM:SS, from the start clock: `start_date` at
`workload.start_of_day`; it never wraps to the next day), or a time from the start ("3h4m1s", seconds). It
must lie in the run, from its start to its end (duration + drain, or where a stopped run stopped); outside
it is a ValueError naming the run's span. The state shown is the state after every event due before the
instant; events due exactly at it are not processed (the rule of a run's end, so the view at the end is
the state the run ended in). It comes from the model replayed to the instant (sim.model.instant), so
Status, MessageCount, LastError and NextRetryTime are of that one instant.

As in Exchange, the Submission and Unreachable queues are always listed, delivery queues and the Poison
queue only while they hold mail (DOMAIN.md 1.2); stages of the model that Exchange does not show as
queues (delivery type "Stage") are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

import pandas as pd

from ..formats.frames import as_frame
from ..formats.queue_state import QUEUE_VIEW, QueueState
from ..scenario.units import format_duration, parse_duration

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*$")


class QueueSource(Protocol):
    """What replays a run to an instant (sim.model.instant.Replay): the results never import the model."""

    def queues_at(self, at: float) -> list[QueueState]:
        """Every queue and stage at `at` seconds, as Get-Queue would show it then."""


def _clock_text(moment: datetime) -> str:
    return f"{moment:%H:%M}" if moment.second == 0 and moment.microsecond == 0 else f"{moment:%H:%M:%S}"


def _span(start: datetime, end: float) -> str:
    """How to name an instant of this run: clock times while the run stays on its first day."""
    last = start + timedelta(seconds=end)
    if last.date() == start.date():
        return f"give a time from {_clock_text(start)} to {_clock_text(last)}"
    return (f"give a clock time from {_clock_text(start)} (on the run's first day) or a time from the start "
            f"up to {format_duration(end)} (it ends at {_clock_text(last)} on {last:%a %d %b})")  # fmt: skip


def seconds_at(at: str | float, start: datetime, end: float, stopped: bool = False) -> float:
    """Simulated seconds of `at`: a clock time on the run's first day ("10:30", "10:30:30") or a time from the
    start ("3h4m1s", seconds). ValueError, one line naming the run's span, when it is not in [0, end]."""
    if isinstance(at, str) and ":" in at:
        found = _CLOCK.match(at)
        if found is None:
            raise ValueError(f"expected a clock time such as 10:30 or 10:30:30, got {at!r}")
        hours, minutes, seconds = int(found.group(1)), int(found.group(2)), float(found.group(3) or 0)
        if hours > 23 or minutes > 59 or seconds >= 60:
            raise ValueError(f"no such clock time: {at!r} (hours 0-23, minutes and seconds 0-59)")
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        value = (day + timedelta(hours=hours, minutes=minutes, seconds=seconds) - start).total_seconds()
    else:
        try:
            value = float(at) if isinstance(at, (int, float)) else parse_duration(at)
        except ValueError:
            raise ValueError(
                f"expected a clock time (10:30, 10:30:30) or a time from the start (2h30m, seconds), got {at!r}"
            ) from None
    if value < 0:
        raise ValueError(f"before the run starts ({_clock_text(start)}); {_span(start, end)}")
    if value > end:
        last = _clock_text(start + timedelta(seconds=end))
        raise ValueError(f"after the run {'stopped' if stopped else 'ends'} ({last}); {_span(start, end)}")
    return value


def queue_view(states: Sequence[QueueState], at: float, start: datetime) -> pd.DataFrame:
    """Get-Queue at `at` seconds from the queues' states then: Identity, DeliveryType, Status, MessageCount,
    NextHopDomain, LastError, NextRetryTime (a UTC clock time, `start` being second 0); attrs["at"] is the
    instant as a clock time."""
    rows = []
    for state in states:
        if state.delivery_type == "Stage":
            continue  # a stage of the model rather than a queue
        persistent = state.station in ("Submission", "Unreachable") and state.delivery_type != "MapiDelivery"
        if not persistent and state.message_count == 0:
            continue  # delivery queues and the Poison queue are shown only while they hold mail
        retry = None if state.next_retry_at is None else pd.Timestamp(start + timedelta(seconds=state.next_retry_at))
        rows.append({
            "Identity": state.identity, "DeliveryType": state.delivery_type, "Status": state.status,
            "MessageCount": state.message_count, "NextHopDomain": state.next_hop, "LastError": state.last_error,
            "NextRetryTime": retry,
        })  # fmt: skip
    columns = {name: [row[name] for row in rows] for name in QUEUE_VIEW.names}
    columns["NextRetryTime"] = pd.Series(columns["NextRetryTime"], dtype=QUEUE_VIEW["NextRetryTime"].dtype)
    view = as_frame(QUEUE_VIEW, columns)
    view.attrs["at"] = pd.Timestamp(start + timedelta(seconds=at))
    view.attrs["seconds"] = at
    return view
