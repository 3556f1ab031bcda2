"""Exchange 2007 message tracking logs: format the model's raw events, write them as real log files, read them
back and rebuild per-recipient deliveries from the logs alone.

Why: the logs are an output an administrator recognises (and can feed to their own parsers), and rebuilding
latencies from them is an end-to-end check of the model against a second, independent bookkeeping.

Format (DOMAIN.md section 8): one file per server per UTC day, named `MSGTRK<yyyymmdd>-1.LOG` (`MSGTRKM...` for
events logged by a Mailbox server's Mail Submission service), UTF-8 with a byte-order mark, CRLF line ends
(Windows), five `#` header lines, then one comma-separated row per event in the 21-field Exchange 2007 order.

Pipeline: `format_log(raw, start, org_servers)` -> `write_logs(log, folder)` -> `read_logs(folder)` ->
`sim.tracking_analysis.rebuild_deliveries(log)`.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

FIELDS: tuple[str, ...] = (
    "date-time",
    "client-ip",
    "client-hostname",
    "server-ip",
    "server-hostname",
    "source-context",
    "connector-id",
    "source",
    "event-id",
    "internal-message-id",
    "message-id",
    "recipient-address",
    "recipient-status",
    "total-bytes",
    "recipient-count",
    "related-recipient-address",
    "reference",
    "message-subject",
    "sender-address",
    "return-path",
    "message-info",
)
"""The 21 Exchange 2007 fields in file order (E2010 appends five more; we write 2007 only)."""

INT_FIELDS: tuple[str, ...] = ("internal-message-id", "total-bytes", "recipient-count")
"""Fields held as integers; every other field is text ("" when blank)."""

EXTRA_COLUMNS: tuple[str, ...] = ("server", "role")
"""Leading columns of `format_log`'s output: which log a row belongs to. `write_logs` turns them into the
folder and file name and does not write them as fields."""

HEADER_SOFTWARE = "#Software: Microsoft Exchange Server"
# 8.1.240.6 is the build of Exchange Server 2007 SP1 (RTM was 8.0.685.24): the version these logs imitate.
HEADER_VERSION = "#Version: 8.1.240.6"
HEADER_LOG_TYPE = "#Log-type: Message Tracking Log"

EVENT_IDS = frozenset(
    {
        "SUBMIT",
        "RECEIVE",
        "TRANSFER",
        "SEND",
        "DELIVER",
        "FAIL",
        "DSN",
        "DEFER",
        "EXPAND",
        "RESOLVE",
        "REDIRECT",
        "POISONMESSAGE",
        "BADMAIL",
        "DUPLICATEDELIVER",
    }
)
SOURCES = frozenset({"STOREDRIVER", "SMTP", "ROUTING", "DSN", "AGENT", "ADMIN", "GATEWAY", "PICKUP"})
ROLES = frozenset({"Mailbox", "Hub", "Edge"})
# Exchange 2007 puts the message's original arrival time in message-info on these events.
ORIGINAL_TIME_EVENTS = ("SUBMIT", "RECEIVE", "DELIVER")

REQUIRED_RAW = (
    "time_s",
    "server",
    "role",
    "event_id",
    "source",
    "internal_message_id",
    "message_id",
    "recipients",
    "total_bytes",
    "sender",
)

ORG_NETWORK = "10.0.0.0/8"
EXTERNAL_NETWORK = "192.0.2.0/24"  # TEST-NET-1 (RFC 5737): documentation addresses, never routed


# -- formatting ----------------------------------------------------------------------------------


def _utc(start: datetime) -> pd.Timestamp:
    """The run's clock origin as a UTC Timestamp; a naive datetime is refused, since its zone is a guess."""
    if start.tzinfo is None or start.tzinfo.utcoffset(start) is None:
        raise ValueError("start must be a timezone-aware datetime (UTC)")
    return pd.Timestamp(start.astimezone(timezone.utc))


def _timestamps(seconds: pd.Series, origin: pd.Timestamp) -> pd.Series:
    """origin + seconds, rounded to the millisecond the log can show (rounding, not truncation, so float noise
    such as 1.9999999999 shows as 2.000)."""
    ms = np.round(seconds.to_numpy(dtype=float) * 1000.0)
    return pd.Series(origin + pd.to_timedelta(ms, unit="ms"), index=seconds.index)


