"""Message tracking logs read back as one DataFrame (the tests and small folders; calibrate streams them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .tracking_fields import FIELDS, INT_FIELDS


def _fields_of(path: Path) -> list[str]:
    """The column names from a log file's first `#Fields:` line."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for line in fh:
            if line.startswith("#Fields:"):
                return [name.strip() for name in line[len("#Fields:") :].strip().split(",")]
            if not line.startswith("#"):
                break
    raise ValueError(f"{path}: no #Fields: header line")


def read_logs(folder: Path) -> pd.DataFrame:
    """Every `MSGTRK*.LOG` under `folder` (recursively, paths sorted), as one table: a leading `server`
    column (the file's folder name) and the fields named by each file's `#Fields:` line. Header lines are
    skipped wherever they occur (Exchange repeats them when the service restarts). date-time becomes a UTC
    Timestamp, internal-message-id, total-bytes and recipient-count integers, the rest text ("" when blank).
    Rows keep file order: files sorted by path, then line order."""
    folder = Path(folder)
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.upper().startswith("MSGTRK") and p.name.upper().endswith(".LOG")
    )
    frames = []
    for path in files:
        names = _fields_of(path)
        frame = pd.read_csv(
            path,
            encoding="utf-8-sig",
            header=None,
            names=names,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
        frame = frame[~frame[names[0]].fillna("").str.startswith("#")]
        frame.insert(0, "server", path.parent.name)
        frames.append(frame)
    if not frames:
        return _typed(pd.DataFrame({c: pd.Series(dtype=object) for c in ("server", *FIELDS)}))
    return _typed(pd.concat(frames, ignore_index=True))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Column types of `read_logs`' output."""
    frame = frame.fillna("")
    frame["date-time"] = pd.to_datetime(frame["date-time"], format="ISO8601", utc=True)
    for name in INT_FIELDS:
        if name in frame.columns:
            frame[name] = frame[name].astype(np.int64)
    return frame.reset_index(drop=True)
