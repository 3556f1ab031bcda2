"""Quantities with their units written out: "30s", "2h30m", "50KB", "10Mbps", "2/s".

Scenario files are read by people, so every number that has a unit carries it. These parsers turn
the text into SI base values (seconds, bytes, bits per second, events per second); a bare number
is taken in the base unit. Each raises ValueError with a message that says what was expected.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}  # Exchange sizes are binary
_BANDWIDTH_UNITS = {"bps": 1.0, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9}
_RATE_UNITS = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "min": 60.0,
    "m": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hour": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
}

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_DURATION_PART = re.compile(rf"\s*({_NUMBER})\s*(ms|min|s|m|h|d)\s*")
_QUANTITY = re.compile(rf"^\s*([-+]?{_NUMBER})\s*([a-zA-Z]*)\s*$")
_SIGNED_NUMBER = re.compile(rf"^\s*[-+]?{_NUMBER}\s*$")


def _finite(number: float, value: object) -> float:
    """The number, unless it is infinite or not a number (YAML .inf / .nan, or "1e400s")."""
    if not math.isfinite(number):
        raise ValueError(f"expected a finite quantity, got {value!r}")
    return number


def _bare_number(value: object) -> float | None:
    """A plain number (not a bool) as a float, else None; infinity and NaN are refused."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _finite(float(value), value)
    return None


def parse_duration(value: object) -> float:
    """Seconds from "250ms", "30s", "5m", "2h30m", "1d" or a bare number of seconds.

    A leading sign is read ("-5m" is -300), so the field's own bound says what is allowed.
    """
    number = _bare_number(value)
    if number is not None:
        return number
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a duration such as '30s', '5m' or '2h30m', got {value!r}")
    text = value.strip()
    if _SIGNED_NUMBER.match(text):  # "90" in quotes: seconds, as a bare number is
        return _finite(float(text), value)
    sign = -1.0 if text[0] == "-" else 1.0
    text = text[1:].lstrip() if text[0] in "+-" else text
    pos, total = 0, 0.0
    if not text:
        pos = -1  # a lone sign: no number at all
    while pos < len(text):
        match = _DURATION_PART.match(text, pos) if pos >= 0 else None
        if match is None:
            raise ValueError(
                f"expected a duration such as '30s', '5m' or '2h30m' (units ms, s, m, h, d), got {value!r}"
            )
        total += float(match.group(1)) * _DURATION_UNITS[match.group(3)]
        pos = match.end()
    return _finite(sign * total, value)


def _parse_with_units(value: object, units: dict[str, float], example: str, default: str) -> float:
    number = _bare_number(value)
    if number is not None:
        return number
    match = _QUANTITY.match(value) if isinstance(value, str) else None
    unit = (match.group(3) or default).lower() if match else None
    if match is None or unit not in units:
        names = ", ".join(units)
        raise ValueError(f"expected a quantity such as {example} (units {names}), got {value!r}")
    return _finite(float(match.group(1)) * units[unit], value)


def parse_size(value: object) -> float:
    """Bytes from "50KB", "10MB", "2GB" or a bare number of bytes (1 KB = 1024 bytes)."""
    return _parse_with_units(value, _SIZE_UNITS, "'50KB' or '10MB'", "b")


def parse_bandwidth(value: object) -> float:
    """Bits per second from "64kbps", "10Mbps", "1Gbps", a bare number of bits per second, or "unlimited"."""
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        return float("inf")
    return _parse_with_units(value, _BANDWIDTH_UNITS, "'10Mbps', '1Gbps' or 'unlimited'", "bps")


def parse_rate(value: object) -> float:
    """Events per second from "2/s", "120/min", "5000/h", "10/day" or a bare number per second."""
    number = _bare_number(value)
    if number is not None:
        return number
    if isinstance(value, str) and _SIGNED_NUMBER.match(value):
        return _finite(float(value), value)
    if isinstance(value, str) and "/" in value:
        amount, _, unit = value.partition("/")
        unit = unit.strip().lower()
        if _SIGNED_NUMBER.match(amount) and unit in _RATE_UNITS:
            return _finite(float(amount) / _RATE_UNITS[unit], value)
    raise ValueError(f"expected a rate such as '2/s', '120/min' or '5000/h', got {value!r}")


def format_duration(seconds: float) -> str:
    """The shortest readable form of a duration, for summaries and error messages.

    parse_duration(format_duration(x)) gives x back to 12 significant digits: the arithmetic is done
    on x rounded to 12 decimal digits, so float noise (3.70000000019s, 300.00000000000004ms) never shows.
    """
    value = float(seconds)
    if not math.isfinite(value):
        return str(value)
    if value < 0:
        return "-" + format_duration(-value)
    rest = Decimal(f"{value:.12g}")
    if rest == 0:
        return "0s"
    if rest < 1:
        return f"{_plain_decimal(rest * 1000)}ms"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if rest >= size:
            whole = int(rest // size)
            parts.append(f"{whole}{unit}")
            rest -= whole * size
    if rest or not parts:
        parts.append(f"{_plain_decimal(rest)}s")
    return "".join(parts)


def _plain_decimal(number: Decimal) -> str:
    """'250' rather than '2.5E+2', '0.5' rather than '0.500'."""
    return format(number.normalize(), "f")
