"""Exchange 2007 message tracking log files: `format_log`'s output written as real log files.

Why vectorised: a day of a large organisation logs millions of events; the writer builds each block of rows'
text column by column in C (sim.formats.csvtext) and writes it as one slice of bytes, the same bytes the csv
module writes row by row.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import TEXT, arrow_text, coded, text_array
from .csvtext import BLOCK_ROWS, Rows, data_bytes, quote_minimal
from .tracking_fields import EXTRA_COLUMNS, FIELDS, HEADER_LOG_TYPE, HEADER_SOFTWARE, HEADER_VERSION, log_file_name


def write_logs(log: pd.DataFrame, folder: Path) -> list[Path]:
    """Write `format_log`'s output as Exchange 2007 tracking log files under `folder/<SERVER>/`, one per server,
    role prefix and UTC day; the `server` and `role` columns choose the file and are not written as fields.
    A server that logs as two roles (Mailbox and Hub on one machine) gets both a MSGTRKM and a MSGTRK file,
    as Exchange does. Existing files of the same name are replaced. Returns the paths written, sorted.

    Each file: UTF-8 with BOM, CRLF, the header lines `#Software`, `#Version`, `#Log-type`, `#Date` (the first
    event's date-time in the file) and `#Fields`, then rows in log order; a value is quoted only when it holds
    a comma, a quote or a line break, with quotes doubled (csv QUOTE_MINIMAL, as Exchange writes them).
    Rows whose server, role or date-time is missing belong to no file and are not written.

    Vectorised: rows are put in file order once, then written `csvtext.BLOCK_ROWS` at a time, each block's
    text built column by column in C and cut into the files it spans; the bytes are the csv module's.
    """
    folder = Path(folder)
    missing = [c for c in (*EXTRA_COLUMNS, *FIELDS) if c not in log.columns]
    if missing:
        raise ValueError(f"log lacks column(s): {', '.join(missing)}")
    server, servers = _sorted_codes(log["server"])
    role, roles = _sorted_codes(log["role"])
    day, days = _sorted_codes(pd.Series(text_array(pc.utf8_slice_codeunits(arrow_text(log["date-time"]), 0, 10))))
    key = (server * len(roles) + role) * len(days) + day
    key[(server < 0) | (role < 0) | (day < 0)] = -1  # as groupby: a missing key writes no row
    order = np.argsort(key, kind="stable")
    order = order[key[order] >= 0]
    keys = key[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(keys)].astype(np.int64)
    first_times = log["date-time"].iloc[order[starts]].astype(str).tolist() if len(starts) else []
    targets = []
    for start, stamp in zip(starts.tolist(), first_times):
        k = int(keys[start])
        name = log_file_name(roles[k // len(days) % len(roles)], days[k % len(days)])
        targets.append((folder / servers[k // len(days) // len(roles)] / name, stamp))

    text = Rows(log.loc[:, list(FIELDS)], "\r\n", fallback=_field)
    group = 0
    handle = None
    try:
        for block_start in range(0, len(order), BLOCK_ROWS):
            block = order[block_start : block_start + BLOCK_ROWS]
            contiguous = len(block) and block[-1] - block[0] == len(block) - 1 and (np.diff(block) == 1).all()
            rows = text.text(slice(int(block[0]), int(block[-1]) + 1) if contiguous else block)
            position = block_start
            while position < block_start + len(block):
                if position == starts[group]:
                    handle = _open_log(*targets[group])
                stop = min(int(ends[group]), block_start + len(block))
                handle.write(data_bytes(rows.slice(position - block_start, stop - position)))
                position = stop
                if stop == ends[group]:
                    handle.close()
                    handle, group = None, group + 1
    finally:
        if handle is not None:
            handle.close()
    return sorted(path for path, _ in targets)


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A key column as codes that sort as its texts do (-1 for missing), and the sorted texts."""
    codes, texts = coded(values)
    order = np.argsort(np.array(texts, dtype=object)) if texts else np.zeros(0, dtype=np.int64)
    rank = np.empty(len(texts) + 1, dtype=np.int64)
    rank[order] = np.arange(len(texts))
    rank[-1] = -1
    return rank[codes], [texts[i] for i in order.tolist()]


def _field(values: pd.Series) -> pa.Array:
    """A log column of a type csvtext does not write, as the csv module writes it: `str(value)`, "" for None."""
    strings = ["" if v is None else str(v) for v in values.tolist()]
    return quote_minimal(pa.array(strings, TEXT), "\r\n")


def _open_log(path: Path, first_time: str) -> BinaryIO:
    """A log file opened for writing, its byte-order mark and five header lines written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "wb")  # closed by the loop in write_logs
    header = [HEADER_SOFTWARE, HEADER_VERSION, HEADER_LOG_TYPE, f"#Date: {first_time}", f"#Fields: {','.join(FIELDS)}"]
    handle.write(("\r\n".join(header) + "\r\n").encode("utf-8-sig"))
    return handle
