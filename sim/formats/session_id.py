"""SMTP session ids as Exchange writes them: the .NET ticks of a moment, in 16 upper-case hexadecimal digits.

Why: the protocol log's session-id field and the message tracking log's SMTP source-context hold the same id,
so a session is found in both. A .NET tick is 100 ns counted from 0001-01-01 00:00 UTC (DateTime.Ticks); a
2008 session id reads 08CA..., a 2026 one 08DE....
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)
_TICKS_PER_SECOND = 10_000_000


def session_id(start: datetime, n: int) -> str:
    """The id of session `n` of a service that started at `start` (timezone-aware): its ticks plus n, 16 hex
    digits upper-case."""
    if start.tzinfo is None:
        raise ValueError("start must be a timezone-aware datetime (UTC)")
    delta = start.astimezone(timezone.utc) - _EPOCH
    ticks = (delta.days * 86_400 + delta.seconds) * _TICKS_PER_SECOND + delta.microseconds * 10
    return f"{ticks + n:016X}"


def session_start(session_id: str) -> datetime:
    """The UTC moment a session id's ticks name (to the microsecond; n added to the ticks shows as 100 ns each)."""
    ticks = int(session_id, 16)
    return _EPOCH + timedelta(microseconds=ticks // 10)
