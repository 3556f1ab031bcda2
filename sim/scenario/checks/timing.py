"""Cross-checks on the run's window: the warm-up ends before generation does, faults start inside the run."""

from __future__ import annotations

from ..errors import Problem
from ..units import format_duration, parse_duration

DURATION = 8 * 3600.0
"""The default `duration` (sim.scenario.schema.Scenario uses it)."""
DRAIN = 0.0
"""The default `drain`."""


def warmup(raw: dict) -> list[Problem]:
    """warmup < duration, read from the mapping as given (so it is reported beside any other mistake)."""
    if "warmup" not in raw:
        return []
    duration = raw.get("duration")
    if seconds(raw["warmup"]) >= seconds(duration if duration is not None else DURATION):
        shown = repr(duration) if duration is not None else f"{format_duration(DURATION)} (the default)"
        return [Problem("warmup", f"must be shorter than duration, got {raw['warmup']!r} while duration is {shown}")]
    return []


def seconds(value) -> float:
    """A duration as given, in seconds; NaN when it is not one (its own error says so)."""
    try:
        return parse_duration(value)
    except (ValueError, TypeError):
        return float("nan")
