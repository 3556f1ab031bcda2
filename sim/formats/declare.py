"""Declared tables: every table's columns, once, each with its name, type, unit and meaning.

Why: the run's record and the results' DataFrames are the contract everything downstream reads. Declared once
here, they are what the recorder derives its row layouts from (`Table.struct`), what the model's hand-over is
checked against (`Table.columns_from`, `Table.row`), and what the results build each DataFrame from, in the
declared order and types (sim.formats.frames.frame); a column added in one room only is refused where the rooms
meet, and tests/test_declared_tables.py holds every table the results expose to its declaration. numpy only:
the model reads the declarations without loading pandas (the DataFrame half is sim.formats.frames).

Types (`Column.dtype`): "int64", "Int64" (pandas' nullable integers: missing where a field is blank), "int32",
"float64" (NaN where a value is missing), "text", "category" (a
pandas Categorical: repeated names, a byte a row), "datetime64[ms]" (a clock column: the UTC clock time of a
seconds column, `Column.seconds`), "datetime64[us, UTC]" and "list[text]" (an Arrow list of texts per row). The
record keeps text as numpy object arrays; a DataFrame as pandas' default text dtype.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from struct import Struct

import numpy as np

Columns = dict[str, np.ndarray]
"""A table as named columns of equal length."""

STRUCT_CODES = {"int64": "q", "int32": "i", "float64": "d"}
"""The struct (and array module) code of each type a recorder packs, native size and order."""
NUMPY = {"int64": np.int64, "int32": np.int32, "float64": np.float64, "text": object}
"""The numpy type the record keeps each column type in."""


@dataclass(frozen=True)
class Column:
    """One column: its name, type (see the module docstring), unit ("" for names, codes and counts of things
    named in the meaning) and what it means. `seconds` names the seconds column a clock column shows; `optional`
    says a row may lack it (its value is then missing: NaN)."""

    name: str
    dtype: str
    unit: str
    meaning: str
    seconds: str = ""
    optional: bool = False


class Table:
    """A declared table: its name, what one row of it is (`meaning`), and its columns in order."""

    def __init__(self, name: str, meaning: str, columns: Sequence[Column]) -> None:
        self.name = name
        self.meaning = meaning
        self.columns = tuple(columns)
        self.names = tuple(column.name for column in self.columns)
        self._by_name = {column.name: column for column in self.columns}
        if len(self._by_name) != len(self.columns):
            raise ValueError(f"table {name}: a column is declared twice")

    def __repr__(self) -> str:
        return f"<Table {self.name}: {', '.join(self.names)}>"

    def __getitem__(self, name: str) -> Column:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def named(self, dtype: str) -> tuple[str, ...]:
        """The names of the columns of one type, in order (the fields of one packed block)."""
        return tuple(column.name for column in self.columns if column.dtype == dtype)

    def struct(self, dtype: str) -> Struct:
        """The layout of one row of this table's columns of `dtype` packed together: what a recorder appends to
        one typed array (`array.frombytes`) per row. Derived once, at import; native sizes, as the arrays'."""
        return Struct(f"{len(self.named(dtype))}{STRUCT_CODES[dtype]}")

    def columns_from(self, values: Mapping[str, object]) -> Columns:
        """The table as the record keeps it: every declared column, in order, as a numpy array of its type (no
        copy where it is one already). A missing or an undeclared column is a ValueError."""
        self.check(values.keys())
        return {column.name: np.asarray(values[column.name], dtype=NUMPY[column.dtype]) for column in self.columns}

    def from_blocks(self, blocks: Mapping[str, np.ndarray]) -> Columns:
        """The table from row-major blocks of packed rows, one per type (`struct`): each block's columns are
        views of it (no copy), in declared order."""
        columns: Columns = {}
        for dtype, block in blocks.items():
            names = self.named(dtype)
            block = np.asarray(block, dtype=NUMPY[dtype]).reshape(-1, len(names))
            columns.update({name: block[:, i] for i, name in enumerate(names)})
        return self.columns_from(columns)

    def row(self, values: Mapping[str, object]) -> dict[str, object]:
        """One row in declared order: every column given, but optional ones (missing: NaN); an undeclared or a
        missing required one is a ValueError."""
        given = set(values)
        optional = {column.name for column in self.columns if column.optional}
        if not set(self.names) - optional <= given <= self._by_name.keys():
            self.check(given | optional)
        return {column.name: values.get(column.name, math.nan) for column in self.columns}

    def from_rows(self, rows: Sequence[Mapping[str, object]]) -> Columns:
        """Rows (each checked by `row`) as the record's columns; a missing number (None) becomes NaN."""
        ordered = [self.row(values) for values in rows]
        return self.columns_from(
            {column.name: _values([row[column.name] for row in ordered], column.dtype) for column in self.columns}
        )

    def rows(self, columns: Columns) -> Iterator[dict[str, object]]:
        """The record's columns row by row, as dicts of Python values (for the few consumers that walk rows)."""
        lists = [columns[name].tolist() for name in self.names]
        for values in zip(*lists):
            yield dict(zip(self.names, values))

    def empty(self) -> Columns:
        """The table with no rows, every column of its type."""
        return self.columns_from({name: [] for name in self.names})

    def check(self, given) -> None:
        """Raise ValueError unless `given` names exactly the declared columns (in any order)."""
        missing = [name for name in self.names if name not in given]
        extra = sorted(set(given) - set(self.names))
        if missing or extra:
            raise ValueError(f"table {self.name}: columns {missing} are declared but not given, {extra} given but "
                             "not declared (sim.formats declares each table's columns)")  # fmt: skip


def _values(values: list, dtype: str) -> list:
    """A column's values as the record keeps them: None as NaN in a float column."""
    return [math.nan if v is None else v for v in values] if dtype == "float64" else values
