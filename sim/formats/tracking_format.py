"""The model's tracking events laid out as an Exchange 2007 message tracking log: the 21 fields, row by row.

Why: the logs are an output an administrator recognises (and can feed to their own parsers), and rebuilding
latencies from them is an end-to-end check of the model against a second, independent bookkeeping.

Pipeline: `format_log(raw, start, org_servers)` (here) -> `sim.formats.tracking_write.write_logs(log, folder)`
-> `sim.formats.tracking_frame.read_logs(folder)`. The fields, kinds, header lines and file names are in
sim.formats.tracking_fields; the tests rebuild each recipient's delivery from the files alone
(tests/tracking_rebuild.py).
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import tracking_contents as contents
from .columns import TEXT, arrow_text, as_text, categorical, coded, text_array
from .frames import as_frame
from .internet_hosts import HOSTS, address, population
from .isotext import iso_text
from .tracking_fields import EVENT_IDS, ROLES, SOURCES, TRACKING_LOG

REQUIRED_RAW = ("time_s", "server", "role", "event_id", "source", "internal_message_id", "message_id", "recipients",
                "total_bytes", "sender")  # fmt: skip
"""The columns of the raw events (sim.formats.tracking_events.TRACKING_RAW) `format_log` cannot do without; the
others are "" when missing (the tests hand it tables of their own)."""


# -- formatting ----------------------------------------------------------------------------------


def _utc(start: datetime) -> pd.Timestamp:
    """The run's clock origin as a UTC Timestamp; a naive datetime is refused, since its zone is a guess."""
    if start.tzinfo is None or start.tzinfo.utcoffset(start) is None:
        raise ValueError("start must be a timezone-aware datetime (UTC)")
    return pd.Timestamp(start.astimezone(timezone.utc))


