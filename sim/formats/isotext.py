"""ISO 8601 clock text for millions of timestamps, built as fixed-width bytes by integer arithmetic.

Why: a run's tables and tracking logs hold millions of clock values, and numpy's `datetime_as_string` costs
about 170 ns a value (Arrow's strftime more). Every value has the same width (years 1000-9999), so the text
is an (n, width) array of bytes: the date is formatted once per distinct day and taken by row, the time of
day is filled two or three digits at a time from tables of "00".."99" and "000".."999", and Arrow reads the
bytes as one fixed-width array (no Python object per value).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .columns import TEXT

PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
"""Ticks per second of each unit the text may show; "D" shows the date alone."""
_PAIRS = np.array([list(f"{i:02d}".encode()) for i in range(100)], dtype=np.uint8)
_TRIPLES = np.array([list(f"{i:03d}".encode()) for i in range(1000)], dtype=np.uint8)


def iso_text(ticks: np.ndarray, unit: str, separator: str = " ", suffix: str = "") -> pa.Array:
    """`yyyy-mm-dd` (unit "D") or `yyyy-mm-dd<separator>hh:mm:ss[.fraction]` of int64 `ticks` since 1970-01-01
    in `unit` ("D", "s", "ms", "us" or "ns"), the fraction showing that unit's digits, then `suffix`: the text
    numpy's `datetime_as_string(..., unit=unit)` writes, "T" replaced by `separator`. Every date must fall within
    years 1000-9999 (one width; the caller checks)."""
    ticks = np.asarray(ticks, dtype=np.int64)
    if unit == "D":
        days, index = _distinct(ticks)
        heads, fraction, digits = _dates(days), None, 0
    else:
        seconds, fraction = np.divmod(ticks, PER_SECOND[unit])
        distinct, index = _distinct(seconds)
        heads, digits = _seconds(distinct, separator), len(str(PER_SECOND[unit])) - 1
    width = heads.shape[1] + (digits + 1 if digits else 0)
    out = np.empty((len(ticks), width + len(suffix)), dtype=np.uint8)
    _put(out, 0, heads, index)
    if digits:
        out[:, 19] = ord(".")
        for position in range(20, width, 3):  # three digits at a time, most significant first
            shift = 10 ** (width - position - 3)
            part = fraction // shift if shift > 1 else fraction
            _put(out, position, _TRIPLES, part % 1000 if position > 20 else part)  # the first is below 1000
    if suffix:
        out[:, width:] = np.frombuffer(suffix.encode(), dtype=np.uint8)
    return _text(out)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values to format once each, and each row's index into them: a run's days and seconds are a short, dense
    range, so the whole range, indexed by offset; the distinct values where the range is sparse."""
    if not len(values):
        return values, values
    first = int(values.min())
    span = int(values.max()) - first + 1
    if span <= len(values) + 100_000:
        return first + np.arange(span, dtype=np.int64), values - first
    return np.unique(values, return_inverse=True)


def _put(out: np.ndarray, position: int, table: np.ndarray, index: np.ndarray) -> None:
    """out[:, position:position + width] = table[index] for an (k, width) byte table, each row copied whole."""
    width = table.shape[1]
    rows = np.ascontiguousarray(table).view(f"V{width}").ravel()
    field = np.dtype({"names": ["v"], "formats": [f"V{width}"], "offsets": [position], "itemsize": out.shape[1]})
    out.view(field)[:, 0]["v"] = np.take(rows, index)


def _dates(days: np.ndarray) -> np.ndarray:
    """`yyyy-mm-dd` of each day number as an (n, 10) byte array."""
    iso = np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype("S10")
    return np.frombuffer(iso.tobytes(), dtype=np.uint8).reshape(-1, 10)


def _seconds(seconds: np.ndarray, separator: str) -> np.ndarray:
    """`yyyy-mm-dd<separator>hh:mm:ss` of each second since 1970 as an (n, 19) byte array."""
    day, second = np.divmod(seconds, 86_400)
    out = np.empty((len(seconds), 19), dtype=np.uint8)
    days, index = _distinct(day)
    _put(out, 0, _dates(days), index)
    out[:, 10] = ord(separator)
    hours, second = np.divmod(second, 3600)
    minutes, second = np.divmod(second, 60)
    out[:, 13] = out[:, 16] = ord(":")
    for position, value in ((11, hours), (14, minutes), (17, second)):
        _put(out, position, _PAIRS, value)
    return out


def _text(rows: np.ndarray) -> pa.Array:
    """An (n, width) byte array of ASCII as one Arrow text array over the same bytes (no copy, no validation)."""
    rows = np.ascontiguousarray(rows)
    count, width = rows.shape
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int64)
    return pa.Array.from_buffers(TEXT, count, [None, pa.py_buffer(offsets), pa.py_buffer(rows)])
