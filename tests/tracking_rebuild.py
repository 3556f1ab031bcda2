"""Per-recipient deliveries rebuilt from Exchange message tracking logs alone, for the tests.

An end-to-end check of the model against a second, independent bookkeeping: the tests write a run's tracking
log (sim.formats.tracking_write), read it back (sim.formats.tracking_frame) and rebuild each recipient's
path and latency from the files alone. Only the tests use it, so it lives with them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def parse_iso(text: pd.Series) -> pd.Series:
    """Tracking-log date-time text to UTC Timestamps ("" and unparsable text become NaT)."""
    return pd.to_datetime(text.where(text != ""), format="ISO8601", utc=True, errors="coerce")


def _original_time(info: pd.Series) -> pd.Series:
    """The original arrival time at the head of message-info (text before any `;`) as UTC; NaT if absent."""
    info = info.fillna("").astype(str)
    if info.str.contains(";", regex=False).any():
        info = info.str.split(";", n=1).str[0]
    return parse_iso(info.str.strip())


def _as_utc(times: pd.Series) -> pd.Series:
    """date-time as UTC Timestamps whether it comes as log text (`format_log` output) or parsed (`read_logs`)."""
    if not pd.api.types.is_datetime64_any_dtype(times):
        return parse_iso(times.astype(str))
    return times.dt.tz_localize("UTC") if times.dt.tz is None else times.dt.tz_convert("UTC")


def _causal_depth(key: pd.Series, server: pd.Series, client: pd.Series) -> np.ndarray:
    """Per RECEIVE row, its depth in the relay chain of its (message, recipient) key: 0 when the client-hostname
    is no server that logged a RECEIVE for the key (it came from the Mailbox server or from outside), d + 1 when
    it is the server of a depth-d RECEIVE. Host names compare case-insensitively by first DNS label. Rows in a
    loop that never resolve get the largest depth. Only breaks ties between RECEIVEs in the same millisecond."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    names = pd.concat(
        [server.astype(str).str.upper(), client.astype(str).str.upper().str.split(".", n=1).str[0]], ignore_index=True
    )
    codes, uniques = pd.factorize(names)
    k = key.to_numpy(dtype=np.int64) * max(len(uniques), 1)
    node, prev = k + codes[:n], k + codes[n:]
    depth = np.full(n, n, dtype=np.int64)
    assigned = np.zeros(n, dtype=bool)
    frontier = ~np.isin(prev, node)
    d = 0
    while frontier.any():
        depth[frontier] = d
        assigned |= frontier
        frontier = ~assigned & np.isin(prev, node[frontier])
        d += 1
    return depth


DELIVERY_COLUMNS = ("message_id", "recipient", "path", "submitted_at", "delivered_at", "latency_s")


