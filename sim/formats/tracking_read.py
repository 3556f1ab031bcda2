"""Message tracking logs read as a stream: from any number of files, in constant memory.

Why: `read_logs` builds one DataFrame, and 30 days of tracking logs of a large organisation do not fit in
memory; `exsim calibrate` folds the rows into counters as it goes. This reader holds one batch of rows at a
time (`RowReader.rows` one row, `RowReader.batches` a few thousand rows as columns of the fields asked for).

What it reads (DOMAIN.md 8): files named `MSGTRK*.LOG` (MSGTRK on Hub and Edge, MSGTRKM on Mailbox servers,
and the later MSGTRKMA/MD/MS) anywhere under the folders given. Each file's `#Fields:` line decides its
columns, so the Exchange 2007 field set (21 fields) and the later ones (E2010 appends directionality,
tenant-id, original-client-ip, original-server-ip, custom-data) both read, and fields it does not know are
kept in the row and ignored by the caller. Header lines may come again anywhere (Exchange writes them again
when the service restarts); a new `#Fields:` line re-maps the columns from there on. UTF-8 with or without a
byte-order mark, CRLF, LF and CR line ends in any mix, quoted fields holding commas, doubled quotes or line
breaks.

Bad input: a file that is another kind of log (an SMTP protocol log, an Exchange 2003 tracking log, another
product's log) raises `NotATrackingLog` with one line naming the file: nothing read from it could be
trusted. A malformed line (wrong number of fields, a date-time or count that does not parse, NUL bytes, an
unterminated quote) and an empty file are recorded as a `Problem` (file and line number) and skipped, or
raise `MalformedLine` when `strict`. A problem never quotes the line: it may hold addresses and subjects.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path

TRACKING_LOG_TYPE = "Message Tracking Log"
NAME = re.compile(r"^MSGTRK([A-Z]*?)(\d{8})-(\d+)\.LOG$", re.IGNORECASE)
"""`MSGTRK` + role letters (M, MA, MD, MS or none) + `yyyymmdd` + `-` + sequence number + `.LOG`."""
WRAPPER_FOLDERS = frozenset({"messagetracking"})
"""Folder names that are not a server's name: `SERVER/MessageTracking/MSGTRK...` belongs to SERVER."""
MAX_JOINED_LINES = 20
"""A quoted field may hold line breaks; a quote still open after this many lines is a broken line."""


class NotATrackingLog(ValueError):
    """A file or folder that holds no Exchange message tracking log: one line, naming it and the fix."""


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


@dataclass(frozen=True, order=True)
class LogFile:
    """One tracking log file and the server whose log it is (the name of the folder that holds it)."""

    server: str
    prefix: str  # "MSGTRK", "MSGTRKM", ...: files of one prefix on one server follow each other in time
    day: str  # yyyymmdd from the file name ("" when the name does not follow Exchange's pattern)
    sequence: int
    path: Path


def server_of(path: Path) -> str:
    """The server a log file belongs to: the name of its folder, skipping a `MessageTracking` folder.

    Decision: Exchange names every server's files alike (MSGTRK20260105-1.LOG), so logs collected from
    several servers must be kept one folder per server, as `exsim run --out` writes them.
    """
    folder = path.parent
    while folder.name.lower() in WRAPPER_FOLDERS and folder.parent != folder:
        folder = folder.parent
    return folder.name


def log_file(path: Path) -> LogFile:
    """A LogFile from its path (prefix, day and sequence from the name when it follows Exchange's pattern)."""
    match = NAME.match(path.name)
    if match is None:
        return LogFile(server_of(path), "MSGTRK", "", 0, path)
    letters, day, sequence = match.groups()
    return LogFile(server_of(path), f"MSGTRK{letters.upper()}", day, int(sequence), path)


def is_tracking_name(path: Path) -> bool:
    """True for names Exchange gives tracking logs: MSGTRK*.LOG in any case."""
    name = path.name.upper()
    return name.startswith("MSGTRK") and name.endswith(".LOG")


