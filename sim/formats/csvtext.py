"""CSV text built column by column in C (pyarrow.compute), not row by row in Python: the same bytes as Python's
csv module with QUOTE_MINIMAL (pandas' `to_csv` uses it), at a small fraction of the time.

Why: writing a run's outputs cost more than the run itself (issue 11: messages.csv and the tracking logs took
three times the simulation). A table becomes one escaped UTF-8 text array per column, the columns are joined
into rows in C, and each block of rows is written as one slice of the joined array's data buffer.

pyarrow's own CSV writer does not fit: under `quoting_style="needed"` it quotes every string, and it writes
3.0 as 3. Here a value is quoted only when it holds the delimiter, a quote or a character of the line
terminator, quotes doubled; floats are written as Python's `repr` writes them (what pandas writes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import TEXT, as_text
from .isotext import PER_SECOND, iso_text

BLOCK_ROWS = 65536
"""Rows joined and written at a time: bounds the memory of the joined text (about 15 MB a block)."""


def _lit(text: str) -> pa.Scalar:
    """A text constant of the arrays' type (compute functions do not mix string and large_string)."""
    return pa.scalar(text, TEXT)


def quote_minimal(text: pa.Array, terminator: str = "\r\n") -> pa.Array:
    """Quote the values that hold a comma, a quote or a character of `terminator`, doubling their quotes (what
    csv.QUOTE_MINIMAL does with that line terminator); other values are left as they are. Most columns hold
    none of those characters: one scan of the text's bytes (memchr) says so before any per-value work."""
    specials = "".join(sorted(set(',"' + terminator)))
    data = data_bytes(text).tobytes()  # a copy, but `in` on bytes is a memchr
    if not any(c.encode() in data for c in specials):
        return text
    pattern = "[" + "".join("\\" + c if c in "\\]^-[" else c for c in specials) + "]"
    needs = pc.match_substring_regex(text, pattern)
    quoted = pc.binary_join_element_wise(_lit('"'), pc.replace_substring(text, '"', '""'), _lit('"'), _lit(""))
    return pc.if_else(needs, quoted, text)


def float_text(values: np.ndarray) -> pa.Array:
    """Float64 values as Python's `repr` writes them (3.0, 1e-05, 1e+16; NaN as ""), as pandas' to_csv does.

    Arrow writes the same shortest round-trip digits in the shortest layout (3, 0.00001, 1e+10), so its text is
    kept where it reads as Python's: ".0" added to whole numbers, and anything in exponent form, below 1e-4 or
    from 1e16 up (where Python switches to exponents), or -0.0, formatted by `repr` instead (rare in a run's
    tables). A column of whole numbers (sizes) is written as integers, faster still."""
    values = np.asarray(values, dtype=np.float64)
    finite, size = np.isfinite(values), np.abs(values)
    whole = finite & (values == np.trunc(values)) & (size < 1e16)
    odd = finite & ((size >= 1e16) | ((size < 1e-4) & (values != 0)) | ((values == 0) & np.signbit(values)))
    nan = np.isnan(values)
    if (whole | nan).all():
        text = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), TEXT)
        text = pc.binary_join_element_wise(text, _lit(".0"), _lit(""))
    else:
        text = pc.cast(pa.array(values), TEXT)
        if b"e" in data_bytes(text).tobytes():
            odd |= np.asarray(pc.match_substring(text, "e"))
        if whole.any():
            text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, _lit(".0"), _lit("")), text)
    if odd.any():
        where = np.flatnonzero(odd)
        spread = np.zeros(len(values), dtype=np.int64)
        spread[where] = np.arange(len(where))
        patch = pa.array([repr(v) for v in values[where].tolist()], TEXT)
        text = pc.if_else(pa.array(odd), pc.take(patch, pa.array(spread)), text)
    return pc.if_else(pa.array(nan), _lit(""), text) if nan.any() else text


def clock_writable(values: pd.Series) -> bool:
    """Whether a datetime64 column is written here: a unit of seconds or finer, and every year within
    1000-9999, where numpy's ISO text has one width (anything else goes to pandas' own writer)."""
    unit = np.datetime_data(values.dtype)[0]
    known = np.asarray(values.dropna())
    return unit in PER_SECOND and (
        not len(known)
        or (known.min() >= np.datetime64("1000-01-01", unit) and known.max() < np.datetime64("10000-01-01", unit))
    )


