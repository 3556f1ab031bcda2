"""Hours of the day and days of the week in the organisation's own time zone, for the diurnal curve.

Tracking logs are in UTC (DOMAIN.md 8); users work by their local clock, so a Seattle organisation's
business day sits at 16:00-01:00 UTC. `LocalClock` maps a UTC time to (weekday, hour) in one zone, daylight
saving time included, caching one answer per UTC hour. `exposure` says how many seconds of each (weekday,
hour) a time window holds, so counts become rates without assuming whole days were observed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HOUR = 3600.0
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class LocalClock:
    """UTC seconds to local (weekday, hour) buckets 0..167 (Monday 00:00 is 0) in one time zone."""

    def __init__(self, zone: str = "UTC") -> None:
        try:
            self.zone = timezone.utc if zone.upper() == "UTC" else ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}; give an IANA name such as Europe/London or UTC") from None
        self.name = "UTC" if self.zone is timezone.utc else zone
        self._offsets: dict[int, int] = {}
        self._buckets: dict[int, int] = {}  # UTC hour -> bucket, for zones whose offset is whole hours

    def offset(self, t: float) -> int:
        """The zone's offset from UTC, in seconds, at UTC time t (constant within a UTC hour)."""
        key = int(t // HOUR)
        known = self._offsets.get(key)
        if known is None:
            stamp = datetime.fromtimestamp(key * HOUR, timezone.utc).astimezone(self.zone)
            known = self._offsets[key] = int(stamp.utcoffset().total_seconds())
        return known

    def bucket(self, t: float) -> int:
        """Weekday x 24 + hour of the local clock at UTC time t."""
        hour = int(t // HOUR)
        known = self._buckets.get(hour)
        if known is not None:
            return known
        offset = self.offset(t)
        local = int((t + offset) // HOUR)
        bucket = ((local // 24 + 3) % 7) * 24 + local % 24  # 1970-01-01 was a Thursday (weekday 3)
        if offset % 3600 == 0:
            self._buckets[hour] = bucket
        return bucket

    def local(self, t: float) -> datetime:
        """The local date and time at UTC time t (a naive datetime on the local clock)."""
        return datetime.fromtimestamp(t, timezone.utc).replace(tzinfo=None) + timedelta(seconds=self.offset(t))

    def exposure(self, start: float, end: float) -> list[float]:
        """Seconds of each of the 168 (weekday, hour) buckets between UTC times start and end."""
        seconds = [0.0] * 168
        t = start
        while t < end:
            off = self.offset(t)
            local_hour_end = ((t + off) // HOUR + 1) * HOUR - off  # zones such as +05:30 split UTC hours
            step = min((t // HOUR + 1) * HOUR, local_hour_end, end) - t
            seconds[self.bucket(t)] += step
            t += step
        return seconds