def find_logs(roots: Iterable[str | Path]) -> list[LogFile]:
    """Every tracking log file under the folders (or files) given, sorted by server, prefix, day and sequence.

    Raises NotATrackingLog for a path that does not exist, and when there is no MSGTRK*.LOG at all (saying
    what was found instead, e.g. SMTP protocol logs)."""
    paths: list[Path] = []
    for root in map(Path, roots):
        if not root.exists():
            raise NotATrackingLog(f"{root}: no such file or folder; give the folder of the MSGTRK*.LOG files")
        paths += [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    logs = sorted(log_file(p) for p in paths if is_tracking_name(p))
    if not logs:
        where = ", ".join(str(r) for r in roots)
        raise NotATrackingLog(f"{where}: no message tracking logs (MSGTRK*.LOG){_found_instead(paths)}")
    return logs


def _found_instead(paths: list[Path]) -> str:
    kinds: dict[str, int] = {}
    for path in paths[:2000]:
        kind = sniff(path)
        if kind:
            kinds[kind] = kinds.get(kind, 0) + 1
    if not kinds:
        return "; give the MessageTracking folder of each server (TransportRoles\\Logs\\MessageTracking)"
    found = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(kinds.items()))
    return f"; found {found} instead: give the MessageTracking folder of each server"