def _iso(stamps: pd.Series) -> pd.Series:
    """`yyyy-mm-ddThh:mm:ss.fffZ`, the tracking log's date-time format; NaT becomes "".
    (numpy's formatter: several times faster than strftime on a million rows.)"""
    values = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ms]")
    text = pd.Series(np.datetime_as_string(values, unit="ms").astype(object), index=stamps.index) + "Z"
    return text.where(stamps.notna(), "")


def parse_iso(text: pd.Series) -> pd.Series:
    """Tracking-log date-time text to UTC Timestamps ("" and unparsable text become NaT)."""
    return pd.to_datetime(text.where(text != ""), format="ISO8601", utc=True, errors="coerce")


def _org_name(hostname: str, org: dict[str, str]) -> str | None:
    """The organisation server a hostname names (exact, or by its first DNS label: `HUB1.contoso.com` is HUB1),
    case-insensitively; None for hosts outside the organisation."""
    key = hostname.upper()
    return org.get(key) or org.get(key.split(".", 1)[0])


def ip_plan(hostnames: pd.Series | list[str], org_servers: set[str]) -> dict[str, str]:
    """Made-up, stable IP text per hostname: organisation servers get 10.0.x.y in sorted-name order (so the
    same topology always gives the same addresses), other hosts get 192.0.2.y in sorted order of the names seen
    (wrapping after 254 hosts: the range is only a label). Never contacted."""
    org = {name.upper(): name for name in org_servers}
    org_ip = {name: f"10.0.{i // 254}.{i % 254 + 1}" for i, name in enumerate(sorted(org_servers))}
    plan: dict[str, str] = {}
    outside: list[str] = []
    for host in sorted({h for h in hostnames if h}):
        name = _org_name(host, org)
        if name is None:
            outside.append(host)
        else:
            plan[host] = org_ip[name]
    for i, host in enumerate(outside):
        plan[host] = f"192.0.2.{i % 254 + 1}"
    return plan


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    """A raw text column as str with "" for missing values (or all "" if the model did not give it)."""
    if column not in raw.columns:
        return pd.Series("", index=raw.index, dtype=object)
    return raw[column].astype(object).where(raw[column].notna(), "").astype(str)


