"""`exsim trace`: one message's journey, hop by hop, with each routing decision and why (for teaching).

The journey itself is sim.results.trip (shared with the figure, sim.results.trip_figure, and the animated page,
sim.results.trip_html); this module words it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .trip import format_trip
from .trip_reasons import trip

if TYPE_CHECKING:
    from .results import Results


def trace(result: Results, message_id: int) -> str:
    """The journey of `message_id` as text; needs a run recorded with `record: hops` (else NotRecorded says so)."""
    return format_trip(trip(result, message_id))


__all__ = ["trace"]
