"""The one reader of message tracking logs: rows streamed from any number of files, in constant memory.

Why streaming: 30 days of tracking logs of a large organisation do not fit in memory; `exsim calibrate` folds
the rows into counters as it goes, and `sim.formats.tracking_frame.read_logs` gathers them into a DataFrame
when a folder is small enough. Either way the rows come through here, so both read the same logs the same way.
The reader holds one batch at a time: `RowReader.rows` one row, `RowReader.blocks` a few thousand rows with
every field, `RowReader.batches` a few thousand rows as columns of the fields asked for.

What it reads (DOMAIN.md 8): the files sim.formats.tracking_find finds. Each file's `#Fields:` line decides its
columns, by name, never by position: the field lists of Exchange 2007, 2010, 2013 and 2016 (declared with their
sources in sim.formats.tracking_versions) all read, and a folder may mix them; fields it does not know are kept
in the row and ignored by the caller (`layouts` keeps each file's list, for the caller to report). Header lines may come again anywhere (Exchange writes them again
when the service restarts); a new `#Fields:` line re-maps the columns from there on. UTF-8 with or without a
byte-order mark, CRLF, LF and CR line ends in any mix, quoted fields holding commas, doubled quotes or line
breaks (sim.formats.tracking_split: a quote opens a field only at its start; a stray quote anywhere else is a
character of its field and concerns its own row only; a line that begins with a date-time is never taken as the
rest of a quoted field).

How, in three steps a line goes through: `_records` splits the file into rows (the common line by one split;
header, blank, quoted and broken lines by `_special`) and hands them on in chunks, `_check` checks a chunk's rows
and reads their date-times in one loop, and `_batches` gathers the good rows into batches, picking the fields
asked for. Per line only the split, the date-time (minute starts cached) and the checks cost Python time.

Bad input: a file that is another kind of log (an SMTP protocol log, an Exchange 2003 tracking log, another
product's log) raises `NotATrackingLog` with one line naming the file: nothing read from it could be
trusted. A malformed line (wrong number of fields, a date-time that does not parse or falls outside 2000-2099,
a count that is not a whole number of at most 18 digits, NUL bytes, an unterminated quote) and an empty file are recorded as a `Problem` (file and line number) and skipped, or
raise `MalformedLine` when `strict`. A problem never quotes the line: it may hold addresses and subjects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path

from .tracking_find import TRACKING_LOG_TYPE, LogFile, NotATrackingLog
from .tracking_split import split_quoted, starts_row

MAX_JOINED_LINES = 20
"""A quoted field may hold line breaks; a quote still open after this many lines is a broken line."""


class MalformedLine(ValueError):
    """A malformed line or empty file met in strict mode: one line naming the file and line number."""


@dataclass(frozen=True)
class Problem:
    """A line (or a whole file, line 0) that was skipped, and why."""

    path: Path
    line: int
    reason: str

    def render(self, label: str | None = None) -> str:
        """`file, line N: reason` (the whole file when line is 0)."""
        where = label or str(self.path)
        return f"{where}: {self.reason}" if self.line == 0 else f"{where}, line {self.line}: {self.reason}"


FIRST_YEAR, LAST_YEAR = 2000, 2099
"""Years a date-time may have: message tracking logs begin with Exchange 2007 (2006); a year outside is a damaged
field, and would have calibrate count the hours of centuries."""
LARGEST_DIGITS = 18
"""A whole number has at most 18 digits (it must fit a 64-bit integer: total-bytes, recipient-count)."""

_MINUTES: dict[str, float] = {}
"""Seconds since the epoch of each `yyyy-mm-ddThh:mm` met: a day's log has at most 1,440."""


def parse_time(text: str) -> float:
    """Seconds since the epoch (UTC) of a tracking log date-time, `yyyy-mm-ddThh:mm:ss.fffZ`; ValueError if
    it does not parse. Other ISO 8601 forms (more or fewer decimals, an offset) are accepted too; a time
    without a zone is UTC, as the field is defined."""
    base = _MINUTES.get(text[:16])
    if base is not None and len(text) == 24 and text[23] == "Z" and text[19] == ".":
        second = float(text[17:23])  # the cached minute vouches for the first 16 characters
        if 0.0 <= second < 60.0:
            return base + second
    if len(text) < 16 or text[10] not in "Tt ":
        raise ValueError("not a date-time")
    stamp = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
    if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        raise ValueError("a year no Exchange tracking log holds")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    if len(text) == 24 and text[23] == "Z":
        if len(_MINUTES) > 200_000:
            _MINUTES.clear()
        _MINUTES[text[:16]] = stamp.replace(second=0, microsecond=0).timestamp()
    return stamp.timestamp()


