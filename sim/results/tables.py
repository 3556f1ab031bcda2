"""DataFrames built from a run's record: recipients, hops, queue samples, throughput, tracking events.

Each function reads only the `RunRecord` (plain data), names servers and addresses once per table,
and uses categoricals where a column repeats a few values: every server, site, queue, station, event and
connector column is a pandas Categorical (one byte a row instead of a string). Each table is built by its
declaration in sim.formats (`Table.frame`): the declared columns in order, of the declared types, each clock
column (the UTC clock time of a time in seconds, sim.formats.clock) computed beside its seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..formats import columns
from ..formats.clock import start_of
from ..formats.frames import as_frame
from ..formats.internet_hosts import population, senders
from ..formats.messages import HOPS, IN_FLIGHT, MESSAGES
from ..formats.queues import QUEUES, THROUGHPUT
from ..formats.record import DELIVERED, STATUS_NAMES, RunRecord, split_place
from ..formats.tracking_events import TRACKING_RAW
from ..scenario.streams import named_generator

INTERNET_HOSTS_STREAM = "tracking/internet-hosts"
"""The named stream the sending host of each Internet message is drawn from (sim.formats.internet_hosts): a stream
of the results' own, so the tracking log's hosts move no draw of the model."""


def _wrap(codes: np.ndarray, size: int) -> np.ndarray:
    """Indexes as numpy reads them: -1 is the last of `size` (e.g. "" at the end of a list of names)."""
    codes = np.asarray(codes, dtype=np.int64)
    return np.where(codes < 0, codes + size, codes)


def _listed(codes: np.ndarray, names: list) -> pd.Categorical:
    """names[codes] (numpy indexing: -1 is the last name) as a categorical whose categories are the distinct
    names in list order, unused ones kept (what `pd.Categorical(values, categories=names)` gives), from codes."""
    categories = list(dict.fromkeys(names))
    index = {name: i for i, name in enumerate(categories)}
    position = np.array([index[name] for name in names] or [0], dtype=np.int64)
    return pd.Categorical.from_codes(position[_wrap(codes, len(names))], categories=categories)


def _addresses(book, addresses: np.ndarray):
    """Address integers as text (pandas' string dtype), each distinct address written once."""
    codes, texts = columns.unique_texts(addresses, book.text)
    return columns.text_array(columns.taken(texts, codes))


def _or_blank(names: np.ndarray) -> np.ndarray:
    """Names as an object array to index, with one "" when there are none (an empty table indexes nothing)."""
    return np.asarray(names, dtype=object) if len(names) else np.array([""], dtype=object)


def category(values) -> pd.Categorical:
    """A repeating text column as a Categorical, categories in order of first appearance."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return pd.Categorical.from_codes(codes, categories=uniques)


def messages(record: RunRecord) -> pd.DataFrame:
    """One row per recipient outcome (empty unless `record` is messages or hops). Servers, sites, status,
    reason and path are categoricals; addresses are text."""
    m, book = record.messages, record.addresses
    servers, sites = [*record.servers, ""], [*record.server_sites, ""]
    status, delivered = m["status"], m["status"] == DELIVERED
    finished, submitted = m["finished_at"], m["submitted_at"]
    path_names = [">".join(record.servers[i] for i in path) for path in record.paths]
    path_hops = np.array([len(path) - 1 for path in record.paths] or [0])
    path_ids = m["path"]
    status_codes = np.full(max(STATUS_NAMES) + 1, -1, dtype=np.int64)
    status_codes[list(STATUS_NAMES)] = np.arange(len(STATUS_NAMES))
    return as_frame(
        MESSAGES,
        {
            "message_id": m["message_id"],
            "recipient": _addresses(book, m["recipient"]),
            "sender": _addresses(book, m["sender"]),
            "origin_server": _listed(m["origin"], servers),
            "origin_site": columns.categorical(_wrap(m["origin"], len(sites)), sites),
            "destination_server": _listed(m["destination"], servers),
            "destination_site": columns.categorical(_wrap(m["destination"], len(sites)), sites),
            "size_bytes": m["size_bytes"],
            "submitted_at": submitted,
            "delivered_at": np.where(delivered, finished, np.nan),
            "finished_at": finished,
            "latency_s": np.where(delivered, finished - submitted, np.nan),
            "status": pd.Categorical.from_codes(status_codes[status], categories=list(STATUS_NAMES.values())),
            "reason": columns.categorical(_wrap(m["reason"], len(record.reasons)), record.reasons),
            "hops": path_hops[path_ids] if len(path_ids) else np.array([], dtype=int),
            "path": _listed(path_ids, path_names),
        },
        start_of(record.scenario),
    )


def hops(record: RunRecord) -> pd.DataFrame:
    """One row per message copy per station: the wait for a thread, then for a core, then the service.
    Server and station are categoricals."""
    h, stations = record.hops, record.stations
    station_ids = _wrap(h["station"], len(stations["station"]))
    queued, started, core, finished = h["queued_at"], h["started_at"], h["core_at"], h["finished_at"]
    return as_frame(
        HOPS,
        {
            "message_id": h["message_id"],
            "server": columns.categorical(station_ids, stations["server"].tolist()),
            "station": columns.categorical(station_ids, stations["station"].tolist()),
            "queued_at": queued,
            "started_at": started,
            "core_at": core,
            "finished_at": finished,
            "wait_s": core - queued,
            "thread_wait_s": started - queued,
            "core_wait_s": core - started,
            "service_s": finished - core,
        },
        start_of(record.scenario),
    )


def queues(record: RunRecord) -> pd.DataFrame:
    """Queue samples every sample_interval: `length` is the queue length (Get-Queue's MessageCount: waiting, in
    service or set aside), `waiting` the messages waiting for a thread, both at the sample; `max_length` and
    `max_waiting` the most of each at once since the previous sample (exact: kept by the queue itself).

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
    most, most_waiting = length.copy(), waiting.copy()  # the interval's maxima, where not more than the sample's
    peaks = record.sample_peaks
    if peaks and len(peaks["sample"]):
        rows = position[peaks["sample"], peaks["station"]]
        most[rows], most_waiting[rows] = peaks["max_length"], peaks["max_waiting"]
    stations = record.stations
    servers, identity, types = (_or_blank(stations[name]) for name in ("server", "queue", "delivery_type"))
    return as_frame(
        QUEUES,
        {
            "time": times[t_idx],
            "server": pd.Categorical(servers[s_idx]),
            "queue": pd.Categorical(identity[s_idx]),
            "delivery_type": pd.Categorical(types[s_idx]),
            "length": length,
            "waiting": waiting,
            "max_length": most,
            "max_waiting": most_waiting,
            "state": pd.Categorical(states[state]),
        },
        start_of(record.scenario),
    )


def throughput(record: RunRecord) -> pd.DataFrame:
    """Messages categorized per Hub in each sample interval, and the hourly rate."""
    c = record.categorized
    servers = [record.servers[i] for i in c["server"].tolist()]
    cumulative = pd.Series(c["cumulative"])
    messages = cumulative.groupby(servers).diff().fillna(cumulative).astype(int).to_numpy()
    return as_frame(THROUGHPUT,
        {"time": c["time"], "server": category(servers), "cumulative": c["cumulative"], "messages": messages,
         "per_hour": messages * 3600.0 / record.scenario.sample_interval},
        start_of(record.scenario),
    )  # fmt: skip


def in_flight(record: RunRecord) -> pd.DataFrame:
    """One row per recipient still held at the end, where (a queue, a service, an Outbox, a sender) and in which
    state (the queue's Get-Queue status; Retry for mail a sender keeps to try again)."""
    f, book = record.in_flight, record.addresses
    split = [split_place(place) for place in record.in_flight_places] or [("", "")]
    places = np.array([where for where, _ in split], dtype=object)
    states = np.array([state for _, state in split], dtype=object)
    return as_frame(
        IN_FLIGHT,
        {
            "message_id": f["message_id"],
            "recipient": [book.text(n) for n in f["recipient"].tolist()],
            "origin_server": _listed(f["origin"], [*record.servers, ""]),
            "held_by": category(places[f["place"]]),
            "state": category(states[f["place"]]),
        },
    )


def tracking_raw(record: RunRecord) -> pd.DataFrame:
    """The model's tracking events, one row each, with names and addresses resolved (sim.formats.tracking_format input).

    Built from the record's codes, each distinct name or address written once: servers, roles, events, sources,
    statuses, hosts, connectors, references and senders are categoricals; message ids and subjects are text;
    `recipients` holds a list of addresses per row (an Arrow list column)."""
    table, book = record.tracking(), record.addresses
    k, texts = table.columns, list(table.texts)
    n = len(k["time"])
    if n == 0:
        return as_frame(TRACKING_RAW, {name: [] for name in TRACKING_RAW.names})
    names = [*record.servers, ""]
    server = _wrap(k["server"], len(names))
    info = record.message_info
    row_of = k["message_id"] - 1  # message ids count from 1
    is_text = {text: np.array([t == text for t in texts]) for text in ("SUBMIT", "RECEIVE", "DSN", "")}
    submit, receive = is_text["SUBMIT"][k["event"]], is_text["RECEIVE"][k["event"]]
    # Roles: a SUBMIT, and the delay DSN of mail waiting in an Outbox (logged with the Mailbox server as its own
    # peer, sim.model.roles.mailbox), are logged by the Mailbox role; else the server's transport role.
    roles = [*record.server_roles, ""]
    edge = np.array([role == "Edge" for role in roles])[server]
    outbox = is_text["DSN"][k["event"]] & (k["peer"] == k["server"])
    outbox &= np.array(["Mailbox" in role for role in roles])[server]
    role = np.where(submit | outbox, 2, np.where(edge, 0, 1))
    # Hosts: the peer's own name where the model gave one, else the peer server's name; codes into texts + names;
    # mail from the Internet names the host that sent it (sim.formats.internet_hosts), on a stream of its own.
    peer = np.where(is_text[""][k["peer_name"]], len(texts) + _wrap(k["peer"], len(names)), k["peer_name"])
    ids = np.asarray(k["message_id"], dtype=np.int64)
    host_names = population()[0]
    hosts, blank = [*texts, *names, *host_names], len(texts) + len(names) - 1
    if "Internet" in names:
        internet = receive & (peer == len(texts) + names.index("Internet"))
        if internet.any():
            drawn = senders(ids[internet], named_generator(record.seed, INTERNET_HOSTS_STREAM))
            peer = peer.copy()
            peer[internet] = len(texts) + len(names) + drawn
    origin = _wrap(info["origin"][row_of], len(names))
    domain = record.scenario.domain
    ends = [f"@{o}.{domain}>" if o != "Internet" else "@internet.example>" for o in names]
    sender_codes, sender_texts = columns.unique_texts(info["sender"][row_of], book.text)
    return as_frame(
        TRACKING_RAW,
        {
            "time_s": np.asarray(k["time"], dtype=float),
            "server": columns.categorical(server, names),
            "role": columns.categorical(role, ["Edge", "Hub", "Mailbox"]),
            "event_id": columns.categorical(k["event"], texts),
            "source": columns.categorical(k["source"], texts),
            "internal_message_id": np.asarray(k["internal_id"], dtype=np.int64),
            "message_id": columns.text_array(_message_ids(ids, columns.taken(ends, origin))),
            "recipients": _recipient_lists(table, book),
            "recipient_status": columns.categorical(k["status"], texts),
            "total_bytes": info["size_bytes"][row_of].astype(np.int64),
            "sender": columns.categorical(sender_codes, sender_texts),
            "client_hostname": columns.categorical(np.where(receive, peer, blank), hosts),
            "server_hostname": columns.categorical(np.where(receive, blank, peer), hosts),
            "connector_id": columns.categorical(k["connector"], texts),
            "reference": columns.categorical(k["reference"], texts),
            "subject": columns.text_array(
                pc.binary_join_element_wise(
                    pa.scalar("Message ", columns.TEXT),
                    pc.cast(pa.array(ids), columns.TEXT),
                    pa.scalar("", columns.TEXT),
                )
            ),  # fmt: skip
            "original_time_s": info["submitted_at"][row_of],
        },
    )


def _message_ids(ids: np.ndarray, ends: pa.Array) -> pa.Array:
    """`<{id:08d}` + end, e.g. <00000042@BOS-MBX2.contoso.com>."""
    if (ids < 0).any():  # zero-padding after a minus sign: not what lpad does
        digits = pa.array([f"{i:08d}" for i in ids.tolist()], columns.TEXT)
    else:
        digits = pc.utf8_lpad(pc.cast(pa.array(ids), columns.TEXT), 8, "0")
    return pc.binary_join_element_wise(pa.scalar("<", columns.TEXT), digits, ends, pa.scalar("", columns.TEXT))


def _recipient_lists(table, book) -> pd.Series:
    """Each event's recipients as a list of addresses: an Arrow list column over one array of address texts."""
    k = table.columns
    starts, ends = np.asarray(k["recipients_start"], np.int64), np.asarray(k["recipients_end"], np.int64)
    lengths = ends - starts
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    if len(starts) and starts[0] == 0 and (starts[1:] == ends[:-1]).all():
        flat = np.asarray(table.recipients)[: offsets[-1]]
    else:  # slices not back to back: gather them
        flat = np.asarray(table.recipients)[np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])]
    codes, texts = columns.unique_texts(flat, book.text)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), columns.taken(texts, codes))
    return pd.Series(pd.arrays.ArrowExtensionArray(lists))
