"""Antivirus scanning on the Hubs (`stages.hub_antivirus`): the categorizer's work plus the scan's, per message.

Decision: the scan is modelled as extra core time in the categorizer stage (one station, one event per
message), where a transport antivirus agent works on every message the Hub categorizes; its cost is
`stages.antivirus` (a stand-in: the 5:1 against 7:1 Mailbox:Hub core ratio implies about 40% more Hub
processor per message, DOMAIN.md 7.x).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Context


class SumOfDraws:
    """A sampler drawing from two samplers and adding them (the categorizer's time, then the scan's)."""

    __slots__ = ("_first", "_second")

    def __init__(self, first, second) -> None:
        self._first = first.next
        self._second = second.next

    def next(self) -> float:
        """One draw of each, added."""
        return self._first() + self._second()


def categorizer_service(model: Context, server: str) -> tuple | None:
    """(sampler, per_kb, per_recipient) of a Hub's categorizer with the antivirus scan, or None when it is off."""
    stages = model.scenario.stages
    if not stages.hub_antivirus:
        return None
    sampler, per_kb, per_recipient = model.service(server, "categorizer")
    scan, scan_kb, scan_recipient = model.service(server, "antivirus")
    return SumOfDraws(sampler, scan), per_kb + scan_kb, per_recipient + scan_recipient