def rebuild_deliveries(log: pd.DataFrame) -> pd.DataFrame:
    """Per-recipient deliveries rebuilt from tracking logs alone (`read_logs` output, or `format_log` output
    before it is written): one row per (message-id, recipient) with a DELIVER event (the earliest, if several).

    `path`: the server that logged the message's SUBMIT (its Mailbox server), then every server that logged a
    RECEIVE of a copy listing that recipient, up to the delivery, in time order, then the mailbox server
    delivered to (the DELIVER row's server-hostname), joined by ">". Recipient lists are followed, not internal
    ids, so bifurcated copies (TRANSFER) are handled. Consecutive repeats are kept (a multi-role server shows
    twice). Mail that entered from outside has no SUBMIT: its path starts at the host that sent it.
    RECEIVEs of one recipient logged in the same millisecond (zero-time stages) are put in causal order: a
    RECEIVE whose client-hostname is the server of another one comes after it; then row order (file order).
    `submitted_at`: the original time in the DELIVER row's message-info (else the SUBMIT row's message-info, else
    the SUBMIT row's date-time: a 2007 SUBMIT leaves message-info blank).
    `latency_s`: delivered_at - submitted_at in seconds, to the millisecond both are logged with.
    Rows sorted by delivered_at, message_id, recipient. Vectorised: (message, recipient) pairs become one
    integer key, so sorting and grouping never compare strings.
    """
    ev = log.loc[
        log["event-id"].isin(("SUBMIT", "RECEIVE", "DELIVER")),
        [
            "server",
            "event-id",
            "message-id",
            "date-time",
            "client-hostname",
            "server-hostname",
            "message-info",
            "recipient-address",
        ],
    ]
    ev = ev.assign(**{"date-time": _as_utc(ev["date-time"])})
    # ti: date-time as int64 ticks (tz-aware datetimes turned into numpy become slow Timestamp objects)
    ev = ev.assign(
        _row=np.arange(len(ev)),
        m=pd.factorize(ev["message-id"])[0],
        ti=ev["date-time"].dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64),
    )
    ev = ev.sort_values(["ti", "_row"], kind="stable")

    submit = ev[ev["event-id"] == "SUBMIT"].drop_duplicates("m", keep="first").set_index("m")
    per = ev[ev["event-id"] != "SUBMIT"]
    per = per.assign(recipient=per["recipient-address"].str.split(";")).drop(columns="recipient-address")
    per = per.explode("recipient")  # keeps the time order
    per = per[per["recipient"].notna() & (per["recipient"] != "")]
    codes, uniques = pd.factorize(per["recipient"])
    per = per.assign(k=per["m"].to_numpy(dtype=np.int64) * max(len(uniques), 1) + codes)
    per = per.drop_duplicates(["_row", "k"])  # an address listed twice on one event counts once

    deliver = per[per["event-id"] == "DELIVER"].drop_duplicates("k", keep="first")
    if deliver.empty:
        return pd.DataFrame(
            {
                "message_id": pd.Series(dtype=object),
                "recipient": pd.Series(dtype=object),
                "path": pd.Series(dtype=object),
                "submitted_at": pd.Series(dtype="datetime64[ms, UTC]"),
                "delivered_at": pd.Series(dtype="datetime64[ms, UTC]"),
                "latency_s": pd.Series(dtype=float),
            }
        )
    delivered_by_k = pd.Series(deliver["ti"].to_numpy(), index=deliver["k"].to_numpy())
    receive = per[(per["event-id"] == "RECEIVE") & per["k"].isin(delivered_by_k.index)]
    receive = receive[receive["ti"].to_numpy() <= delivered_by_k.loc[receive["k"].to_numpy()].to_numpy()]

    # The path as a long table (k, phase, time, depth, row, node), one column per hop, then joined with ">".
    submit_server = submit["server"].reindex(deliver["m"].to_numpy()).to_numpy()
    # mail from outside has no SUBMIT: its path starts at the host that sent it (the first RECEIVE's client)
    depth = _causal_depth(receive["k"], receive["server"], receive["client-hostname"])
    first_client = (
        receive.assign(_depth=depth)
        .sort_values(["k", "ti", "_depth", "_row"], kind="stable")
        .drop_duplicates("k")
        .set_index("k")["client-hostname"]
    )
    sender_host = first_client.reindex(deliver["k"].to_numpy()).to_numpy()
    submit_server = np.where(pd.isna(submit_server), sender_host, submit_server)
    hops = pd.concat(
        [
            pd.DataFrame(
                {
                    "k": deliver["k"].to_numpy(),
                    "phase": 0,
                    "t": deliver["ti"].to_numpy(),
                    "depth": 0,
                    "_row": -1,
                    "node": submit_server,
                }
            ),
            pd.DataFrame(
                {
                    "k": receive["k"].to_numpy(),
                    "phase": 1,
                    "t": receive["ti"].to_numpy(),
                    "depth": _causal_depth(receive["k"], receive["server"], receive["client-hostname"]),
                    "_row": receive["_row"].to_numpy(),
                    "node": receive["server"].to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "k": deliver["k"].to_numpy(),
                    "phase": 2,
                    "t": deliver["ti"].to_numpy(),
                    "depth": 0,
                    "_row": deliver["_row"].to_numpy(),
                    "node": deliver["server-hostname"].to_numpy(),
                }
            ),
        ],
        ignore_index=True,
    )
    hops = hops[hops["node"].notna() & (hops["node"] != "")]
    hops = hops.sort_values(["k", "phase", "t", "depth", "_row"], kind="stable")
    hops = hops.assign(hop=hops.groupby("k", sort=False).cumcount())
    wide = hops.pivot(index="k", columns="hop", values="node")
    path = wide[0].astype(object)
    for hop in wide.columns[1:]:
        nxt = wide[hop]
        path = path.where(nxt.isna(), path + ">" + nxt)

    submitted = _original_time(deliver["message-info"]).reset_index(drop=True)
    submit_rows = submit.reindex(deliver["m"].to_numpy())
    fallback = _original_time(submit_rows["message-info"]).reset_index(drop=True)
    # a 2007 SUBMIT leaves message-info blank (docs/exchange/tracking-log.md): the SUBMIT's own time then
    submitted = submitted.fillna(fallback).fillna(submit_rows["date-time"].reset_index(drop=True))
    out = pd.DataFrame(
        {
            "message_id": deliver["message-id"].to_numpy(),
            "recipient": deliver["recipient"].to_numpy(),
            "path": path.reindex(deliver["k"].to_numpy()).to_numpy(),
            "submitted_at": submitted,
            "delivered_at": deliver["date-time"].reset_index(drop=True),
        }
    )
    latency_ms = (out["delivered_at"] - out["submitted_at"]).dt.total_seconds() * 1000.0
    out["latency_s"] = np.round(latency_ms.to_numpy()) / 1000.0
    out = out.sort_values(["delivered_at", "message_id", "recipient"], kind="stable").reset_index(drop=True)
    return out[list(DELIVERY_COLUMNS)]