def _milliseconds(seconds: pd.Series | np.ndarray, origin: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """origin + seconds, as the integer millisecond since the epoch the log shows, and where it is missing (NaN).
    Seconds are rounded to the millisecond (rounding, not truncation, so float noise such as 1.9999999999 shows
    as 2.000); an origin with a fraction of a millisecond is cut to the millisecond, as numpy shows it."""
    ms = np.round(np.asarray(seconds, dtype=float) * 1000.0)
    missing = np.isnan(ms)
    shown = origin.as_unit("ns").value // 1_000_000 + np.where(missing, 0, ms).astype(np.int64)
    return shown, missing


def _iso(ms: np.ndarray, missing: np.ndarray) -> pa.Array:
    """`yyyy-mm-ddThh:mm:ss.fffZ`, the tracking log's date-time format, from milliseconds since the epoch ("" where
    missing)."""
    text = iso_text(ms, "ms", separator="T", suffix="Z")
    return pc.if_else(pa.array(missing), pa.scalar("", TEXT), text) if missing.any() else text


def _org_name(hostname: str, org: dict[str, str]) -> str | None:
    """The organisation server a hostname names (exact, or by its first DNS label: `HUB1.contoso.com` is HUB1),
    case-insensitively; None for hosts outside the organisation."""
    key = hostname.upper()
    return org.get(key) or org.get(key.split(".", 1)[0])


def ip_plan(hostnames: pd.Series | list[str], org_servers: set[str]) -> dict[str, str]:
    """Made-up, stable IP text per hostname: organisation servers get 10.0.x.y in sorted-name order (so the
    same topology always gives the same addresses); the Internet hosts that send mail (sim.formats.internet_hosts)
    their own documentation addresses; other hosts outside the documentation addresses after those, in sorted
    order of the names seen (wrapping: the range is only a label). Never contacted."""
    org = {name.upper(): name for name in org_servers}
    org_ip = {name: f"10.0.{i // 254}.{i % 254 + 1}" for i, name in enumerate(sorted(org_servers))}
    names, addresses, _ = population()
    known = dict(zip(names, addresses))
    plan: dict[str, str] = {}
    outside: list[str] = []
    for host in sorted({h for h in hostnames if h}):
        name = _org_name(host, org)
        if name is not None:
            plan[host] = org_ip[name]
        elif host in known:
            plan[host] = known[host]
        else:
            outside.append(host)
    for i, host in enumerate(outside):
        plan[host] = address(HOSTS + i)
    return plan


def _column(raw: pd.DataFrame, column: str) -> pd.Categorical:
    """A raw text column as a categorical of sorted, used categories, "" for missing values (all "" if the model
    did not give it). A categorical that already is one (sim.results.tables.tracking_raw's) is kept as it is."""
    if column not in raw.columns:
        return categorical(np.full(len(raw), -1), [])
    values = raw[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories, codes = values.cat.categories, np.asarray(values.cat.codes)
        if (
            pd.api.types.is_string_dtype(categories.dtype)
            and categories.is_unique
            and categories.is_monotonic_increasing
            and not (codes < 0).any()
            and np.bincount(codes, minlength=len(categories)).all()
        ):
            return values.array
    return categorical(*coded(values))


def _text(raw: pd.DataFrame, column: str) -> pa.Array:
    """A raw text column of many distinct values (message ids, subjects) as Arrow text, "" for missing values."""
    if column not in raw.columns:
        return pa.array(np.full(len(raw), "", dtype=object), TEXT)
    return arrow_text(raw[column])


def _recipient_list(value: object) -> list[str]:
    """A raw `recipients` cell as a list of addresses (a lone string counts as one address; missing as none)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def format_log(raw: pd.DataFrame, start: datetime, org_servers: set[str], run: str = "") -> pd.DataFrame:
    """The tracking log of a run: the model's raw events (one row per event) as the 21 Exchange 2007 fields,
    behind two leading columns `server` and `role` saying which server's log each row belongs to.

    Rows are sorted by server, then date-time (after rounding to the millisecond), then raw row order, so
    events logged in the same millisecond keep the order the model emitted them in. Integers (blank where an
    event leaves them so) for internal-message-id, total-bytes and recipient-count; text ("" when blank) for
    everything else. What each event fills in is sim.formats.tracking_contents' rules
    (docs/exchange/tracking-log.md); `run` names the run in the made-up GUIDs of a SUBMIT's source-context.
    """
    _check(raw)
    origin = _utc(start)
    raw = raw.reset_index(drop=True)
    stamps, _ = _milliseconds(raw["time_s"], origin)
    server = _column(raw, "server")
    order = np.lexsort((stamps, server.codes))  # stable: same millisecond keeps the model's order
    addresses, counts = _recipients(raw["recipients"])
    event, source = _column(raw, "event_id"), _column(raw, "source")
    submit, receive = contents.is_any(event, ["SUBMIT"]), contents.is_any(event, ["RECEIVE"])
    smtp_receive = receive & contents.is_any(source, ["SMTP"])
    store_receive = receive & contents.is_any(source, ["STOREDRIVER"])
    client_host = contents.pick(contents.is_any(event, contents.CLIENT_IS_LOGGER), server,
                                _column(raw, "client_hostname"))  # fmt: skip
    server_host = contents.pick(contents.is_any(event, contents.SERVER_IS_LOGGER), server,
                                _column(raw, "server_hostname"))  # fmt: skip
    ips = ip_plan([*client_host.categories, *server_host.categories], org_servers) | {"": ""}
    sender, role = _column(raw, "sender"), _column(raw, "role")

    def ip(hosts: pd.Categorical, none: tuple[str, ...]) -> pd.Categorical:
        return contents.blank(
            contents.is_any(event, none), categorical(hosts.codes, [ips[h] for h in hosts.categories])
        )

    info, info_missing = _milliseconds(raw["original_time_s"], origin) if "original_time_s" in raw.columns else (
        np.zeros(len(raw), dtype=np.int64), np.ones(len(raw), dtype=bool))  # fmt: skip
    created = _iso(info[order], info_missing[order])
    message_info = _message_info(event, source, created, order)
    context = pc.if_else(
        pa.array(smtp_receive[order]),
        contents.session_contexts(start, _reordered(server, order), smtp_receive[order]),
        contents.submit_context(_reordered(server, order), _reordered(sender, order), created, submit[order], run),
    )
    given = _text(raw, "source_context")
    context = pc.if_else(pa.array((smtp_receive | submit)[order]), context, pc.take(given, pa.array(order)))
    columns = {
        "server": server,
        "role": role,
        "date-time": _iso(stamps[order], np.zeros(len(stamps), dtype=bool)),
        "client-ip": ip(client_host, contents.NO_CLIENT_IP),
        "client-hostname": client_host,
        "server-ip": ip(server_host, contents.NO_SERVER_IP),
        "server-hostname": server_host,
        "source-context": context,
        "connector-id": _column(raw, "connector_id"),
        "source": source,
        "event-id": event,
        # a Mailbox server's rows (SUBMIT, an Outbox's delay DSN): the message is in no queue database
        "internal-message-id": _blank_int(raw["internal_message_id"], submit | contents.is_any(role, ["Mailbox"])),
        "message-id": _text(raw, "message_id"),
        "recipient-address": pc.if_else(pa.array(submit), pa.scalar("", TEXT), addresses),
        "recipient-status": contents.blank(
            submit | smtp_receive, contents.receive_status(counts, store_receive, _column(raw, "recipient_status"))
        ),
        "total-bytes": _blank_int(raw["total_bytes"], submit),
        "recipient-count": _blank_int(counts, submit),
        "related-recipient-address": _column(raw, "related_recipient_address"),
        "reference": _column(raw, "reference"),
        "message-subject": _text(raw, "subject"),
        "sender-address": sender,
        "return-path": contents.blank(submit, sender),
        "message-info": message_info,
    }
    in_order = {"date-time", "message-info", "source-context"}  # built in log order already: no text to move
    return as_frame(
        TRACKING_LOG, {name: text_array(v) if name in in_order else _reordered(v, order) for name, v in columns.items()}
    )


def _check(raw: pd.DataFrame) -> None:
    """Refuse raw events that lack a required column, have a missing time, or name an unknown role, event or
    source (ValueError)."""
    missing = [c for c in REQUIRED_RAW if c not in raw.columns]
    if missing:
        raise ValueError(f"raw tracking events lack column(s): {', '.join(missing)}")
    if raw["time_s"].isna().any():
        raise ValueError("raw tracking events have a missing time_s")
    for column, allowed in (("role", ROLES), ("event_id", EVENT_IDS), ("source", SOURCES)):
        unknown = set(raw[column].unique()) - allowed
        if unknown:
            raise ValueError(f"unknown {column} value(s) in raw tracking events: {sorted(map(str, unknown))}")


def _message_info(event: pd.Categorical, source: pd.Categorical, created: pa.Array, order: np.ndarray) -> pa.Array:
    """message-info in log order: the original arrival time (`created`) on SEND and DELIVER, the RECEIVE flags
    of the row's source on RECEIVE, "" elsewhere (sim.formats.tracking_contents)."""
    timed = contents.is_any(event, contents.ORIGINAL_TIME_EVENTS)[order]
    info = pc.if_else(pa.array(timed), created, pa.scalar("", TEXT))
    receive = contents.is_any(event, ["RECEIVE"])[order]
    for name, flags in contents.RECEIVE_FLAGS.items():
        rows = receive & contents.is_any(source, [name])[order]
        if rows.any():
            info = pc.if_else(pa.array(rows), pa.scalar(flags, TEXT), info)
    return info


def _blank_int(values: pd.Series | np.ndarray, where: np.ndarray) -> pd.arrays.IntegerArray:
    """An integer field, blank (missing) where `where` holds."""
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(where, dtype=bool).copy())


def _reordered(values: pd.Categorical | pa.Array | np.ndarray, order: np.ndarray):
    """A column in log order: categoricals by code, Arrow text as pandas text, numbers as numpy."""
    if isinstance(values, pd.Categorical):
        return pd.Categorical.from_codes(values.codes[order], dtype=values.dtype)
    if isinstance(values, pa.Array):
        return text_array(pc.take(values, pa.array(order)))
    return values[order]


def _recipients(column: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """recipient-address (addresses joined by ";") and recipient-count of every row. An Arrow list column
    (sim.results.tables.tracking_raw) is joined in C; lists, strings or missing values in Python."""
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_large_list(dtype.pyarrow_dtype):
        lists = pa.array(column)
        lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
        if lists.type.value_type != TEXT:
            lists = lists.cast(pa.large_list(TEXT))
        joined = as_text(pc.binary_join(lists, pa.scalar(";", TEXT)))
        return joined, pc.fill_null(pc.list_value_length(lists), 0).to_numpy().astype(np.int64)
    lists = [r if type(r) is list else _recipient_list(r) for r in column.tolist()]
    joined = pa.array([";".join(r) for r in lists], TEXT)
    return joined, np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
