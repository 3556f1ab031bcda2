"""Quantities with their units written out: "30s", "2h30m", "50KB", "10Mbps", "2/s".

Scenario files are read by people, so every number that has a unit carries it. These parsers turn
the text into SI base values (seconds, bytes, bits per second, events per second); a bare number
is taken in the base unit. Each raises ValueError with a message that says what was expected.
"""

from __future__ import annotations

import re

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}  # Exchange sizes are binary
_BANDWIDTH_UNITS = {"bps": 1.0, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9}
_RATE_UNITS = {"s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "day": 86400.0}

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_DURATION_PART = re.compile(rf"\s*({_NUMBER})\s*(ms|min|s|m|h|d)\s*")
_QUANTITY = re.compile(rf"^\s*([-+]?{_NUMBER})\s*([a-zA-Z]*)\s*$")


def _bare_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def parse_duration(value: object) -> float:
    """Seconds from "250ms", "30s", "5m", "2h30m", "1d" or a bare number of seconds."""
    number = _bare_number(value)
    if number is not None:
        return number
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a duration such as '30s', '5m' or '2h30m', got {value!r}")
    text, pos, total = value.strip(), 0, 0.0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if match is None:
            raise ValueError(
                f"expected a duration such as '30s', '5m' or '2h30m' (units ms, s, m, h, d), got {value!r}"
            )
        total += float(match.group(1)) * _DURATION_UNITS[match.group(3)]
        pos = match.end()
    return total


def _parse_with_units(value: object, units: dict[str, float], example: str, default: str) -> float:
    number = _bare_number(value)
    if number is not None:
        return number
    match = _QUANTITY.match(value) if isinstance(value, str) else None
    unit = (match.group(3) or default).lower() if match else None
    if match is None or unit not in units:
        names = ", ".join(units)
        raise ValueError(f"expected a quantity such as {example} (units {names}), got {value!r}")
    return float(match.group(1)) * units[unit]


def parse_size(value: object) -> float:
    """Bytes from "50KB", "10MB", "2GB" or a bare number of bytes (1 KB = 1024 bytes)."""
    return _parse_with_units(value, _SIZE_UNITS, "'50KB' or '10MB'", "b")


def parse_bandwidth(value: object) -> float:
    """Bits per second from "64kbps", "10Mbps", "1Gbps" or a bare number of bits per second."""
    return _parse_with_units(value, _BANDWIDTH_UNITS, "'10Mbps' or '1Gbps'", "bps")


def parse_rate(value: object) -> float:
    """Events per second from "2/s", "120/min", "5000/h", "10/day" or a bare number per second."""
    number = _bare_number(value)
    if number is not None:
        return number
    if isinstance(value, str) and "/" in value:
        amount, _, unit = value.partition("/")
        unit = unit.strip().lower()
        try:
            count = float(amount)
        except ValueError:
            count = None
        if count is not None and unit in _RATE_UNITS:
            return count / _RATE_UNITS[unit]
    raise ValueError(f"expected a rate such as '2/s', '120/min' or '5000/h', got {value!r}")


def format_duration(seconds: float) -> str:
    """The shortest readable form of a duration, for summaries and error messages."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            whole = int(seconds // size)
            parts.append(f"{whole}{unit}")
            seconds -= whole * size
    if seconds or not parts:
        parts.append(f"{seconds:g}s")
    return "".join(parts)
