"""Performance Monitor logs as CSV (PDH-CSV 4.0): the file `relog -f csv` writes and Performance Monitor, PAL and
spreadsheet tools open.

The layout, as relog writes it (Microsoft, "relog", Windows Server docs; the PDH CSV header is the one PDH writes
for `-f csv` logs): every field in double quotes, CRLF line ends; the first row's first field names the format
and the time zone the timestamps are in, with the zone's bias in minutes (UTC minus local time; positive west of
Greenwich), e.g. `(PDH-CSV 4.0) (Coordinated Universal Time)(0)`; every other header field is a counter path
`\\\\MACHINE\\Object(Instance)\\Counter` (the instance part only for objects that have instances); each row starts
with the sample's local time as `MM/dd/yyyy HH:mm:ss.fff`, then one value per counter, a single space where the
counter had no value at that sample.

Read and written here, with no knowledge of which counters Exchange has (sim.results.counters names those).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import TEXT
from .csvtext import data_bytes, float_text, join_rows

FORMAT = "PDH-CSV 4.0"
TIME_FORMAT = "%m/%d/%Y %H:%M:%S.%f"
MISSING = " "
"""What relog writes where a counter had no value at a sample."""

_HEADER = re.compile(r"^\((?P<format>PDH-CSV [0-9.]+)\) \((?P<zone>[^)]*)\)\((?P<bias>-?\d+)\)$")
_PATH = re.compile(r"^\\\\(?P<machine>[^\\]+)\\(?P<object>[^\\(]+)(?:\((?P<instance>.*)\))?\\(?P<counter>[^\\]+)$")


class NotAPerfmonLog(ValueError):
    """A file that is not a PDH-CSV log, or a row that does not read; the message names the file and line."""


@dataclass(frozen=True)
class CounterPath:
    """One counter's full path, split as Performance Monitor shows it."""

    machine: str
    object: str
    instance: str | None
    counter: str

    @property
    def text(self) -> str:
        """The path as the CSV header writes it: `\\\\MACHINE\\Object(Instance)\\Counter`."""
        instance = f"({self.instance})" if self.instance is not None else ""
        return f"\\\\{self.machine}\\{self.object}{instance}\\{self.counter}"

    @classmethod
    def parse(cls, text: str) -> CounterPath:
        """A path from its header text (ValueError when it is not `\\\\MACHINE\\Object[(Instance)]\\Counter`)."""
        match = _PATH.match(text)
        if match is None:
            raise ValueError(f"not a counter path: {text!r} (expected \\\\MACHINE\\Object(Instance)\\Counter)")
        return cls(match["machine"], match["object"], match["instance"], match["counter"])


@dataclass
class PerfmonLog:
    """A counter log: sample times (local to `zone`) and one column of floats per counter (NaN where missing)."""

    times: list[datetime]
    columns: dict[CounterPath, list[float]]
    zone: str = "Coordinated Universal Time"
    bias_minutes: int = 0

    def utc_times(self) -> list[datetime]:
        """The sample times in UTC (local time plus the bias)."""
        shift = timedelta(minutes=self.bias_minutes)
        return [t + shift for t in self.times]

    def find(self, *, object: str, counter: str, instance: str | None = None, machine: str | None = None,
             ) -> dict[CounterPath, list[float]]:  # fmt: skip
        """The columns whose object and counter match (case-insensitive, as Windows compares them), optionally
        one instance and one machine."""

        def same(a: str | None, b: str | None) -> bool:
            return b is None or (a or "").lower() == b.lower()

        return {path: values for path, values in self.columns.items()
                if same(path.object, object) and same(path.counter, counter)
                and same(path.instance, instance) and same(path.machine, machine)}  # fmt: skip


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


def _quoted(text: pa.Array) -> pa.Array:
    """Every field in double quotes, as relog writes them (no field here holds a quote)."""
    return pc.binary_join_element_wise(_lit('"'), text, _lit('"'), _lit(""))


def write_pdh_csv(path: Path | str, log: PerfmonLog) -> Path:
    """Write `log` as relog's CSV: every field quoted, CRLF, times as `MM/dd/yyyy HH:mm:ss.fff`, values as Python's
    `repr` writes them, a single space where a value is missing. Built column by column in C (sim.formats.csvtext):
    a day of 15-second samples of a dozen counters is written in milliseconds."""
    path = Path(path)
    paths = list(log.columns)
    lengths = {len(values) for values in log.columns.values()}
    if lengths - {len(log.times)}:
        raise ValueError("every counter needs one value per sample time")
    header = '","'.join([f"({FORMAT}) ({log.zone})({log.bias_minutes})", *(p.text for p in paths)])
    text = f'"{header}"\r\n'.encode()
    if log.times:
        stamps = pc.strftime(pa.array(log.times, type=pa.timestamp("ms")), format="%m/%d/%Y %H:%M:%S")
        fields = [_quoted(pc.cast(stamps, TEXT))]
        for p in paths:
            values = np.asarray(log.columns[p], dtype=np.float64)
            written = float_text(values)
            if np.isnan(values).any():
                written = pc.if_else(pa.array(np.isnan(values)), _lit(MISSING), written)
            fields.append(_quoted(written))
        text += data_bytes(join_rows(fields, "\r\n")).tobytes()
    path.write_bytes(text)
    return path


def _header(row: Sequence[str], where: str) -> tuple[str, int, list[CounterPath]]:
    match = _HEADER.match(row[0].strip()) if row else None
    if match is None:
        raise NotAPerfmonLog(f"{where}, line 1: not a Performance Monitor CSV (its first field should read "
                             f"'({FORMAT}) (<time zone>)(<bias>)'); export the log with: relog <log.blg> -f csv "
                             f"-o <file.csv>")  # fmt: skip
    try:
        paths = [CounterPath.parse(text) for text in row[1:]]
    except ValueError as error:
        raise NotAPerfmonLog(f"{where}: {error}") from None
    return match["zone"], int(match["bias"]), paths


def _float(text: str) -> float:
    text = text.strip()
    return float(text) if text else math.nan


def _rows(rows: Iterable[list[str]], count: int, name: str, times: list[datetime], columns: list[list[float]]) -> None:
    for line, row in enumerate(rows, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != count + 1:
            raise NotAPerfmonLog(f"{name}, line {line}: {len(row) - 1} values for {count} counters; the file is cut "
                                 f"or not one relog export")  # fmt: skip
        try:
            times.append(datetime.strptime(row[0].strip(), TIME_FORMAT))
            for column, text in zip(columns, row[1:]):
                column.append(_float(text))
        except ValueError:
            raise NotAPerfmonLog(f"{name}, line {line}: cannot read {row[0]!r} and its values (times as "
                                 f"MM/dd/yyyy HH:mm:ss.fff, values as numbers)") from None  # fmt: skip


def read_pdh_csv(path: Path | str) -> PerfmonLog:
    """Read a relog CSV (UTF-8 or ANSI, with or without a BOM); NotAPerfmonLog names the file and line it
    cannot read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotAPerfmonLog(f"{path}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # relog writes the system's ANSI code page
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(rows, [])
    except csv.Error as error:
        raise NotAPerfmonLog(f"{path}, line 1: {error}") from None
    zone, bias, paths = _header(first, str(path))
    times: list[datetime] = []
    columns: list[list[float]] = [[] for _ in paths]
    try:
        _rows(rows, len(paths), str(path), times, columns)
    except csv.Error as error:
        raise NotAPerfmonLog(f"{path}, line {rows.line_num}: {error}") from None
    return PerfmonLog(times, dict(zip(paths, columns)), zone, bias)
