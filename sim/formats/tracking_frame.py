"""Message tracking logs as one DataFrame: a thin layer over the one streaming reader (sim.formats.tracking_read).

Why a layer and not a parser of its own: a log read by the tests, by a notebook or by `exsim calibrate` must be
read the same way (the same files, header lines anywhere, quoted fields, malformed lines skipped), so the rows
come from `RowReader.blocks` and only the table is built here. For a folder that fits in memory; calibrate
folds the batches as they come instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .tracking_fields import FIELDS, INT_FIELDS
from .tracking_find import log_files
from .tracking_read import RowReader


def read_logs(folder: str | Path, strict: bool = False) -> pd.DataFrame:
    """Every `MSGTRK*.LOG` under `folder` (recursively, paths sorted), as one table: a leading `server` column
    (whose log it is: the file's folder, sim.formats.tracking_find.server_of) and the fields named by each file's
    `#Fields:` line (a file with other fields adds its columns, "" in the rows of files without them).

    Header lines are skipped wherever they occur (Exchange repeats them when the service restarts); a malformed
    line is skipped (MalformedLine when `strict`); another kind of log raises NotATrackingLog. date-time becomes
    a UTC Timestamp, internal-message-id, total-bytes and recipient-count integers (int64; pandas' nullable Int64
    with <NA> where a real log leaves one blank), the rest text ("" when blank). Rows keep file order: files sorted by path, then line order. An empty folder gives an empty table of
    the Exchange 2007 fields."""
    reader = RowReader(integers=INT_FIELDS, strict=strict)
    frames = []
    for log in log_files(folder):
        for _times, rows, columns in reader.blocks(log, size=65536):
            frame = pd.DataFrame(rows, columns=columns.names, dtype="str")
            frame.insert(0, "server", log.server)
            frames.append(frame)
    if not frames:
        return _typed(pd.DataFrame({c: pd.Series(dtype="str") for c in ("server", *FIELDS)}))
    return _typed(pd.concat(frames, ignore_index=True))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Column types of `read_logs`' output: text, a UTC date-time and the integer fields."""
    frame = frame.fillna("")  # the fields of files whose #Fields: line lacked them
    frame["date-time"] = pd.to_datetime(frame["date-time"], format="ISO8601", utc=True)
    for name in INT_FIELDS:
        if name in frame.columns:
            values = frame[name]
            blank = values == ""
            frame[name] = values.astype(np.int64) if not blank.any() else values.where(~blank).astype("Int64")
    return frame
