"""Pydantic field types for quantities written with units in scenario files.

Each type validates text such as "30s" into a float in base units and still shows editors (through
the JSON Schema) that a string with a unit is expected.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from .units import parse_bandwidth, parse_duration, parse_rate, parse_size


def _schema(example: str, meaning: str) -> WithJsonSchema:
    return WithJsonSchema(
        {"anyOf": [{"type": "string", "examples": [example]}, {"type": "number"}], "description": meaning}
    )


Duration = Annotated[float, BeforeValidator(parse_duration), _schema("30s", "a duration: ms, s, m, h, d")]
Size = Annotated[float, BeforeValidator(parse_size), _schema("50KB", "a size in B, KB, MB or GB (1 KB = 1024 B)")]
Bandwidth = Annotated[
    float, BeforeValidator(parse_bandwidth), _schema("10Mbps", "bits per second: bps, kbps, Mbps, Gbps, or unlimited")
]
Rate = Annotated[float, BeforeValidator(parse_rate), _schema("2/s", "events per s, min, h or day")]
