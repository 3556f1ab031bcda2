"""The Internet hosts that send mail to the organisation, as the tracking log names them: a fixed population of
FQDNs and IP addresses, and which of them sent each message.

Why: real logs show mail arriving from many hosts, a few big senders and a long tail, not one. The names use the
domains reserved for documentation (RFC 2606: example.com, example.net, example.org, .example) and the
addresses the ranges reserved for it (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), so no real host
is named. Decision: 500 hosts, host k (from 0) sending with weight 1/(k+1) (Zipf's law, a stand-in for the
share of the big mail providers; UNCONFIRMED).
"""

from __future__ import annotations

import numpy as np

HOSTS = 500
"""How many sending hosts (at most 3 x 254, the addresses of the three documentation ranges)."""
RANGES = ("192.0.2", "198.51.100", "203.0.113")
"""RFC 5737's documentation ranges, /24 each."""
_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "contoso.example", "fabrikam.example",
            "northwind.example", "tailspin.example", "adatum.example", "litware.example")  # fmt: skip
_LABELS = ("mail", "mx", "smtp", "out", "relay", "mta")


def address(k: int) -> str:
    """The k-th documentation address (k from 0): 192.0.2.1 ... 192.0.2.254, 198.51.100.1, ... (wrapping)."""
    k %= 254 * len(RANGES)
    return f"{RANGES[k // 254]}.{k % 254 + 1}"


def population() -> tuple[list[str], list[str], np.ndarray]:
    """(FQDNs, IP addresses, sending weights summing to 1) of the HOSTS hosts, the biggest sender first."""
    names = [f"{_LABELS[k % len(_LABELS)]}{k // len(_LABELS) + 1}.{_DOMAINS[k % len(_DOMAINS)]}" for k in range(HOSTS)]
    weights = 1.0 / np.arange(1, HOSTS + 1)
    return names, [address(k) for k in range(HOSTS)], weights / weights.sum()


def senders(message_ids: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """The host (index into `population()`) that sent each message, drawn once per message id from 1 to the
    largest one given, so a message's host depends only on the stream and its id, not on which rows ask."""
    ids = np.asarray(message_ids, dtype=np.int64)
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    cumulative = np.cumsum(population()[2])
    cumulative[-1] = 1.0
    hosts = np.searchsorted(cumulative, generator.random(int(ids.max())), side="right")
    return hosts[ids - 1].astype(np.int64)
