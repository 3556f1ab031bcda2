"""DataFrames built from a run's record: recipients, hops, queue samples, throughput, tracking events.

Each function reads only the `RunRecord` (plain data), names servers and addresses once per table,
and uses categoricals where a column repeats a few values: every server, site, queue, station, event and
connector column is a pandas Categorical (one byte a row instead of a string). Every time in seconds
from the start has its UTC clock time beside it (sim.results.clock): `submitted_at` and `submitted_clock`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exchange.record import DELIVERED, STATUS_NAMES, RunRecord, split_place
from .clock import beside, start_of


def _names(record: RunRecord) -> np.ndarray:
    """Server names by index, with "" at index -1 (no server: an NDR or a rejection)."""
    return np.array([*record.servers, ""], dtype=object)


def _categorical(values: np.ndarray, names: list[str]) -> pd.Categorical:
    return pd.Categorical(values, categories=list(dict.fromkeys(names)))


def category(values) -> pd.Categorical:
    """A repeating text column as a Categorical, categories in order of first appearance."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return pd.Categorical.from_codes(codes, categories=uniques)


def messages(record: RunRecord) -> pd.DataFrame:
    """One row per recipient outcome (empty unless `record` is messages or hops)."""
    m, book = record.messages, record.addresses
    servers, sites = _names(record), np.array([*record.server_sites, ""], dtype=object)
    status, delivered = m["status"], m["status"] == DELIVERED
    finished, submitted = m["finished_at"], m["submitted_at"]
    path_names = [">".join(record.servers[i] for i in path) for path in record.paths]
    path_hops = np.array([len(path) - 1 for path in record.paths] or [0])
    reasons = np.array(record.reasons, dtype=object)
    path_ids = m["path"]
    frame = pd.DataFrame(
        {
            "message_id": m["message_id"],
            "recipient": [book.text(n) for n in m["recipient"].tolist()],
            "sender": [book.text(n) for n in m["sender"].tolist()],
            "origin_server": _categorical(servers[m["origin"]], list(servers)),
            "origin_site": _categorical(sites[m["origin"]], list(sites)),
            "destination_server": _categorical(servers[m["destination"]], list(servers)),
            "destination_site": _categorical(sites[m["destination"]], list(sites)),
            "size_bytes": m["size_bytes"],
            "submitted_at": submitted,
            "delivered_at": np.where(delivered, finished, np.nan),
            "finished_at": finished,
            "latency_s": np.where(delivered, finished - submitted, np.nan),
            "status": _categorical(
                np.array([STATUS_NAMES[s] for s in status.tolist()], dtype=object), list(STATUS_NAMES.values())
            ),  # fmt: skip
            "reason": reasons[m["reason"]] if len(reasons) else np.array([], dtype=object),
            "hops": path_hops[path_ids] if len(path_ids) else np.array([], dtype=int),
            "path": _categorical(
                np.array(path_names, dtype=object)[path_ids] if len(path_ids) else np.array([], dtype=object),
                path_names,
            ),  # fmt: skip
        }
    )
    return beside(
        frame, start_of(record.scenario), {"submitted_at": "submitted_clock", "delivered_at": "delivered_clock"}
    )


def hops(record: RunRecord) -> pd.DataFrame:
    """One row per message copy per station: the wait for a thread, then for a core, then the service."""
    h = record.hops
    station_ids = h["station"]
    servers = np.array([s["server"] for s in record.stations] or [""], dtype=object)
    names = np.array([s["station"] for s in record.stations] or [""], dtype=object)
    queued, started, core, finished = h["queued_at"], h["started_at"], h["core_at"], h["finished_at"]
    frame = pd.DataFrame(
        {
            "message_id": h["message_id"],
            "server": category(servers[station_ids]),
            "station": category(names[station_ids]),
            "queued_at": queued,
            "started_at": started,
            "core_at": core,
            "finished_at": finished,
            "wait_s": core - queued,
            "thread_wait_s": started - queued,
            "core_wait_s": core - started,
            "service_s": finished - core,
        }
    )
    return beside(frame, start_of(record.scenario), {"queued_at": "queued_clock"})


def queues(record: RunRecord) -> pd.DataFrame:
    """Queue samples every sample_interval: length counts waiting and in-service messages.

    Every station has a row at every sample from the first one after it was made; the record keeps
    only rows of stations holding mail, and the idle ones are filled in here (0, Ready).
    """
    times, first, s = record.sample_times, record.first_sample, record.samples
    present = first[None, :] <= np.arange(len(times))[:, None]  # time-major grid
    t_idx, s_idx = np.nonzero(present)
    position = np.full(present.shape, -1, dtype=np.int64)
    position[t_idx, s_idx] = np.arange(len(t_idx))
    length = np.zeros(len(t_idx), dtype=np.int64)
    waiting = np.zeros(len(t_idx), dtype=np.int64)
    states = np.array([*record.sample_states, "Ready"], dtype=object)
    state = np.full(len(t_idx), len(states) - 1, dtype=np.int64)
    if len(s["time"]):
        rows = position[np.searchsorted(times, s["time"]), s["station"]]
        length[rows], waiting[rows], state[rows] = s["length"], s["waiting"], s["state"]
    stations = record.stations
    servers = np.array([r["server"] for r in stations] or [""], dtype=object)
    identity = np.array([r["queue"] for r in stations] or [""], dtype=object)
    types = np.array([r["delivery_type"] for r in stations] or [""], dtype=object)
    frame = pd.DataFrame(
        {
            "time": times[t_idx],
            "server": pd.Categorical(servers[s_idx]),
            "queue": pd.Categorical(identity[s_idx]),
            "delivery_type": pd.Categorical(types[s_idx]),
            "length": length,
            "waiting": waiting,
            "state": pd.Categorical(states[state]),
        }
    )
    return beside(frame, start_of(record.scenario), {"time": "clock"})


