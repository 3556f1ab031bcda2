"""Pydantic field types for quantities written with units in scenario files.

Each type validates text such as "30s" into a float in base units and still shows editors (through
the JSON Schema) that a string with a unit is expected.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from .units import parse_bandwidth, parse_duration, parse_rate, parse_size


def _schema(example: str, meaning: str, pattern: str) -> WithJsonSchema:
    text = {"type": "string", "pattern": pattern, "examples": [example]}
    return WithJsonSchema({"anyOf": [text, {"type": "number"}], "description": meaning})


def _any_case(word: str) -> str:
    """'kb' as '[kK][bB]': JSON Schema patterns (ECMA 262) have no case-insensitive flag."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


# The text each parser in sim.scenario.units accepts, as a JSON Schema pattern, so an editor flags
# "30 parsecs" as the loader would (tests/test_schema_patterns.py holds the two to the same language).
NUMBER = r"(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"
SIGNED = rf"\s*[-+]?{NUMBER}\s*"
DURATION_PATTERN = rf"^(?:{SIGNED}|\s*[-+]?\s*(?:\s*{NUMBER}\s*(?:ms|min|s|m|h|d)\s*)+)$"
SIZE_PATTERN = rf"^{SIGNED}(?:{'|'.join(_any_case(u) for u in ('kb', 'mb', 'gb', 'b'))})?\s*$"
BANDWIDTH_PATTERN = (rf"^(?:{SIGNED}(?:{'|'.join(_any_case(u) for u in ('kbps', 'mbps', 'gbps', 'bps'))})?\s*"
                     rf"|\s*{_any_case('unlimited')}\s*)$")  # fmt: skip
RATE_UNITS = ("second", "minute", "hour", "day", "sec", "min", "hr", "s", "m", "h", "d")
RATE_PATTERN = rf"^(?:{SIGNED}|{SIGNED}/\s*(?:{'|'.join(_any_case(u) for u in RATE_UNITS)})\s*)$"

Duration = Annotated[
    float, BeforeValidator(parse_duration), _schema("30s", "a duration: ms, s, m, h, d", DURATION_PATTERN)
]
Size = Annotated[
    float, BeforeValidator(parse_size), _schema("50KB", "a size in B, KB, MB or GB (1 KB = 1024 B)", SIZE_PATTERN)
]
Bandwidth = Annotated[
    float,
    BeforeValidator(parse_bandwidth),
    _schema("10Mbps", "bits per second: bps, kbps, Mbps, Gbps, or unlimited", BANDWIDTH_PATTERN),
]
Rate = Annotated[float, BeforeValidator(parse_rate), _schema("2/s", "events per s, min, h or day", RATE_PATTERN)]
