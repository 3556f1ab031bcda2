"""SMTP session ids as Exchange writes them: 16 upper-case hexadecimal digits of a .NET DateTime's ticks.

A tick is 100 ns; .NET counts them from 0001-01-01 00:00 UTC, and the Unix epoch is tick 621355968000000000
(DateTime.UnixEpoch, learn.microsoft.com/dotnet/api/system.datetime.unixepoch). A real id decodes to a time:
08D675E58CA1DA38, in an Exchange 2010 Receive log whose session starts at 2019-01-25T00:03:58.478Z, decodes to
2019-01-09T03:50:08.688Z; 08D760DF231F00BC (a 2013 Send log, 2019-11-04T06:00:35Z) to 2019-11-04T04:26:17.942Z.
Each decodes to a time before its session: Exchange seeds a counter with the clock when the Transport service
starts and adds one a session (the 2019-01-09 id is the morning after that month's Patch Tuesday). A run numbers
each server's Receive sessions so, from its start (sim.formats.tracking_contents.session_contexts), and its Receive
protocol log takes the same ids, so a session is found in both logs. Decision for the Send side and `exsim smtpd`:
the session's own start plus `n` (sessions already started in that tick), which sorts and decodes as a real id.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_TICKS_AT_UNIX_EPOCH = 621355968000000000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LIMIT = 1 << 64


def ticks(moment: datetime) -> int:
    """The .NET ticks of `moment` (a naive datetime is taken as UTC)."""
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    delta = utc - _EPOCH
    return _TICKS_AT_UNIX_EPOCH + (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def session_id(start: datetime, n: int) -> str:
    """The id of a session that starts at `start`: 16 upper-case hex digits of its ticks plus `n` (the sessions
    already started in the same tick, so that each keeps its own id)."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    value = ticks(start) + n
    if not 0 <= value < _LIMIT:
        raise ValueError(f"{start.isoformat()} plus {n} ticks does not fit in 16 hexadecimal digits")
    return f"{value:016X}"


def session_start(session_id: str) -> datetime:
    """The UTC time a session id decodes to (to the microsecond; the id's last tenth of one is dropped)."""
    text = session_id.strip()
    if len(text) != 16 or any(c not in "0123456789ABCDEFabcdef" for c in text):
        raise ValueError(f"a session id is 16 hexadecimal digits, got {session_id!r}")
    value = int(text, 16) - _TICKS_AT_UNIX_EPOCH
    return _EPOCH + timedelta(microseconds=value // 10)