def throughput(record: RunRecord) -> pd.DataFrame:
    """Messages categorized per Hub in each sample interval, and the hourly rate."""
    c = record.categorized
    frame = pd.DataFrame(
        {"time": c["time"], "server": [record.servers[i] for i in c["server"].tolist()], "cumulative": c["cumulative"]}
    )
    frame["messages"] = frame.groupby("server")["cumulative"].diff().fillna(frame["cumulative"]).astype(int)
    frame["per_hour"] = frame["messages"] * 3600.0 / record.scenario.sample_interval
    frame["server"] = category(frame["server"])
    return beside(frame, start_of(record.scenario), {"time": "clock"})


def in_flight(record: RunRecord) -> pd.DataFrame:
    """One row per recipient still held at the end, where (a queue, a service, an Outbox, a sender) and in which
    state (the queue's Get-Queue status; Retry for mail a sender keeps to try again)."""
    f, book = record.in_flight, record.addresses
    split = [split_place(place) for place in record.in_flight_places] or [("", "")]
    places = np.array([where for where, _ in split], dtype=object)
    states = np.array([state for _, state in split], dtype=object)
    frame = pd.DataFrame(
        {
            "message_id": f["message_id"],
            "recipient": [book.text(n) for n in f["recipient"].tolist()],
            "origin_server": _categorical(_names(record)[f["origin"]], list(_names(record))),
            "held_by": category(places[f["place"]]),
            "state": category(states[f["place"]]),
        }
    )
    return frame


def tracking_raw(record: RunRecord) -> pd.DataFrame:
    """The model's tracking events, one row each, with names and addresses resolved (sim.results.tracking input)."""
    table, book = record.tracking(), record.addresses
    k, text = table.columns, np.array(table.texts or [""], dtype=object)
    names = np.array([*record.servers, ""], dtype=object)
    roles = np.array([*record.server_roles, ""], dtype=object)
    info = record.message_info
    row_of = k["message_id"] - 1 if len(k["message_id"]) else k["message_id"]  # message ids count from 1
    senders, sizes = info.get("sender", np.zeros(0, np.int64)), info.get("size_bytes", np.zeros(0))
    origins, submitted = info.get("origin", np.zeros(0, np.int64)), info.get("submitted_at", np.zeros(0))
    events = text[k["event"]]
    peer_names = text[k["peer_name"]]
    peers = np.where(peer_names != "", peer_names, names[k["peer"]])
    receive = events == "RECEIVE"
    origin_names = names[origins[row_of]] if len(row_of) else np.array([], dtype=object)
    domain = record.scenario.domain
    ids = k["message_id"].tolist()
    flat, starts, ends = table.recipients, k["recipients_start"].tolist(), k["recipients_end"].tolist()
    return pd.DataFrame(
        {
            "time_s": np.asarray(k["time"], dtype=float),
            "server": category(names[k["server"]]),
            "role": category(
                np.where(events == "SUBMIT", "Mailbox", np.where(roles[k["server"]] == "Edge", "Edge", "Hub"))
            ),
            "event_id": category(events),
            "source": category(text[k["source"]]),
            "internal_message_id": np.asarray(k["internal_id"], dtype=np.int64),
            "message_id": [
                f"<{i:08d}@{o}.{domain}>" if o != "Internet" else f"<{i:08d}@internet.example>"
                for i, o in zip(ids, origin_names)
            ],  # fmt: skip
            "recipients": [[book.text(a) for a in flat[a0:a1].tolist()] for a0, a1 in zip(starts, ends)],
            "recipient_status": category(text[k["status"]]),
            "total_bytes": sizes[row_of].astype(np.int64) if len(row_of) else np.array([], dtype=np.int64),
            "sender": [book.text(s) for s in senders[row_of].tolist()] if len(row_of) else [],
            "client_hostname": category(np.where(receive, peers, "")),
            "server_hostname": category(np.where(receive, "", peers)),
            "connector_id": category(text[k["connector"]]),
            "reference": text[k["reference"]],
            "subject": [f"Message {i}" for i in ids],
            "original_time_s": submitted[row_of] if len(row_of) else np.array([], dtype=float),
        }
    )
