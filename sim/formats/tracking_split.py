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
    quote kept); None when a quoted field is not closed by the end of the line.

    How, fast: the stretches between quoted fields are split at their commas in one call each; only a quote
    that opens a field (at the start of the line or after a comma) is looked at, and its closing quote found."""
    if line[:1] == '"':
        at = 0  # where a field opening with a quote begins
    else:
        at = line.find(',"') + 1
        if not at:
            return line.split(",")
    fields: list[str] = []
    pos, length = 0, len(line)
    while True:
        if at >= pos:  # else the `,"` is inside a quoted field already read
            if at > pos:
                fields += line[pos : at - 1].split(",")  # the unquoted fields before it
            close = _closing(line, at)
            if close < 0:
                return None
            comma = line.find(",", close + 1)
            fields.append(line[at + 1 : close].replace('""', '"') + line[close + 1 : length if comma < 0 else comma])
            if comma < 0:
                return fields
            pos = comma + 1
        at = line.find(',"', max(at, pos - 1)) + 1
        if not at:
            return fields + line[pos:].split(",")


def _closing(line: str, opening: int) -> int:
    """Where the quoted field opening at `opening` closes: the first quote after it that is not one of a doubled
    pair; -1 when it is still open at the end of the line."""
    at = opening + 1
    while True:
        at = line.find('"', at)
        if at < 0:
            return -1
        if line.startswith('"', at + 1):
            at += 2
            continue
        return at


def starts_row(line: str) -> bool:
    """True when a line begins with a date-time (a new row) or `#` (a header line)."""
    return line[:1] == "#" or ROW_START.match(line) is not None