class Columns:
    """Where each field is in a row of one file, from its `#Fields:` line (`index[name]`), and what `RowReader._check`
    reads of every row: the count of fields, where date-time and event-id are, the fields that must be whole
    numbers."""

    __slots__ = ("path", "names", "index", "count", "integers", "when", "event")

    def __init__(self, names: list[str], integers: Iterable[str] = (), path: Path | None = None) -> None:
        self.path = path
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        self.count = len(names)
        self.integers = tuple((name, self.index[name]) for name in integers if name in self.index)
        self.when, self.event = self.index.get("date-time", -1), self.index.get("event-id", -1)


class RowReader:
    """Reads tracking log files and keeps the count of lines, rows and problems.

    `rows(log, tag)` yields each good row, `blocks(log)` the good rows with every field, `batches(log, fields)`
    the good rows as columns. `required` names the fields a file must have (date-time and event-id always);
    `integers` the fields that must be whole numbers or empty.
    """

    def __init__(self, required: Iterable[str] = (), integers: Iterable[str] = ("total-bytes", "recipient-count"),
                 strict: bool = False) -> None:  # fmt: skip
        self.required = ("date-time", "event-id", *[r for r in required if r not in ("date-time", "event-id")])
        self.integers = tuple(integers)
        self.strict = strict
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.lines = 0
        self.rows_read = 0
        self.layouts: dict[Path, list[str]] = {}  # each file's first #Fields: line, by name (tracking_versions)

    def problem(self, path: Path, line: int, reason: str) -> None:
        """Record a skipped line (raise MalformedLine in strict mode); keep the first 1,000 named."""
        found = Problem(path, line, reason)
        if self.strict:
            raise MalformedLine(found.render() + " (--strict stops at the first malformed line)")
        self.problem_count += 1
        if len(self.problems) < 1000:
            self.problems.append(found)

    def _columns(self, path: Path, header: dict[str, str]) -> Columns:
        log_type = header.get("#Log-type")
        if log_type is not None and log_type != TRACKING_LOG_TYPE:
            raise NotATrackingLog(
                f"{path}: this is a {log_type}, not a {TRACKING_LOG_TYPE}; give the MessageTracking folder "
                "(TransportRoles\\Logs\\MessageTracking), not the protocol or agent logs"
            )
        if "#Fields" not in header:
            raise NotATrackingLog(
                f"{path}: no #Fields: header line before the first row: not an Exchange 2007 or later message "
                "tracking log (those begin with #Software, #Version, #Log-type, #Date and #Fields lines)"
            )
        names = [name.strip() for name in header["#Fields"].split(",")]
        missing = [name for name in self.required if name not in names]
        if missing:
            raise NotATrackingLog(
                f"{path}: its #Fields: line has no {', '.join(missing)}: not an Exchange 2007 or later "
                "message tracking log"
            )
        self.layouts.setdefault(path, names)
        return Columns(names, self.integers, path)

    def rows(self, log: LogFile, tag: object = None) -> Iterator[tuple[float, list[str], Columns, object]]:
        """The good rows of one file, in file order, each as (time, fields, columns, tag): time in seconds
        since the epoch (UTC), fields as text, `tag` as given. Problems are recorded (or raised when strict)."""
        for times, rows, columns in self._batches(log, None, 1024):
            for time, fields in zip(times, rows):
                yield time, fields, columns, tag

    def blocks(self, log: LogFile, size: int = 4096) -> Iterator[tuple[list[float], list[list[str]], Columns]]:
        """The good rows of one file, in file order, up to `size` at a time: (times, rows, columns), each row
        every field as text, as `columns` (the #Fields: line in force) names them; a new block where a new
        #Fields: line begins. What `read_logs` builds its table from."""
        return self._batches(log, None, size)

    def batches(self, log: LogFile, fields: Sequence[str], size: int = 4096) -> Iterator[tuple[list[float], dict]]:
        """The good rows of one file as columns, in batches of up to `size` rows: (times, {field: values}),
        for the fields named (each must be in the file's #Fields: line; list them in `required`).

        Why columns: a batch of lists (one per row) costs the garbage collector dearly while it waits to
        be used, a list of strings per field costs it nothing; and the caller works column by column."""
        out: dict[str, list[str]] = {name: [] for name in fields}
        times: list[float] = []
        for part_times, picked, _columns in self._batches(log, fields, 256):
            times += part_times
            for values, column in zip(zip(*picked), out.values()):
                column.extend(values)
            if len(times) >= size:
                yield times, out
                out, times = {name: [] for name in fields}, []
        if times:
            yield times, out

    def _batches(self, log: LogFile, fields: Sequence[str] | None, size: int):
        """(times, rows, columns) of the good rows of one file, up to `size` at a time, a new batch where a new
        #Fields: line begins; a row is all its fields, or a tuple of the `fields` named. The lines come in chunks
        from `_records`, are checked by `_check` and picked as each batch is handed over."""
        times: list[float] = []
        rows: list = []
        columns: Columns | None = None
        pick: Callable | None = None
        for chunk, lines, mapped in self._records(log, min(size, 256)):
            if mapped is not columns:  # the first rows, or the first under a new #Fields: line
                if rows:
                    self.rows_read += len(rows)
                    yield times, _picked(rows, pick), columns
                    times, rows = [], []
                columns, pick = mapped, _picker(mapped, fields)
            self._check(chunk, lines, mapped, times, rows)
            while len(rows) >= size:
                self.rows_read += size
                yield times[:size], _picked(rows[:size], pick), columns
                times, rows = times[size:], rows[size:]
        self.rows_read += len(rows)
        if rows:
            yield times, _picked(rows, pick), columns

    def _records(self, log: LogFile, size: int) -> Iterator[tuple[list[list[str]], list[int], Columns]]:
        """The data lines of one file in file order, up to `size` at a time: (rows of fields, their line numbers,
        the columns of the #Fields: line in force). The common line (no quote, no header) is split at once;
        header, blank, quoted and broken lines go through `_special`, each after the chunk before it is handed
        over (so a new #Fields: line starts a new chunk, and problems are recorded in line order). An empty file
        is recorded as a problem at the end."""
        path = log.path
        state = _FileState(path)
        columns: Columns | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        number = 0
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for line in fh:
                number += 1
                if columns is not None and line[0] not in _SPECIAL and '"' not in line and "\x00" not in line:
                    rows.append(line.rstrip("\r\n").split(","))  # the common line
                    lines.append(number)
                else:
                    if rows:  # the rows before are checked first, so problems are recorded in line order
                        yield rows, lines, columns
                        rows, lines = [], []
                    state.number = number
                    while line is not None:
                        row = self._special(line, fh, state)
                        line, state.carry = state.carry, None  # a line read ahead is a row of its own
                        if state.header_changed:  # a new #Fields: (or #Log-type:) line: a new mapping from here
                            columns = None
                        if row is None:
                            continue
                        if columns is None:
                            columns = self._columns(path, state.header)
                            state.header_changed = False
                        rows.append(row)
                        lines.append(state.first)
                    number = state.number  # a quoted field may have taken more lines
                if len(rows) >= size:
                    yield rows, lines, columns
                    rows, lines = [], []
        self.lines += number
        if rows:
            yield rows, lines, columns
        if not state.seen_anything and not state.number_of_data:
            self.problem(path, 0, "empty file (no header and no rows)")

    def _check(self, chunk: list[list[str]], lines: list[int], columns: Columns, times: list[float],
               good: list[list[str]]) -> None:  # fmt: skip
        """Append to `times` and `good` each row of `chunk` that passes every check, with its time; record the
        problem of each other: as many fields as the #Fields: line names (a blank line is skipped quietly), a
        date-time, an event-id, whole numbers where they are asked for. The date-time of a minute met before is
        read without parsing it again. One loop over the chunk, with no call per row on the common path."""
        count, when, event, integers, path = columns.count, columns.when, columns.event, columns.integers, columns.path
        minute = _MINUTES.get
        for row, line in zip(chunk, lines):
            if len(row) != count:
                if len(row) > 1 or row[0].strip():
                    self.problem(path, line, f"{len(row)} fields where the #Fields: line names {count}")
                continue
            stamp = row[when]
            base = minute(stamp[:16])
            if base is not None and len(stamp) == 24 and stamp[23] == "Z" and stamp[19] == ".":
                try:
                    time = base + float(stamp[17:23])
                except ValueError:
                    time = -1.0
                if not 0.0 <= time - base < 60.0:
                    time = self._time(path, line, stamp)
            else:
                time = self._time(path, line, stamp)
            if time is None:
                continue
            if not row[event]:
                self.problem(path, line, "event-id is empty (it is never blank in a tracking log)")
                continue
            for name, at in integers:
                value = row[at]
                if value and not (value.isdecimal() and value.isascii() and len(value) <= LARGEST_DIGITS):
                    self.problem(path, line, f"{name} is not a whole number")
                    break
            else:
                times.append(time)
                good.append(row)

    def _time(self, path: Path, line: int, text: str) -> float | None:
        """parse_time, or None with the problem recorded."""
        try:
            return parse_time(text)
        except (ValueError, OverflowError):
            self.problem(path, line, "date-time is not a date and time such as 2026-01-05T08:00:00.000Z")
            return None

    def _special(self, line: str, fh, state: _FileState) -> list[str] | None:
        """A line off the fast path: a header line (None), a blank line (None), a byte-order mark, a quoted
        field (perhaps running over line breaks), NUL bytes. Returns the row's fields, or None to skip.

        A quoted field still open at the end of the line takes the next lines, up to MAX_JOINED_LINES, but never
        one that begins a row or a header line (sim.formats.tracking_split.starts_row): that line is left in
        `state.carry` for the caller, and the open row alone is the problem."""
        if line[:1] == "\ufeff":  # files joined end to end keep each one's byte-order mark
            line = line[1:]
        line = line.rstrip("\r\n")
        if not line.strip():
            return None
        state.seen_anything = True
        if line[0] == "#":
            key, sep, value = line.partition(":")
            if sep:
                state.header[key.strip()] = value.strip()
                state.header_changed = state.header_changed or key.strip() in ("#Fields", "#Log-type")
            return None
        state.number_of_data += 1
        state.first = state.number
        row = split_quoted(line) if '"' in line else line.split(",")
        joined = 0
        while row is None:
            more = fh.readline() if joined < MAX_JOINED_LINES else ""
            if more:
                state.number += 1
                if starts_row(more.lstrip("\ufeff")):
                    state.carry = more
                    more = ""
            if not more:
                self.problem(state.path, state.first, "a quoted field is never closed")
                return None
            joined += 1
            line += "\n" + more.rstrip("\r\n")
            row = split_quoted(line)
        if "\x00" in line:
            self.problem(state.path, state.first, "NUL bytes in the line (a damaged or partly written file)")
            return None
        if "#Fields" not in state.header and "#Log-type" not in state.header:
            state.header_changed = True  # data before any header: _columns says what is wrong
        return row


_SPECIAL = frozenset({"#", "\ufeff", "\r", "\n", ""})
"""First characters that take a line off the fast path (a header, a byte-order mark, a blank line)."""


class _FileState:
    """Where reading one file is: line number, header lines so far, whether anything was in it."""

    __slots__ = ("path", "number", "first", "header", "header_changed", "seen_anything", "number_of_data", "carry")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.number = 0
        self.first = 0
        self.header: dict[str, str] = {}
        self.header_changed = False
        self.seen_anything = False
        self.number_of_data = 0
        self.carry: str | None = None  # a line read ahead that begins a row of its own


def _picked(rows: list[list[str]], pick: Callable | None) -> list:
    """The rows as they are (no `pick`), or the fields `pick` takes out of each."""
    return rows if pick is None else list(map(pick, rows))


def _picker(columns: Columns, fields: Sequence[str] | None) -> Callable | None:
    """What takes the `fields` named out of a row, as a tuple (None: the whole row is kept)."""
    if fields is None:
        return None
    at = [columns.index[name] for name in fields]
    if len(at) == 1:
        only = at[0]
        return lambda row: (row[only],)
    return itemgetter(*at)
