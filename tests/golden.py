"""Digests of a run's tables, so a change meant to be invisible (speed, memory) can be proved invisible.

Each table is digested column by column over the columns it had when the golden file was written
(columns added later do not count); floats are compared to about 9 significant digits, so a sum taken in
another order still matches, and categories compare by their text. Regenerate after a deliberate
change of results with `EXSIM_UPDATE_GOLDEN=1 python -m pytest -p no:xdist tests/test_scenarios.py` and say why in
the commit.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

TABLES = ("messages", "stations", "servers", "queues", "throughput", "in_flight", "tracking_log", "queue_events",
          "pressure", "fault_windows", "routes")  # fmt: skip


def column_digest(values: pd.Series) -> str:
    """sha256 of a column's values: floats rounded to 30 bits of mantissa (about 9 significant digits), text
    and categories by their text (pandas' value hash), so a categorical column digests as its strings do."""
    array = values.to_numpy()
    if array.dtype.kind == "f":
        array = np.nan_to_num(array.astype(np.float64), nan=-0.123456789e300, posinf=1e308, neginf=-1e308)
        mantissa, exponent = np.frexp(array)
        data = np.round(mantissa * 2.0**30).astype(np.int64).tobytes() + exponent.astype(np.int64).tobytes()
    elif array.dtype.kind in "iub":
        data = array.astype(np.int64).tobytes()
    else:  # strings, categories of strings, None: the same hash for the same text whatever the dtype
        data = pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes()
    return hashlib.sha256(data).hexdigest()


def _plain(value):
    """The summary as JSON-ready data, floats to 9 significant digits."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return f"{value:.9g}"
    if isinstance(value, np.integer):
        return int(value)
    return value


def digests(result) -> dict:
    """{table: {"rows": n, "columns": {name: digest}}, "summary": {key: value}} for one run."""
    out = {}
    for name in TABLES:
        frame = getattr(result, name)
        out[name] = {"rows": len(frame), "columns": {col: column_digest(frame[col]) for col in frame.columns}}
    out["summary"] = _plain(result.summary())
    return out


def compare(expected: dict, actual: dict) -> list[str]:
    """What differs, one line each: tables by row count and column, then summary keys (new keys are ignored)."""
    problems = []
    for name, table in expected.items():
        if name == "summary":
            continue
        got = actual[name]
        if got["rows"] != table["rows"]:
            problems.append(f"{name}: {got['rows']} rows, expected {table['rows']}")
            continue
        for column, digest in table["columns"].items():
            if column not in got["columns"]:
                problems.append(f"{name}.{column}: missing")
            elif got["columns"][column] != digest:
                problems.append(f"{name}.{column}: values differ")
    for key, value in expected["summary"].items():
        if json.dumps(actual["summary"].get(key), sort_keys=True) != json.dumps(value, sort_keys=True):
            problems.append(f"summary[{key!r}]: {actual['summary'].get(key)!r}, expected {value!r}")
    return problems