def datetime_format(values: pd.Series) -> str:
    """The unit pandas' to_csv shows a datetime64 column in: "D" (the date alone) when every value is a
    midnight, "s" when none has a fraction, else the fewest digits of fraction that show every value ("ms",
    "us", "ns"). pandas decides per chunk of rows; this decides once for the column, so a file has one format."""
    unit = np.datetime_data(values.dtype)[0]
    per_second = PER_SECOND[unit]
    ticks = np.asarray(values.dropna()).view(np.int64)  # in the column's own unit: no overflow
    if not len(ticks) or not (ticks % (86_400 * per_second)).any():
        return "D"
    for shown, per in (("s", per_second), ("ms", per_second // 10**3), ("us", per_second // 10**6)):
        if per >= 1 and not (ticks % per).any():
            return shown
    return unit


def datetime_text(values: pd.Series, unit: str) -> pa.Array:
    """A datetime64 column (clock_writable) as text shown in `unit` (from datetime_format), NaT as "": the ISO
    text numpy writes with a space for the "T", built as fixed-width bytes (sim.formats.isotext)."""
    stamps = np.asarray(values).astype(f"datetime64[{unit}]")
    missing = np.isnat(stamps)
    ticks = stamps.view(np.int64)
    if missing.any():
        ticks = np.where(missing, ticks[~missing][0] if (~missing).any() else 0, ticks)
    text = iso_text(ticks, unit)
    return pc.if_else(pa.array(missing), _lit(""), text) if missing.any() else text


def field_text(values: pd.Series | pd.Index, terminator: str = "\r\n") -> pa.Array | None:
    """One column as escaped CSV field text, row for row, the way the csv module writes `values.tolist()`
    (None and NaN as ""); None for a column type this does not write (the caller falls back to pandas).

    Categoricals are escaped once per category and taken by code; integers, booleans and floats are cast
    in C; strings are escaped in C."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = field_text(pd.Series(dtype.categories), terminator)
        if categories is None:
            return None
        codes = np.asarray(values.cat.codes if isinstance(values, pd.Series) else values.codes, dtype=np.int64)
        if (codes < 0).any():
            categories = pa.concat_arrays([categories.cast(TEXT), pa.array([""], TEXT)])
            codes = np.where(codes < 0, len(categories) - 1, codes)
        return pc.take(categories, pa.array(codes))
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pc.if_else(pa.array(np.asarray(values)), _lit("True"), _lit("False"))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pc.cast(pa.array(np.asarray(values)), TEXT)
    if isinstance(dtype, pd.Int64Dtype):  # nullable integers: missing as ""
        return pc.fill_null(pc.cast(pa.array(values.array, from_pandas=True), TEXT), _lit(""))
    if dtype == np.float64:
        return float_text(np.asarray(values))
    if isinstance(dtype, pd.StringDtype):
        return quote_minimal(as_text(pa.array(values, from_pandas=True)), terminator)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        values = pd.Series(values)
        return datetime_text(values, datetime_format(values)) if clock_writable(values) else None
    if dtype == np.dtype(object) and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return quote_minimal(as_text(pa.array(np.asarray(values), type=TEXT, from_pandas=True)), terminator)
    return None


def join_rows(fields: Sequence[pa.Array], terminator: str) -> pa.Array:
    """Fields joined by commas, each row ended by `terminator`: one string per row."""
    last = pc.binary_join_element_wise(fields[-1], _lit(terminator), _lit(""))
    return pc.binary_join_element_wise(*fields[:-1], last, _lit(","))


def data_bytes(rows: pa.Array) -> memoryview:
    """The text of every row of a string array, back to back: a view of its data buffer (no copy)."""
    rows = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
    if not len(rows):
        return memoryview(b"")
    offset_type = np.int64 if pa.types.is_large_string(rows.type) else np.int32
    offsets = np.frombuffer(rows.buffers()[1], dtype=offset_type)
    first, last = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    return memoryview(rows.buffers()[2])[first:last]


class Rows:
    """A table's rows as CSV text, any selection of rows at a time (a block of a file, a file's rows).

    Runs of consecutive categorical columns (servers, hosts, events, connectors...) are joined once per
    distinct combination of their values in the selection and taken by code, so a row costs one piece of
    text per run rather than per column. Columns of a type `field_text` does not write go to `fallback`
    (text per value); without one, `Rows` refuses them (ValueError) and the caller writes another way."""

    def __init__(
        self, frame: pd.DataFrame, terminator: str = "\r\n", fallback: Callable[[pd.Series], pa.Array] | None = None
    ) -> None:
        self.terminator = terminator
        self.pieces: list[tuple[str, object]] = []
        run: list[tuple[np.ndarray, pa.Array]] = []
        for name in frame.columns:
            column = frame[name]
            coded = _escaped_codes(column, terminator)
            if coded is not None and not (run and _combinations(run) * len(coded[1]) >= 2**62):
                run.append(coded)
                continue
            if run:
                self.pieces.append(("codes", run))
                run = []
            if coded is not None:
                run.append(coded)
            elif isinstance(column.dtype, np.dtype) and column.dtype.kind == "M" and clock_writable(column):
                self.pieces.append(("datetime", (column, datetime_format(column))))
            elif writable(column):
                self.pieces.append(("column", column))
            elif fallback is not None:
                self.pieces.append(("fallback", (column, fallback)))
            else:
                raise ValueError(f"column {name!r} ({column.dtype}) is not written by csvtext")
        if run:
            self.pieces.append(("codes", run))

    def text(self, rows: np.ndarray | slice) -> pa.Array:
        """The selected rows (positions, or a slice), each as one line of CSV text ending in the terminator."""
        fields = []
        for kind, value in self.pieces:
            if kind == "codes":
                fields.append(_combined(value, rows))
            elif kind == "column":
                fields.append(field_text(value.iloc[rows], self.terminator))
            elif kind == "datetime":
                column, form = value
                fields.append(datetime_text(column.iloc[rows], form))
            else:
                column, fallback = value
                fields.append(fallback(column.iloc[rows]))
        return join_rows(fields, self.terminator)


def writable(values: pd.Series) -> bool:
    """Whether `field_text` writes this column's type (an object column is scanned for non-strings)."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return writable(pd.Series(dtype.categories))
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return clock_writable(values)
    if isinstance(dtype, pd.Int64Dtype) or isinstance(dtype, np.dtype) and (dtype.kind in "biu" or dtype == np.float64):
        return True
    if isinstance(dtype, pd.StringDtype):
        return True
    return dtype == np.dtype(object) and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def _escaped_codes(values: pd.Series, terminator: str) -> tuple[np.ndarray, pa.Array] | None:
    """A categorical column as (codes, escaped category text), missing values coded to a last "" entry; None
    for any other column, or categories `field_text` does not write."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return None
    texts = field_text(pd.Series(values.dtype.categories), terminator)
    if texts is None:
        return None
    texts = pa.concat_arrays([texts.cast(TEXT), pa.array([""], TEXT)])
    codes = np.asarray(values.cat.codes, dtype=np.int64)
    return np.where(codes < 0, len(texts) - 1, codes), texts


def _combinations(run: Sequence[tuple[np.ndarray, pa.Array]]) -> int:
    """How many value combinations a run of categorical columns can take (to keep its key in an int64)."""
    total = 1
    for _, texts in run:
        total *= len(texts)
    return total


def _combined(run: Sequence[tuple[np.ndarray, pa.Array]], rows: np.ndarray | slice) -> pa.Array:
    """The fields of a run of categorical columns, joined by commas, for the selected rows: each distinct
    combination is joined once (a key of their codes, factorized), then taken by row."""
    if len(run) == 1:
        codes, texts = run[0]
        return pc.take(texts, pa.array(codes[rows]))
    key = run[0][0][rows]
    for codes, texts in run[1:]:
        key = key * len(texts) + codes[rows]
    inverse, distinct = pd.factorize(key)
    parts = []
    for _, texts in reversed(run):
        parts.append(pc.take(texts, pa.array(distinct % len(texts))))
        distinct = distinct // len(texts)
    joined = pc.binary_join_element_wise(*reversed(parts), _lit(","))
    return pc.take(joined, pa.array(inverse))


def write_frame(frame: pd.DataFrame, path: Path, terminator: str = os.linesep) -> None:
    """`frame.to_csv(path, index=False)`, byte for byte, written vectorised where every column's type allows
    (integers, floats, booleans, strings, categories of those) and by pandas otherwise."""
    try:
        rows = Rows(frame, terminator) if frame.shape[1] > 1 else None  # one column: csv quotes an empty row
    except ValueError:
        rows = None
    if rows is None:
        frame.to_csv(path, index=False, lineterminator=terminator)
        return
    header = field_text(pd.Series([str(name) for name in frame.columns], dtype=object), terminator)
    with open(path, "wb") as fh:
        fh.write((",".join(header.to_pylist()) + terminator).encode("utf-8"))
        for start in range(0, len(frame), BLOCK_ROWS):
            fh.write(data_bytes(rows.text(slice(start, start + BLOCK_ROWS))))
