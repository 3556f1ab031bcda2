"""Splitting one tracking-log line that holds a quote into its fields, without ever raising.

Why not the csv module: a real log may hold a stray `"` inside an unquoted field (a subject such as `5" disk`
written by a damaged or hand-edited file); `csv.reader` then reads on through the next rows looking for the
closing quote, or raises `_csv.Error`. Exchange itself quotes a field only when it holds a comma or a quote,
doubling the quotes inside (RFC 4180, which the log follows: Microsoft, "Message tracking" for Exchange 2007,
bb124375, and "Message tracking logs", Exchange 2013/2016): so a quote opens a quoted field only as the first
character of a field. Any other quote is kept as a character of its field and concerns its own row only.

`split_quoted(line)` returns the fields, or None when a quoted field is still open at the end of the line (it
may go on over a line break: the reader joins the next line, unless that line starts a new row).
"""

from __future__ import annotations

import re

ROW_START = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:")
"""A line that begins with a date-time begins a row of its own: never the rest of a quoted field."""


def split_quoted(line: str) -> list[str] | None:
    """The fields of a line (quotes opening a field are removed, doubled quotes inside undoubled, any other
    quote kept); None when a quoted field is not closed by the end of the line."""
    fields: list[str] = []
    at, end = 0, len(line)
    while True:
        if at < end and line[at] == '"':
            parts: list[str] = []
            start = at + 1
            while True:
                close = line.find('"', start)
                if close < 0:
                    return None
                parts.append(line[start:close])
                if line.startswith('"', close + 1):  # a doubled quote inside the field
                    parts.append('"')
                    start = close + 2
                    continue
                break
            comma = line.find(",", close + 1)
            stop = end if comma < 0 else comma
            parts.append(line[close + 1 : stop])  # anything after the closing quote stays with the field
            fields.append("".join(parts))
        else:
            comma = line.find(",", at)
            stop = end if comma < 0 else comma
            fields.append(line[at:stop])
        if stop >= end:
            return fields
        at = stop + 1


def starts_row(line: str) -> bool:
    """True when a line begins with a date-time (a new row) or `#` (a header line)."""
    return line[:1] == "#" or ROW_START.match(line) is not None
