"""DataFrames built by their declarations: the results' half of sim.formats.declare (which loads no pandas, so the
model reading the declarations never does).

`as_frame(table, values, start)` puts the declared columns in order, computes each clock column from its seconds,
and refuses a column missing or undeclared, or of another type than declared (an empty table takes its declared
types); `conforms` says how a DataFrame differs from its declaration (tests/test_declared_tables.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from .clock import clock
from .columns import TEXT, string_series_dtype
from .declare import Table


def as_frame(table: Table, values: Mapping[str, object], start: datetime | None = None) -> pd.DataFrame:
    """The table as the results' DataFrame: the declared columns in order, each clock column computed from its
    seconds column (the run's clock origin `start` given), every other one from `values`. A column missing from
    `values` or not declared is a ValueError; a column of another type than declared, a TypeError (an empty
    table takes its declared types)."""
    computed = {column.name for column in table.columns if column.seconds}
    table.check(set(values) | computed)
    data = {}
    for column in table.columns:
        if column.seconds:
            data[column.name] = clock(start, np.asarray(data[column.seconds], dtype=float))
        else:
            data[column.name] = _pandas(values[column.name], column.dtype)
    built = pd.DataFrame(data)
    for column in table.columns:
        actual = built[column.name].dtype
        if not matches(actual, column.dtype):
            if len(built):
                raise TypeError(f"{table.name}.{column.name}: {actual}, where {column.dtype} is declared")
            built[column.name] = pd.Series([], dtype=pandas_dtype(column.dtype), index=built.index)
    return built


def pandas_dtype(dtype: str):
    """The pandas dtype a DataFrame column of a declared type has."""
    if dtype == "text":
        return string_series_dtype() or np.dtype(object)
    if dtype == "category":
        return pd.CategoricalDtype()
    if dtype == "list[text]":
        return pd.ArrowDtype(pa.large_list(TEXT))
    return pd.api.types.pandas_dtype(dtype)


def matches(actual, dtype: str) -> bool:
    """Whether a pandas dtype is the declared type (any categories for "category")."""
    if dtype == "category":
        return isinstance(actual, pd.CategoricalDtype)
    return actual == pandas_dtype(dtype)


def conforms(data: pd.DataFrame, table: Table) -> list[str]:
    """What in a DataFrame differs from its declaration, one line each (none: its columns are exactly the declared
    ones, in order, of the declared types)."""
    if tuple(data.columns) != table.names:
        return [f"{table.name}: columns {list(data.columns)}, declared {list(table.names)}"]
    return [f"{table.name}.{c.name}: {data[c.name].dtype}, declared {c.dtype}" for c in table.columns
            if not matches(data[c.name].dtype, c.dtype)]  # fmt: skip


def _pandas(values: object, dtype: str) -> object:
    """A column's values as a DataFrame takes them: text kept as pandas' text (numpy object arrays of the record
    would be inferred per column), everything else as given."""
    if dtype == "text" and isinstance(values, np.ndarray) and values.dtype == object:
        return pd.array(values, dtype=pandas_dtype("text")) if string_series_dtype() else values
    return values
