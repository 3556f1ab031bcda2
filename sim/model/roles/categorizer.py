"""What the Hub and Edge categorizers share: bifurcation by next hop, and the cached next hop of each domain.

DOMAIN.md 1.2: the categorizer makes one copy per distinct next hop ("delayed fan-out"), never one per
recipient. The copies stay one item of the server's queue database, so they keep the message's
internal-message-id and log no TRANSFER: Exchange 2007 logs TRANSFER only when recipients move to a forked
message "because of content conversion, message recipient limits, or agents" (TechNet cc539063, bb124375
(v=exchg.80)), none of which the model does (docs/exchange/tracking-log.md).
Where mail for a domain goes is decided once per (server, domain) and kept; a message bigger than the
chosen connector allows is routed again for its size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..message import Message

if TYPE_CHECKING:
    from ..context import Context
    from .transport import TransportServer

HopOf = Callable[[int, Message], object]


def bifurcate(server: TransportServer, msg: Message, hop_of: HopOf) -> None:
    """Queue `msg` at the next hop of each of its recipients: one copy per next hop."""
    recipients = msg.recipients
    if len(recipients) == 1:
        hop_of(recipients[0], msg).put(msg)
        return
    groups: dict[object, list[int]] = {}
    for recipient in recipients:
        hop = hop_of(recipient, msg)
        group = groups.get(hop)
        if group is None:
            groups[hop] = [recipient]
        else:
            group.append(recipient)
    if len(groups) == 1:
        next(iter(groups)).put(msg)
        return
    server.held_bytes += msg.size * (len(groups) - 1)  # each copy is an item of the queue database
    for hop, group in groups.items():
        hop.put(msg.copy_for(group))  # each copy keeps the message's internal-message-id


class DomainHops:
    """The next hop of each recipient domain from one server, decided once and cached."""

    __slots__ = ("server", "decide", "cache")

    def __init__(self, server: TransportServer, decide: Callable[[TransportServer, int, float], tuple]) -> None:
        self.server = server
        self.decide = decide  # Router.for_domain: (server, domain index, size) -> (hop, largest size it takes)
        self.cache: dict[int, tuple] = {}

    def hop(self, domain: int, size: float):
        """The queue (or NDR sink) for a recipient in `domain` of a message of `size` bytes."""
        decided = self.cache.get(domain)
        if decided is None:  # decided for the smallest message, valid up to the chosen route's size limit
            decided = self.cache[domain] = self.decide(self.server, domain, 0.0)
        if size > decided[1]:
            return self.decide(self.server, domain, size)[0]
        return decided[0]


def poison_check(model: Context, server: TransportServer) -> Callable[[Message], bool] | None:
    """Whether a message crashes this server's categorizer: decided at its first categorization anywhere, on
    the stream poison/SERVER, and kept with it; None when the scenario has no poison messages."""
    share = model.scenario.poison.share
    if share <= 0:
        return None
    draw = model.streams.batched(f"poison/{server.name}", lambda g, n: g.random(n)).next

    def is_poison(msg: Message) -> bool:
        if msg.poison is None:
            msg.poison = draw() < share
        return msg.poison

    return is_poison