def _recipient_list(value: object) -> list[str]:
    """A raw `recipients` cell as a list of addresses (a lone string counts as one address; missing as none)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def format_log(raw: pd.DataFrame, start: datetime, org_servers: set[str]) -> pd.DataFrame:
    """The tracking log of a run: the model's raw events (one row per event) as the 21 Exchange 2007 fields,
    behind two leading columns `server` and `role` saying which server's log each row belongs to.

    Rows are sorted by server, then date-time (after rounding to the millisecond), then raw row order, so
    events logged in the same millisecond keep the order the model emitted them in. Integers for
    internal-message-id, total-bytes and recipient-count; text ("" when blank) for everything else.
    message-info holds the original submission time (`original_time_s`) on SUBMIT, RECEIVE and DELIVER rows.
    """
    missing = [c for c in REQUIRED_RAW if c not in raw.columns]
    if missing:
        raise ValueError(f"raw tracking events lack column(s): {', '.join(missing)}")
    origin = _utc(start)
    raw = raw.reset_index(drop=True)
    if raw["time_s"].isna().any():
        raise ValueError("raw tracking events have a missing time_s")
    for column, allowed in (("role", ROLES), ("event_id", EVENT_IDS), ("source", SOURCES)):
        unknown = set(raw[column].unique()) - allowed
        if unknown:
            raise ValueError(f"unknown {column} value(s) in raw tracking events: {sorted(map(str, unknown))}")

    stamps = _timestamps(raw["time_s"], origin)
    recipients = [r if type(r) is list else _recipient_list(r) for r in raw["recipients"].tolist()]
    client_host, server_host = _text(raw, "client_hostname"), _text(raw, "server_hostname")
    ips = ip_plan(pd.concat([client_host, server_host]).unique().tolist(), org_servers) | {"": ""}
    event = _text(raw, "event_id")
    if "original_time_s" in raw.columns:
        original = _iso(_timestamps(raw["original_time_s"], origin))
        message_info = original.where(event.isin(ORIGINAL_TIME_EVENTS), "")
    else:
        message_info = pd.Series("", index=raw.index, dtype=object)
    sender = _text(raw, "sender")

    log = pd.DataFrame(
        {
            "server": _text(raw, "server"),
            "role": _text(raw, "role"),
            "date-time": _iso(stamps),
            "client-ip": client_host.astype("category").map(ips).astype(object),
            "client-hostname": client_host,
            "server-ip": server_host.astype("category").map(ips).astype(object),
            "server-hostname": server_host,
            "source-context": _text(raw, "source_context"),
            "connector-id": _text(raw, "connector_id"),
            "source": _text(raw, "source"),
            "event-id": event,
            "internal-message-id": raw["internal_message_id"].astype(np.int64),
            "message-id": _text(raw, "message_id"),
            "recipient-address": [";".join(r) for r in recipients],
            "recipient-status": _text(raw, "recipient_status"),
            "total-bytes": raw["total_bytes"].astype(np.int64),
            "recipient-count": np.fromiter(map(len, recipients), dtype=np.int64, count=len(recipients)),
            "related-recipient-address": _text(raw, "related_recipient_address"),
            "reference": _text(raw, "reference"),
            "message-subject": _text(raw, "subject"),
            "sender-address": sender,
            "return-path": sender,
            "message-info": message_info,
        }
    )
    order = pd.DataFrame({"server": log["server"], "stamp": stamps, "row": np.arange(len(log))})
    order = order.sort_values(["server", "stamp", "row"], kind="stable").index
    return log.loc[order].reset_index(drop=True)


# -- files ---------------------------------------------------------------------------------------


def log_file_name(role: str, day: str) -> str:
    """`MSGTRKM<yyyymmdd>-1.LOG` for the Mailbox role, `MSGTRK<yyyymmdd>-1.LOG` for Hub and Edge (day is
    `yyyy-mm-dd`). The `-1` is the file's sequence number within the day: we never roll over on size."""
    prefix = "MSGTRKM" if role == "Mailbox" else "MSGTRK"
    return f"{prefix}{day.replace('-', '')}-1.LOG"


def write_logs(log: pd.DataFrame, folder: Path) -> list[Path]:
    """Write `format_log`'s output as Exchange 2007 tracking log files under `folder/<SERVER>/`, one per server,
    role prefix and UTC day; the `server` and `role` columns choose the file and are not written as fields.
    A server that logs as two roles (Mailbox and Hub on one machine) gets both a MSGTRKM and a MSGTRK file,
    as Exchange does. Existing files of the same name are replaced. Returns the paths written, sorted.

    Each file: UTF-8 with BOM, CRLF, the header lines `#Software`, `#Version`, `#Log-type`, `#Date` (the first
    event's date-time in the file) and `#Fields`, then rows; a value is quoted only when it holds a comma, a
    quote or a line break, with quotes doubled (csv QUOTE_MINIMAL, as Exchange writes them).
    """
    folder = Path(folder)
    missing = [c for c in (*EXTRA_COLUMNS, *FIELDS) if c not in log.columns]
    if missing:
        raise ValueError(f"log lacks column(s): {', '.join(missing)}")
    day = log["date-time"].str[:10]
    paths: list[Path] = []
    for (server, role, date), rows in log.groupby([log["server"], log["role"], day], sort=True):
        target = folder / str(server) / log_file_name(str(role), str(date))
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = rows.loc[:, list(FIELDS)]
        header = [
            HEADER_SOFTWARE,
            HEADER_VERSION,
            HEADER_LOG_TYPE,
            f"#Date: {rows['date-time'].iloc[0]}",
            f"#Fields: {','.join(FIELDS)}",
        ]
        with open(target, "w", encoding="utf-8-sig", newline="") as fh:
            fh.write("\r\n".join(header) + "\r\n")
            writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            writer.writerows(zip(*(rows[name].tolist() for name in FIELDS)))
        paths.append(target)
    return sorted(paths)


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
