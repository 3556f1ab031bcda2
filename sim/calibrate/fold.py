"""The pass itself: cut every server's batches into time slices, fold each slice column by column.

Why columns: a month of logs is tens of millions of rows, and a Python statement per row per counter is
what makes a reader slow; here each counter costs one numpy call per slice. Per row there is only what
cannot be avoided: hashing a message-id, looking a host name up, taking a value out of a column.

A slice is folded in two steps (see `sim.calibrate.tally`): every entry (SUBMIT, STOREDRIVER RECEIVE,
RECEIVE from outside) is remembered, then every end (DELIVER, SEND outside, FAIL) is settled against them.
Precedence of entries: a SUBMIT (the Mailbox server's own log) always wins; a STOREDRIVER RECEIVE or a
RECEIVE from outside is remembered only for a message not already known.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import repeat

import numpy as np

from ..formats.tracking_read import RowReader
from .histograms import LogBins
from .tally import (
    DEFER,
    DELIVER,
    DSN,
    EXPAND,
    EXTERNAL,
    FAIL,
    INTERNET,
    OTHER,
    RECEIVE_OTHER,
    RECEIVE_SMTP,
    RECEIVE_STORE,
    SEND,
    SETTLE_AFTER,
    SUBMIT,
    TIME_BITS,
    TIME_MASK,
    TRANSFER,
    UNKNOWN,
    Ends,
    Tally,
    original_time,  # fmt: skip
    status_code,
)

EVENT_KIND = {"SUBMIT": SUBMIT, "RECEIVE": RECEIVE_SMTP, "DELIVER": DELIVER, "SEND": SEND, "FAIL": FAIL, "DSN": DSN,
              "EXPAND": EXPAND, "TRANSFER": TRANSFER, "DEFER": DEFER}  # fmt: skip
RECEIVE_KIND = {"STOREDRIVER": RECEIVE_STORE, "SMTP": RECEIVE_SMTP}
_PAIR = 1 << 24  # pairs of indices (from -3 up) are counted as one integer: (a + 3) * _PAIR + (b + 3)


def run(tally: Tally, reader: RowReader) -> None:
    """Read every stream of the tally, cut into time slices, fold each; then settle what still waits."""
    live = []
    for stream in tally.streams:
        stream.open(reader)
        if stream.times:
            live.append(stream)
    while live:
        until = min(stream.last for stream in live)
        pieces = []
        for stream in live:
            end = bisect_right(stream.times, until, stream.at) if stream.last > until else len(stream.times)
            if end > stream.at:
                pieces.append(stream.take(end))
        fold_slice(tally, pieces, until)
        live = [stream for stream in live if stream.refill()]
    waiting, tally.pending = tally.pending, Ends()
    settle_ends(tally, waiting, np.inf)


def _add(counter: dict, keys: np.ndarray, weights: np.ndarray | None = None) -> None:
    """counter[key] += weight (1 when not given) for an array of integer keys."""
    if not len(keys):
        return
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=weights) if weights is not None else np.bincount(inverse)
    for key, n in zip(unique.tolist(), sums.tolist()):
        counter[key] = counter.get(key, 0) + int(n)


def _add_pairs(counter: dict, first: np.ndarray, second: np.ndarray, weights: np.ndarray | None = None) -> None:
    """counter[(a, b)] += weight for arrays of index pairs."""
    if not len(first):
        return
    codes: dict[int, int] = {}
    _add(codes, (np.asarray(first, dtype=np.int64) + 3) * _PAIR + (np.asarray(second, dtype=np.int64) + 3), weights)
    for code, n in codes.items():
        pair = (code // _PAIR - 3, code % _PAIR - 3)
        counter[pair] = counter.get(pair, 0) + n


def _indices(tally: Tally, hosts: list[str], inside_only: bool) -> np.ndarray:
    """Server indices of host names (each distinct name looked up once): organisation servers by name;
    any other name EXTERNAL when `inside_only`, else added as a server; an empty name UNKNOWN."""
    mapping = {h: (tally.org(h) if inside_only else tally.server(h)) if h else UNKNOWN for h in set(hosts)}
    return np.fromiter(map(mapping.__getitem__, hosts), dtype=np.int64, count=len(hosts))


def _numbers(values: list[str]) -> np.ndarray:
    """Whole numbers from their text ("" is 0); the reader has checked they are whole numbers."""
    return np.fromiter((int(v) if v else 0 for v in values), dtype=np.int64, count=len(values))


class _Piece:
    """The rows of one server within one slice, as columns, with a way to pick the rows of one kind."""

    def __init__(self, server: int, times: list[float], columns: dict[str, list[str]], log: object = None) -> None:
        self.server = server
        self.path = getattr(log, "path", None)
        self.times = np.asarray(times, dtype=np.float64)
        self.columns = columns
        events = columns["event-id"]
        self.kinds = np.fromiter(map(EVENT_KIND.get, events, repeat(OTHER)), dtype=np.int64, count=len(events))
        receive = np.flatnonzero(self.kinds == RECEIVE_SMTP).tolist()
        if receive:
            source = columns["source"]
            self.kinds[receive] = [RECEIVE_KIND.get(source[i], RECEIVE_OTHER) for i in receive]

    def pick(self, kind: int) -> tuple[np.ndarray, _Columns]:
        """The times of the rows of one kind and a getter of their columns."""
        chosen = np.flatnonzero(self.kinds == kind)
        return self.times[chosen], _Columns(self.columns, chosen.tolist())


class _Columns:
    """Columns of the chosen rows, each taken out only when asked for."""

    def __init__(self, columns: dict[str, list[str]], chosen: list[int]) -> None:
        self.columns, self.chosen = columns, chosen

    def __len__(self) -> int:
        return len(self.chosen)

    def __getitem__(self, name: str) -> list[str]:
        column = self.columns[name]
        return [column[i] for i in self.chosen]


def fold_slice(tally: Tally, pieces: list[tuple], until: float) -> None:
    """Fold the rows of one time slice: entries of every piece first, then the ends."""
    tally.rotate(until)
    ends, waited = Ends(), tally.pending
    tally.pending = Ends()
    expired = [i for i, t in enumerate(waited.t) if t < until - SETTLE_AFTER]
    if expired:  # waited long enough: settled before this slice's entries can be seen
        gone = Ends()
        gone.extend(waited, expired)
        settle_ends(tally, gone, until)
        waited_still = set(expired)
        ends.extend(waited, [i for i in range(len(waited)) if i not in waited_still])
    else:
        ends = waited
    folded = [_Piece(*piece) for piece in pieces]
    for piece in folded:  # SUBMITs first: the Mailbox server's own entry wins over a Hub's
        t, rows = piece.pick(SUBMIT)
        if len(rows):
            entries = ((piece.server + 3) << TIME_BITS) | np.round(t * 1000.0).astype(np.int64)
            tally.origins.update(zip(map(hash, rows["message-id"]), entries.tolist()))
            _buckets(tally, tally.submit_buckets, "submit", np.full(len(t), piece.server), t)
            _submitted(tally, piece.server, rows)
    for piece in folded:
        _fold_piece(tally, piece, ends)
    settle_ends(tally, ends, until)


def _fold_piece(tally: Tally, piece: _Piece, ends: Ends) -> None:
    s, times = piece.server, piece.times
    tally.first, tally.last = min(tally.first, float(times.min())), max(tally.last, float(times.max()))
    counts = tally.events[s]
    for kind, n in enumerate(np.bincount(piece.kinds, minlength=len(counts)).tolist()):
        counts[kind] += n
    t, rows = piece.pick(OTHER)
    if len(rows):
        per_file = tally.file_events.setdefault(piece.path, {})
        for name in rows["event-id"]:
            tally.other_events[name] = tally.other_events.get(name, 0) + 1
            per_file[name] = per_file.get(name, 0) + 1
    t, rows = piece.pick(RECEIVE_STORE)
    if len(rows):
        _storedriver_receive(tally, s, t, rows)
    t, rows = piece.pick(RECEIVE_SMTP)
    if len(rows):
        _smtp_receive(tally, s, t, rows)
    for kind in (DELIVER, SEND, FAIL):
        t, rows = piece.pick(kind)
        if len(rows):
            _ends(tally, s, kind, t, rows, ends)
    t, rows = piece.pick(EXPAND)
    if len(rows):
        tally.expansions += len(rows)
        tally.members.add_many(_numbers(rows["recipient-count"]))


def _submitted(tally: Tally, mailbox: int, rows: _Columns) -> None:
    """The Hub each SUBMIT names (server-hostname, when it is another server than the one logging: the Hub the
    Store Driver notified, always of the Mailbox server's own site, DOMAIN.md 1.1), and the recipients and sizes of SUBMIT rows that state them (Exchange
    2007 leaves both empty on SUBMIT: a row with either empty is not counted)."""
    hubs = _indices(tally, rows["server-hostname"], False)
    named = hubs[(hubs >= 0) & (hubs != mailbox)]  # real logs often name the Mailbox server itself: no Hub
    _add_pairs(tally.submitted_to, named, np.full(len(named), mailbox))
    counts, sizes = rows["recipient-count"], rows["total-bytes"]
    stated = [i for i, (n, b) in enumerate(zip(counts, sizes)) if n and b]
    if stated:
        tally.submit_recipients.add_many(_numbers([counts[i] for i in stated]))
        tally.submit_sizes.add_many(_numbers([sizes[i] for i in stated]))


def _buckets(tally: Tally, buckets: dict, kind: str, servers: np.ndarray, t: np.ndarray) -> None:
    """Count entries per (weekday, hour) bucket, for each server."""
    cells = tally.bucket_counts(t)
    for server in np.unique(servers).tolist():
        mine = servers == server
        per = buckets.get(server)
        if per is None:
            per = buckets[server] = np.zeros(168, dtype=np.int64)
        per += np.bincount(cells[mine], minlength=168)
    tally.window(kind, t)


def _remember(tally: Tally, keys: list[int], origin: np.ndarray, t: np.ndarray, infos: list[str]) -> None:
    """Remember the entries of messages not already known (a SUBMIT's entry wins), at the original arrival
    time in message-info (else the row's time)."""
    known, older = tally.origins, tally.older
    new = set(keys).difference(known.keys(), older.keys())
    if not new:
        return
    for key, o, when, info in zip(keys, origin.tolist(), t.tolist(), infos):
        if key in new:
            new.discard(key)  # the first row of a message in the slice wins
            known[key] = ((o + 3) << TIME_BITS) | int(round(original_time(info, when) * 1000.0))


def _storedriver_receive(tally: Tally, s: int, t: np.ndarray, rows: _Columns) -> None:
    """Messages handed to this Hub by a Mailbox server's Store Driver: what users submit."""
    mailbox = _indices(tally, [h or ip for h, ip in zip(rows["client-hostname"], rows["client-ip"])], False)
    named = np.flatnonzero(mailbox >= 0)
    if len(named) < len(mailbox):
        rows = _Columns(rows.columns, [rows.chosen[i] for i in named.tolist()])
        mailbox, t = mailbox[named], t[named]
    if not len(rows):
        return
    _add_pairs(tally.storedriver, np.full(len(mailbox), s), mailbox)
    _buckets(tally, tally.store_buckets, "store", mailbox, t)
    tally.recipients.add_many(_numbers(rows["recipient-count"]))
    tally.sizes.add_many(_numbers(rows["total-bytes"]))
    _remember(tally, list(map(hash, rows["message-id"])), mailbox, t, rows["message-info"])


def _smtp_receive(tally: Tally, s: int, t: np.ndarray, rows: _Columns) -> None:
    """Messages received by SMTP: from another organisation server (a relay) or from outside."""
    peers = _indices(tally, [h or ip for h, ip in zip(rows["client-hostname"], rows["client-ip"])], True)
    inside = peers >= 0
    _add_pairs(tally.smtp, peers[inside], np.full(int(inside.sum()), s))
    outside = np.flatnonzero(peers == EXTERNAL)
    if not len(outside):
        return
    rows, when = _Columns(rows.columns, [rows.chosen[i] for i in outside.tolist()]), t[outside]
    tally.external["in"][s] = tally.external["in"].get(s, 0) + len(rows)
    tally.internet_by_server[s] = tally.internet_by_server.get(s, 0) + len(rows)
    tally.internet_buckets += np.bincount(tally.bucket_counts(when), minlength=168)
    _add(tally.internet_hours, np.floor(when / 3600.0).astype(np.int64))
    tally.window("internet", when)
    tally.internet_recipients.add_many(_numbers(rows["recipient-count"]))
    tally.internet_sizes.add_many(_numbers(rows["total-bytes"]))
    keys = list(map(hash, rows["message-id"]))
    _remember(tally, keys, np.full(len(rows), INTERNET), when, rows["message-info"])


def _ends(tally: Tally, s: int, kind: int, t: np.ndarray, rows: _Columns, ends: Ends) -> None:
    """DELIVER (to a Mailbox server), SEND (a relay inside, or an end outside) and FAIL rows."""
    n = _numbers(rows["recipient-count"])
    if kind == DELIVER:
        destination = _indices(tally, rows["server-hostname"], inside_only=False)
        mailbox = destination >= 0
        _add_pairs(tally.storedriver, np.full(int(mailbox.sum()), s), destination[mailbox])
        destination[~mailbox] = s  # no Mailbox server named: a Hub delivers only in its own site
        texts, code = rows["recipient-address"], 0
    elif kind == SEND:
        destination = _indices(tally, rows["server-hostname"], inside_only=True)
        destination[destination == UNKNOWN] = EXTERNAL
        inside = destination >= 0
        _add_pairs(tally.smtp, np.full(int(inside.sum()), s), destination[inside])
        keep = np.flatnonzero(~inside)
        if not len(keep):
            return
        tally.external["out"][s] = tally.external["out"].get(s, 0) + len(keep)
        rows = _Columns(rows.columns, [rows.chosen[i] for i in keep.tolist()])
        t, n, destination = t[keep], n[keep], destination[keep]
        texts, code = [""] * len(rows), 1
    else:
        destination, n = np.full(len(rows), EXTERNAL), np.maximum(n, 1)
        texts, code = rows["recipient-status"], 2
    ends.t += t.tolist()
    ends.kind += [code] * len(rows)
    ends.destination += destination.tolist()
    ends.n += n.tolist()
    ends.key += list(map(hash, rows["message-id"]))
    ends.info += rows["message-info"]
    ends.text += texts


def settle_ends(tally: Tally, ends: Ends, now: float) -> None:
    """Settle ends against the remembered entries; an end whose entry is missing waits while it is younger
    than SETTLE_AFTER (before `now`), then is settled as of unknown origin (timed from its message-info)."""
    if not len(ends):
        return
    known, older = tally.origins, tally.older
    entries = list(map(known.get, ends.key))
    missing = [i for i, v in enumerate(entries) if v is None]
    for i in missing:
        entries[i] = older.get(ends.key[i])
    waiting = [i for i in missing if entries[i] is None and ends.t[i] >= now - SETTLE_AFTER]
    if waiting:
        tally.pending.extend(ends, waiting)
        skip = set(waiting)
        keep = [i for i in range(len(ends)) if i not in skip]
        part = Ends()
        part.extend(ends, keep)
        entries, ends = [entries[i] for i in keep], part
        if not len(ends):
            return
    for i, value in enumerate(entries):
        if value is None:
            t0 = original_time(ends.info[i], 0.0)
            entries[i] = ((UNKNOWN + 3) << TIME_BITS) | int(round(t0 * 1000.0))
    entry = np.array(entries, dtype=np.int64)
    origin, t0 = (entry >> TIME_BITS) - 3, (entry & TIME_MASK) / 1000.0
    t, code = np.array(ends.t), np.array(ends.kind)
    destination, n = np.array(ends.destination, dtype=np.int64), np.array(ends.n, dtype=np.int64)
    for i in np.flatnonzero(code == 2).tolist():
        key = (int(origin[i]), status_code(ends.text[i]))
        tally.ndr[key] = tally.ndr.get(key, 0) + int(n[i])
    done = code != 2
    _add_pairs(tally.outcomes, origin[done], destination[done], n[done])
    timed = done & (t0 > 0.0)
    pairs = (origin + 3) * _PAIR + (destination + 3)
    latency = np.maximum(t - t0, 0.0)
    for pair in np.unique(pairs[timed]).tolist():
        mine = timed & (pairs == pair)
        key = (pair // _PAIR - 3, pair % _PAIR - 3)
        bins = tally.latency.get(key)
        if bins is None:
            bins = tally.latency[key] = LogBins(0.001)
        bins.add_many(latency[mine], n[mine])
    delivered = np.flatnonzero((code == 0) & (destination >= 0))
    for d in np.unique(destination[delivered]).tolist():
        mine = delivered[destination[delivered] == d].tolist()
        seen = tally.mailboxes.setdefault(d, set())
        seen.update(map(hash, ";".join(ends.text[i] for i in mine).lower().split(";")))
