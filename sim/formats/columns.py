"""Text columns built from integer codes, never string by string: categoricals for columns that repeat a few
values (servers, sites, events, connectors, statuses), pandas' Arrow-backed strings for the rest.

Why: the model records names and addresses as small integers (sim.formats.record); turning each of
hundreds of thousands of rows into a Python string cost more than the run. Here each distinct value is
made once and rows take it by code, in C.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()
"""The Arrow type of text arrays here (64-bit offsets: what pandas keeps its strings in)."""


def categorical(codes: np.ndarray, texts: Sequence[str], missing: str = "") -> pd.Categorical:
    """Rows as categories: `codes` index `texts` (-1 reads as `missing`). Categories are the distinct texts
    used, sorted; equal texts at two codes become one category; unused texts are dropped."""
    strings = np.array([*texts, missing], dtype=object)
    codes = np.asarray(codes, dtype=np.int64)
    codes = np.where(codes < 0, len(strings) - 1, codes)  # -1 reads as `missing`, the last string
    used = np.bincount(codes, minlength=len(strings)) > 0
    categories, inverse = np.unique(strings[used], return_inverse=True)
    remap = np.full(len(strings), -1, dtype=np.int64)
    remap[used] = inverse.reshape(-1)
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(categories.tolist()))


def coded(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Any column as (codes, texts): codes index texts, -1 for missing; texts are `str(value)` (as `astype(str)`
    writes them). A categorical gives its own codes; anything else is factorized."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories.to_numpy(dtype=object).tolist()
        return np.asarray(values.cat.codes, dtype=np.int64), [str(c) for c in categories]
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def string_series_dtype() -> pd.api.extensions.ExtensionDtype | None:
    """pandas' default dtype for text (Arrow-backed `str` in pandas 3), or None where it is plain object."""
    dtype = pd.Series([""]).dtype
    return dtype if isinstance(dtype, pd.StringDtype) else None


def text_array(values: pa.Array) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """An Arrow string array as a pandas column of pandas' default text dtype, without copying where it can."""
    dtype = string_series_dtype()
    if dtype is None:
        return values.to_numpy(zero_copy_only=False)
    return pd.array(values, dtype=dtype)


def arrow_text(values: pd.Series) -> pa.Array:
    """A text column as one Arrow large_string array, missing values as ""."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, texts = coded(values)
        return pc.take(pa.array([*texts, ""], TEXT), pa.array(np.where(codes < 0, len(texts), codes)))
    if isinstance(values.dtype, pd.StringDtype):
        return as_text(pa.array(values, from_pandas=True))
    return as_text(pa.array(np.asarray(values.astype(object).where(values.notna(), "").astype(str)), TEXT))


def as_text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """An Arrow array as one large_string array (one chunk), missing values as ""."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    array = array if array.type == TEXT else pc.cast(array, TEXT)
    return pc.fill_null(array, "") if array.null_count else array


def taken(texts: Sequence[str], codes: np.ndarray) -> pa.Array:
    """texts[codes] as an Arrow array (codes all valid)."""
    return pc.take(pa.array(list(texts), TEXT), pa.array(np.asarray(codes, dtype=np.int64)))


def unique_texts(values: np.ndarray, text: Callable[[int], str]) -> tuple[np.ndarray, list[str]]:
    """Integers (addresses, ids) as (codes, texts): `text` is called once per distinct value, not per row."""
    inverse, distinct = pd.factorize(np.asarray(values, dtype=np.int64))
    return inverse.astype(np.int64), [text(v) for v in distinct.tolist()]
