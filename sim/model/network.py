"""What the network between servers is doing now: which IP site links are down, and the Internet's state.

Faults change it; relay queues ask it before they connect. Availability never changes a route
(DOMAIN.md 2): a link that is down makes the sites behind it unreachable along the same least-cost
path, and mail backs off to the closest reachable site on it (queue at point of failure).
Faults may overlap: each thing is down while at least one fault holds it down.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import pairwise


class Network:
    """Site links and the Internet, with a count of the faults holding each down."""

    __slots__ = ("links_down", "refusing", "unreachable", "listeners")

    def __init__(self) -> None:
        self.links_down: Counter[frozenset] = Counter()
        self.refusing = 0  # faults making remote hosts answer 4xx
        self.unreachable = 0  # faults cutting the Internet off (no connection, in or out)
        self.listeners: list[Callable[[], None]] = []  # told after every change

    def path_up(self, sites: Iterable[str]) -> bool:
        """True when every site link along `sites` (a path of AD sites, in order) is up."""
        if not self.links_down:
            return True
        return all(frozenset(pair) not in self.links_down for pair in pairwise(sites))

    def set_link(self, a: str, b: str, up: bool) -> None:
        """One fault takes the link between `a` and `b` down (up=False) or gives it back (up=True)."""
        key = frozenset((a, b))
        self.links_down[key] += -1 if up else 1
        if self.links_down[key] <= 0:
            del self.links_down[key]
        self._changed()

    def set_internet(self, mode: str, up: bool) -> None:
        """One fault makes remote hosts refuse or be unreachable (up=False), or ends (up=True)."""
        step = -1 if up else 1
        if mode == "refuse":
            self.refusing += step
        else:
            self.unreachable += step
        self._changed()

    @property
    def internet_reachable(self) -> bool:
        """False while a fault cuts the Internet off."""
        return self.unreachable == 0

    @property
    def internet_refusing(self) -> bool:
        """True while a fault makes remote hosts answer 4xx to every delivery."""
        return self.refusing > 0

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()