def sniff(path: Path) -> str:
    """What kind of log a file's first lines say it is ("" when they say nothing we know)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            head = [fh.readline(400) for _ in range(6)]
    except OSError:
        return ""
    text = "".join(head)
    log_type = re.search(r"^#Log-type:\s*(.+?)\s*$", text, re.M)
    if log_type:
        return log_type.group(1)
    if "Message Tracking Log File" in text:
        return "Exchange 2000/2003 message tracking log"
    return ""


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
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    if len(text) == 24 and text[23] == "Z":
        if len(_MINUTES) > 200_000:
            _MINUTES.clear()
        _MINUTES[text[:16]] = stamp.replace(second=0, microsecond=0).timestamp()
    return stamp.timestamp()


class Columns:
    """Where each field is in a row of one file, from its `#Fields:` line (`index[name]`)."""

    __slots__ = ("names", "index", "count", "integers")

    def __init__(self, names: list[str], integers: Iterable[str] = ()) -> None:
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}
        self.count = len(names)
        self.integers = tuple((name, self.index[name]) for name in integers if name in self.index)


class RowReader:
    """Reads tracking log files and keeps the count of lines, rows and problems.

    `rows(log, tag)` yields each good row, `batches(log, fields)` the good rows as columns. `required` names
    the fields a file must have (date-time and event-id always); `integers` the fields that must be whole
    numbers or empty.
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
        return Columns(names, self.integers)

    def rows(self, log: LogFile, tag: object = None) -> Iterator[tuple[float, list[str], Columns, object]]:
        """The good rows of one file, in file order, each as (time, fields, columns, tag): time in seconds
        since the epoch (UTC), fields as text, `tag` as given. Problems are recorded (or raised when strict)."""
        for times, rows, columns in self._batches(log, None, 1024):
            for time, fields in zip(times, rows):
                yield time, fields, columns, tag

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
        """(times, rows, columns) of the good rows of one file, `size` at a time, a new batch where a new
        #Fields: line begins; a row is all its fields, or a tuple of the `fields` named. Problems are
        recorded on the way. One loop for both, with no call per line on the common path."""
        path = log.path
        state = _FileState(path)
        columns: Columns | None = None
        count = when = event = -1
        pick = None
        integers: tuple = ()
        times: list[float] = []
        rows: list = []
        minutes = _MINUTES
        number = 0
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for line in fh:
                number += 1
                if columns is not None and line[0] not in _SPECIAL and '"' not in line and "\x00" not in line:
                    row = line.rstrip("\r\n").split(",")  # the common line: no quotes, no header
                    first = number
                else:
                    state.number = number
                    row = self._special(line, fh, state)
                    number = state.number  # a quoted field may have taken more lines
                    if state.header_changed and columns is not None:
                        if rows:
                            self.rows_read += len(rows)
                            yield times, rows, columns
                            times, rows = [], []
                        columns = None
                    if row is None:
                        continue
                    first = state.first
                    if columns is None:
                        columns = self._columns(path, state.header)
                        count, when, event = columns.count, columns.index["date-time"], columns.index["event-id"]
                        integers = columns.integers
                        at = [columns.index[name] for name in fields] if fields is not None else []
                        pick = itemgetter(*at) if len(at) > 1 else None
                        state.header_changed = False
                if len(row) != count:
                    if len(row) > 1 or row[0].strip():
                        self.problem(path, first, f"{len(row)} fields where the #Fields: line names {count}")
                    continue
                stamp = row[when]
                base = minutes.get(stamp[:16])
                if base is not None and len(stamp) == 24 and stamp[23] == "Z" and stamp[19] == ".":
                    try:
                        time = base + float(stamp[17:23])
                    except ValueError:
                        time = -1.0
                    if not 0.0 <= time - base < 60.0:
                        time = self._time(path, first, stamp)
                else:
                    time = self._time(path, first, stamp)
                if time is None:
                    continue
                if not row[event]:
                    self.problem(path, first, "event-id is empty (it is never blank in a tracking log)")
                    continue
                for name, at_int in integers:
                    value = row[at_int]
                    if value and not value.isdecimal():
                        self.problem(path, first, f"{name} is not a whole number")
                        break
                else:
                    times.append(time)
                    rows.append(row if fields is None else pick(row) if pick else (row[at[0]],))
                    if len(rows) >= size:
                        self.rows_read += len(rows)
                        yield times, rows, columns
                        times, rows = [], []
        self.lines += number
        self.rows_read += len(rows)
        if rows:
            yield times, rows, columns
        if not state.seen_anything and not state.number_of_data:
            self.problem(path, 0, "empty file (no header and no rows)")

    def _time(self, path: Path, line: int, text: str) -> float | None:
        """parse_time, or None with the problem recorded."""
        try:
            return parse_time(text)
        except (ValueError, OverflowError):
            self.problem(path, line, "date-time is not a date and time such as 2026-01-05T08:00:00.000Z")
            return None

    def _special(self, line: str, fh, state: _FileState) -> list[str] | None:
        """A line off the fast path: a header line (None), a blank line (None), a byte-order mark, a quoted
        field (perhaps running over line breaks), NUL bytes. Returns the row's fields, or None to skip."""
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
        if line.count('"') % 2:
            joined = 0
            while line.count('"') % 2 and joined < MAX_JOINED_LINES:
                more = fh.readline()
                if not more:
                    break
                state.number += 1
                joined += 1
                line += "\n" + more.rstrip("\r\n")
            if line.count('"') % 2:
                self.problem(state.path, state.first, "a quoted field is never closed")
                return None
        if "\x00" in line:
            self.problem(state.path, state.first, "NUL bytes in the line (a damaged or partly written file)")
            return None
        if "#Fields" not in state.header and "#Log-type" not in state.header:
            state.header_changed = True  # data before any header: _columns says what is wrong
        return next(csv.reader([line])) if '"' in line else line.split(",")


_SPECIAL = frozenset({"#", "\ufeff", "\r", "\n", ""})
"""First characters that take a line off the fast path (a header, a byte-order mark, a blank line)."""


class _FileState:
    """Where reading one file is: line number, header lines so far, whether anything was in it."""

    __slots__ = ("path", "number", "first", "header", "header_changed", "seen_anything", "number_of_data")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.number = 0
        self.first = 0
        self.header: dict[str, str] = {}
        self.header_changed = False
        self.seen_anything = False
        self.number_of_data = 0
