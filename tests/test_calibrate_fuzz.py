"""Fuzzing the tracking-log reader (Hypothesis, a fixed derandomized profile so CI is deterministic).

Rows in the real Exchange 2016 shape (tests/data/calibrate/real/migration/E16) are mangled: stray quotes,
truncated rows, extra fields, bad date-times, numbers too long for 64 bits, bytes that are not UTF-8, with or without a byte-order mark, CRLF or
LF line ends. Nothing may raise but the project's own one-line errors, and every row given is either read or
counted as malformed: the counts add up to the rows given. A mangled row keeps its leading date-time shape
(`yyyy-mm-ddThh:`, possibly with impossible values): that is how the reader tells a row from the rest of a quoted
field broken over lines (sim.formats.tracking_split.starts_row).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.calibrate import CalibrationError
from sim.formats.tracking_find import NotATrackingLog, log_file
from sim.formats.tracking_read import MalformedLine, RowReader

SOURCE = Path(__file__).parent / "data" / "calibrate" / "real" / "migration" / "E16"
LINES = [line for path in sorted(SOURCE.glob("*.LOG"))
         for line in path.read_text(encoding="utf-8-sig").splitlines()]  # fmt: skip
HEADER = LINES[:5]
ROWS = [line for line in LINES if not line.startswith("#")]
KEEP = 25  # the date-time and its comma stay whole (but a bad date-time may replace their digits)

FUZZ = settings(max_examples=100, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip


@st.composite
def mangled(draw) -> bytes:
    """One row, mangled (or not), as bytes without its line end."""
    row = draw(st.sampled_from(ROWS)).encode("utf-8")
    kind = draw(st.sampled_from(["none", "quote", "truncate", "extra", "time", "bytes", "digits"]))
    at = draw(st.integers(KEEP, len(row)))
    if kind == "quote":
        row = row[:at] + b'"' + row[at:]
    elif kind == "truncate":
        row = row[:at]
    elif kind == "extra":
        row += b"," + draw(st.text(st.characters(codec="ascii", exclude_characters="\r\n"), max_size=12)).encode()
    elif kind == "time":
        digits = draw(st.text("0123456789", min_size=10, max_size=10))
        row = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:]}:".encode() + row[14:]
    elif kind == "digits":  # a number too long for 64 bits, wherever it lands (total-bytes, recipient-count, ...)
        row = row[:at] + b"9" * draw(st.integers(19, 40)) + row[at:]
    elif kind == "bytes":
        junk = draw(st.binary(min_size=1, max_size=4).map(lambda b: bytes(0x80 | x for x in b)))
        row = row[:at] + junk + row[at:]
    return row


@FUZZ
@given(rows=st.lists(mangled(), min_size=1, max_size=12), bom=st.booleans(),
       ends=st.lists(st.sampled_from([b"\r\n", b"\n"]), min_size=13, max_size=13))  # fmt: skip
def test_mangled_rows_are_read_or_counted_and_never_raise(rows, bom, ends):
    head = b"".join(line.encode() + b"\r\n" for line in HEADER)
    body = b"".join(row + end for row, end in zip(rows, ends))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "E16" / "MSGTRK2016040509-1.LOG"
        path.parent.mkdir()
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + head + body)
        reader = RowReader()
        read = sum(1 for _ in reader.rows(log_file(path)))
        assert read == reader.rows_read and read + reader.problem_count == len(rows)
        try:  # the whole command's pass: only its one-line error, never another exception
            sim.calibrate(folder)
        except CalibrationError as error:
            assert "\n" not in str(error)


def test_the_errors_the_fuzz_allows_are_the_projects_own():
    """calibrate turns the reader's errors into its own one-line error (sim.calibrate.read)."""
    assert issubclass(NotATrackingLog, ValueError) and issubclass(MalformedLine, ValueError)
    assert issubclass(CalibrationError, ValueError)


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.lists(st.sampled_from(['"', ",", '""', "a", "b,c", " ", "\u00e9"]), min_size=1, max_size=24).map("".join))
def test_the_splitter_agrees_with_the_csv_module_on_every_line_whose_quotes_close(line):
    """Python's csv module (RFC 4180 quoting, not strict) is the reference: a quote opens a field only at its
    start, doubled quotes inside are one, anything after the closing quote stays with the field. Where they differ
    is by design: a quoted field still open at the end of the line is None here (csv reads on to the end)."""
    import csv

    from sim.formats.tracking_split import split_quoted

    fields = split_quoted(line)
    if fields is not None:
        assert fields == next(csv.reader([line]))
    else:
        assert '"' in line
