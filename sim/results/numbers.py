"""Numbers as people read them in a summary: never scientific notation ("3.24e+03s" is "3,240s (54m)").

One place for the terminal summary, the notebook tables and the HTML report, so they agree.
"""

from __future__ import annotations

import math

from ..scenario.units import format_duration


def seconds(value: float | None) -> str:
    """A time in seconds: '0.412ms', '0.144s', '12.3s', '3,240s (54m)'; 'n/a' when there is none (NaN)."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    size = abs(value)
    if 0 < size < 0.01:
        return f"{value * 1000:.3f}ms"
    if size < 10:
        return f"{value:.3f}s"
    if size < 100:
        return f"{value:.1f}s"
    text = f"{value:,.0f}s"
    return f"{text} ({format_duration(round(value))})" if size >= 60 else text


def count(value: float | None) -> str:
    """A count or a rate with thousands separators and no decimals: '1,234'; 'n/a' for NaN."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    return f"{float(value):,.0f}"


def percent(share: float | None) -> str:
    """A share (0.734) as '73.4%'; 'n/a' for NaN."""
    if share is None or not math.isfinite(float(share)):
        return "n/a"
    return f"{float(share) * 100:.1f}%"


def plain(value: object) -> str:
    """Any summary value as text: numbers without scientific notation, the rest as str."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return "n/a"
    if value == int(value) and abs(value) >= 1:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) >= 0.0001 else f"{value:.10f}".rstrip("0").rstrip(".")
