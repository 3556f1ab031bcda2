"""`exsim trace`: one message's journey, hop by hop, with each routing decision and why (for teaching).

The journey itself is sim.results.trip.journey (shared with the figure, sim.results.trip.figure, and the animated page,
sim.results.trip.html); this module words it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .trip.journey import format_trip
from .trip.reasons import trip

if TYPE_CHECKING:
    from .results import Results


def trace(result: Results, message_id: int) -> str:
    """The journey of `message_id` as text; needs a run recorded with `record: hops` (else NotRecorded says so)."""
    return format_trip(trip(result, message_id))


__all__ = ["trace"]
