"""Which client addresses are the Internet, for `exsim audit`: exactly `ipaddress`'s `is_global`.

Link-local (169.254.0.0/16), carrier-grade NAT (100.64.0.0/10), the private ranges, loopback, the
documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), benchmarking (198.18.0.0/15)
and the reserved ranges are not Internet addresses. Connectors hold IPv4 ranges as int intervals, so
the global addresses are precomputed as intervals: the cut points are the ends of every IANA
special-purpose block, and between two cuts `is_global` is asked once (it cannot change inside a piece
unless Python's table gains a block this list lacks; tests/test_audit_matrix.py compares both).
"""

from __future__ import annotations

import ipaddress
from functools import cache

SPECIAL_PURPOSE = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.0.0/29",
    "192.0.0.8/32",
    "192.0.0.9/32",
    "192.0.0.10/32",
    "192.0.0.170/31",
    "192.0.2.0/24",
    "192.31.196.0/24",
    "192.52.193.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "192.175.48.0/24",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "255.255.255.255/32",
)
"""IANA IPv4 special-purpose blocks (RFC 6890 and updates), plus multicast: every block where Python's
`is_global` may change value."""


@cache
def global_intervals() -> tuple[tuple[int, int], ...]:
    """The IPv4 addresses for which `ipaddress.IPv4Address(a).is_global` is true, as (first, last) ints."""
    cuts = {0, 2**32}
    for text in SPECIAL_PURPOSE:
        network = ipaddress.IPv4Network(text)
        cuts |= {int(network.network_address), int(network.broadcast_address) + 1}
    points = sorted(cuts)
    result: list[tuple[int, int]] = []
    for first, nxt in zip(points, points[1:], strict=False):
        if ipaddress.IPv4Address(first).is_global:
            if result and result[-1][1] + 1 == first:
                result[-1] = (result[-1][0], nxt - 1)
            else:
                result.append((first, nxt - 1))
    return tuple(result)


def intersect(intervals: list[tuple[int, int]], others: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The addresses in both sorted interval lists."""
    result, i, j = [], 0, 0
    ordered = sorted(intervals)
    while i < len(ordered) and j < len(others):
        low = max(ordered[i][0], others[j][0])
        high = min(ordered[i][1], others[j][1])
        if low <= high:
            result.append((low, high))
        if ordered[i][1] < others[j][1]:
            i += 1
        else:
            j += 1
    return result


def internet_parts(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The Internet (is_global) addresses among `intervals`."""
    return intersect(intervals, global_intervals())


def size(intervals: list[tuple[int, int]]) -> int:
    """How many addresses the intervals hold."""
    return sum(b - a + 1 for a, b in intervals)


def addresses(intervals: list[tuple[int, int]], limit: int) -> list[int]:
    """Up to `limit` addresses of the intervals, in order (for naming a handful of hosts)."""
    found: list[int] = []
    for a, b in intervals:
        found += range(a, min(b, a + limit - len(found) - 1) + 1)
        if len(found) >= limit:
            break
    return found[:limit]
