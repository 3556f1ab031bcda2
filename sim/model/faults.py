"""Outage schedules: a Hub's Microsoft Exchange Transport service stops and starts at given times."""

from __future__ import annotations

from collections.abc import Iterator

from ..scenario.schema import Fault
from .engine import Environment


def outage(env: Environment, fault: Fault, hub) -> Iterator:
    """Stop the Transport service at down_at, start it at up_at (if given)."""
    yield env.timeout(fault.down_at)
    hub.stop()
    if fault.up_at is not None:
        yield env.timeout(fault.up_at - fault.down_at)
        hub.start()
