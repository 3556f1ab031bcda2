"""Quantities with units: durations, sizes, bandwidths and rates, and the readable form of a duration."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario.units import format_duration, parse_bandwidth, parse_duration, parse_rate, parse_size


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("250ms", 0.25),
        ("30s", 30.0),
        ("5m", 300.0),
        ("5min", 300.0),
        ("2h", 7200.0),
        ("2h30m", 9000.0),
        ("2h 30m", 9000.0),
        ("1h1m1s", 3661.0),
        ("1.5d", 129600.0),
        ("1d12h", 129600.0),
        (".5s", 0.5),
        ("1e3ms", 1.0),
        ("  45s ", 45.0),
        ("90", 90.0),  # quoted bare number: seconds, like an unquoted one
        ("-5m", -300.0),  # the sign is read; the field's bound decides whether it is allowed
        (90, 90.0),
        (2.5, 2.5),
        (0, 0.0),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)
    assert isinstance(parse_duration(text), float)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "30 parsecs",
        "30x",
        "h",
        "1h30",
        "2h-30m",
        "-",
        "ms",
        "1e400s",
        True,
        False,
        None,
        [30],
        {"s": 30},
        float("inf"),
        float("nan"),
    ],
)
def test_parse_duration_rejects(bad):
    with pytest.raises(ValueError, match=r"^expected a (duration such as '30s'|finite quantity)"):
        parse_duration(bad)


def test_duration_error_names_the_units_and_the_input():
    with pytest.raises(ValueError) as caught:
        parse_duration("30 parsecs")
    assert str(caught.value) == (
        "expected a duration such as '30s', '5m' or '2h30m' (units ms, s, m, h, d), got '30 parsecs'"
    )


@pytest.mark.parametrize(
    "text, size",
    [
        ("50KB", 51200.0),
        ("50kb", 51200.0),
        ("50 KB", 51200.0),
        ("10MB", 10 * 1024**2),
        ("2GB", 2 * 1024**3),
        ("100B", 100.0),
        ("100", 100.0),
        (100, 100.0),
        ("1.5KB", 1536.0),
    ],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["", "50KiB", "50 K", "KB", "lots", True, None, "1e400KB", float("inf")])
def test_parse_size_rejects(bad):
    with pytest.raises(ValueError, match=r"^expected a (quantity such as '50KB' or '10MB'|finite quantity)"):
        parse_size(bad)


@pytest.mark.parametrize(
    "text, bps",
    [
        ("10Mbps", 1e7),
        ("10mbps", 1e7),
        ("64kbps", 64e3),
        ("1Gbps", 1e9),
        ("512bps", 512.0),
        ("512", 512.0),
        (1e6, 1e6),
        ("unlimited", float("inf")),
        ("Unlimited", float("inf")),
    ],
)
def test_parse_bandwidth(text, bps):
    assert parse_bandwidth(text) == bps


@pytest.mark.parametrize("bad", ["", "10MB", "10 Mbit/s", "fast", False, None])
def test_parse_bandwidth_rejects(bad):
    with pytest.raises(ValueError, match=r"^expected a quantity such as '10Mbps', '1Gbps' or 'unlimited'"):
        parse_bandwidth(bad)


@pytest.mark.parametrize(
    "text, per_second",
    [
        ("2/s", 2.0),
        ("2/sec", 2.0),
        ("120/min", 2.0),
        ("120/m", 2.0),
        ("7200/h", 2.0),
        ("7200/hour", 2.0),
        ("86400/day", 1.0),
        ("86400/d", 1.0),
        ("2 / s", 2.0),
        ("0.5/s", 0.5),
        ("2", 2.0),
        (3, 3.0),
        ("-2/s", -2.0),
    ],
)
def test_parse_rate(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("bad", ["", "2/fortnight", "/s", "2/", "two/s", "2//s", "inf/s", "nan", True, None])
def test_parse_rate_rejects(bad):
    with pytest.raises(ValueError, match=r"^expected a rate such as '2/s', '120/min' or '5000/h', got "):
        parse_rate(bad)


@pytest.mark.parametrize("parse", [parse_duration, parse_size, parse_bandwidth, parse_rate])
def test_bools_are_not_numbers(parse):
    # YAML reads `yes` as True; True must not quietly become 1 second, 1 byte or 1 per second.
    for value in (True, False):
        with pytest.raises(ValueError):
            parse(value)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0s"),
        (0.25, "250ms"),
        (0.0005, "0.5ms"),
        (1.5, "1.5s"),
        (59, "59s"),
        (60, "1m"),
        (90, "1m30s"),
        (3600, "1h"),
        (9000, "2h30m"),
        (3661, "1h1m1s"),
        (86400, "1d"),
        (129600, "1d12h"),
        (3.7, "3.7s"),
        (100 * 86400 + 3.7, "100d3.7s"),
        (0.1 + 0.2, "300ms"),
        (-90, "-1m30s"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-12, abs=1e-15)


def test_format_duration_of_non_finite_values_does_not_crash():
    assert format_duration(float("inf")) == "inf"
    assert format_duration(float("nan")) == "nan"


_READABLE = re.compile(r"^(\d+d)?(\d+h)?(\d+m)?(\d+(\.\d+)?s)?$|^\d+(\.\d+)?ms$")


@given(st.floats(min_value=0.001, max_value=100 * 86400.0, allow_nan=False, allow_infinity=False))
def test_format_duration_parses_back(seconds):
    text = format_duration(seconds)
    assert _READABLE.match(text), text
    assert math.isclose(parse_duration(text), seconds, rel_tol=1e-11), text


@given(st.integers(min_value=1, max_value=100 * 86400))
def test_format_duration_of_whole_seconds_is_exact(seconds):
    text = format_duration(seconds)
    assert parse_duration(text) == seconds
    assert "." not in text
