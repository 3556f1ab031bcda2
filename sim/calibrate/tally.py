"""The one pass over the logs: every row folded into counters, in time order across all servers.

Why one pass in time order: where a recipient's mail went (its own site, another site, the Internet) and
how long it took are known only at the end of the message's journey (DELIVER on a Hub, SEND to a host
outside, FAIL), on another server than the one that saw it enter (SUBMIT on the Mailbox server, RECEIVE
from the Store Driver or from the Internet). The files of all servers are merged by date-time, the entry
of each message is remembered by its message-id, and each journey's end is settled against it.

How: each server's rows come in batches (`Stream`); the batches of all servers are cut into time slices
(every row of every server up to the earliest end of a current batch), and `sim.calibrate.fold` folds a
slice column by column with numpy: first every entry is remembered, then every end is settled. An end
whose entry is not found waits for the next slices, for at least 5 minutes of log time (Decision: Kerberos
refuses clocks more than 5 minutes apart, the largest skew servers of one domain can have); then it counts
as of unknown origin (mail queued longer than entries are kept, or that entered through a server whose
logs were not given).

Memory stays bounded: a message's entry is forgotten 12 to 24 hours of log time after it was seen (two
generations of a dictionary, swapped every 12 hours at the end of a slice; a slice spans at most one batch
of each server), so memory follows the mail of about a day, never the whole month.

Privacy: the reader keeps only the fields calibrate uses (USED_FIELDS: no subject), and addresses go no
further than `fold`: a delivered address is kept only as its hash, to count each server's mailboxes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..formats.tracking_find import LogFile
from ..formats.tracking_read import RowReader, parse_time
from .clock import LocalClock
from .histograms import Counts, LogBins
from .names import canonical

EXTERNAL = -1
"""Destination index of a host outside the organisation (the Internet)."""
INTERNET = -2
"""Origin index of mail that came in from a host outside the organisation."""
UNKNOWN = -3
"""Origin index of mail whose entry into the organisation is not in the logs given."""
SETTLE_AFTER = 300.0
FORGET_AFTER = 12 * 3600.0
TIME_BITS = 42  # an entry: (origin + 3) << 42 | milliseconds since the epoch (good until 2109)
TIME_MASK = (1 << TIME_BITS) - 1

KINDS = ("SUBMIT", "RECEIVE STOREDRIVER", "RECEIVE SMTP", "RECEIVE other", "DELIVER", "SEND", "FAIL", "DSN",
         "EXPAND", "TRANSFER", "DEFER", "other")  # fmt: skip
"""The kinds of row counted per server: they tell its roles (DOMAIN.md 8: who logs which event)."""
(SUBMIT, RECEIVE_STORE, RECEIVE_SMTP, RECEIVE_OTHER, DELIVER, SEND, FAIL, DSN, EXPAND, TRANSFER, DEFER, OTHER) = range(
    12
)
USED_FIELDS = ("date-time", "client-ip", "client-hostname", "server-hostname", "source", "event-id", "message-id",
               "recipient-address", "recipient-status", "total-bytes", "recipient-count", "message-info")  # fmt: skip
"""The fields calibrate reads; a file without one of them is not a tracking log it can use."""


class Stream:
    """The batches of one server's files of one prefix (MSGTRK or MSGTRKM), which follow each other in time:
    the current batch as times and columns (USED_FIELDS), and how far it has been used."""

    batch = 4096
    """Rows read at a time: the slices are cut at batch ends, so it also sets how finely streams interleave."""

    def __init__(self, server: int, files: list[LogFile]) -> None:
        self.server = server
        self.files = files
        self.times: list[float] = []
        self.columns: dict[str, list[str]] = {}
        self.at = 0
        self.log: LogFile | None = None  # the file of the current batch
        self._batches: Iterator | None = None

    def open(self, reader: RowReader) -> None:
        """Start reading (lazily: one file open at a time)."""
        self._batches = ((log, batch) for log in self.files for batch in reader.batches(log, USED_FIELDS, self.batch))
        self.refill()

    def refill(self) -> bool:
        """Load the next batch when this one is used up; False at the end of the stream."""
        while self.at >= len(self.times):
            item = next(self._batches, None)
            if item is None:
                self.times, self.columns, self.at = [], {}, 0
                return False
            self.log, (self.times, self.columns) = item
            self.at = 0
        return True

    def take(self, end: int) -> tuple[int, list[float], dict[str, list[str]], LogFile]:
        """The rows from where the batch was left to `end`, as (server, times, columns, the file they are from)."""
        start, self.at = self.at, end
        columns = {name: values[start:end] for name, values in self.columns.items()}
        return self.server, self.times[start:end], columns, self.log

    @property
    def last(self) -> float:
        """The time of the last row of the current batch."""
        return self.times[-1]


class Ends:
    """Journeys' ends waiting to be settled, as columns: time, kind (0 DELIVER, 1 SEND outside, 2 FAIL),
    destination, recipients, message-id hash, message-info, and the addresses (DELIVER) or status (FAIL)."""

    __slots__ = ("t", "kind", "destination", "n", "key", "info", "text")

    def __init__(self) -> None:
        self.t: list[float] = []
        self.kind: list[int] = []
        self.destination: list[int] = []
        self.n: list[int] = []
        self.key: list[int] = []
        self.info: list[str] = []
        self.text: list[str] = []

    def __len__(self) -> int:
        return len(self.t)

    def extend(self, other: Ends, indices: list[int] | None = None) -> None:
        """Add another's ends (only those at `indices`, when given)."""
        for name in self.__slots__:
            mine, theirs = getattr(self, name), getattr(other, name)
            mine.extend(theirs if indices is None else [theirs[i] for i in indices])


class Tally:
    """Counters over every row, filled by `sim.calibrate.fold.run(tally, reader)`."""

    def __init__(self, logs: list[LogFile], clock: LocalClock) -> None:
        self.clock = clock
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self._canon: dict[str, str] = {}  # host as written -> canonical name (a cache)
        self.events: list[list[int]] = []  # per server: rows of each of KINDS
        groups: dict[tuple[str, str], list[LogFile]] = {}
        for log in logs:
            groups.setdefault((log.server, log.prefix), []).append(log)
        self.streams = [Stream(self.server(server), files) for (server, _), files in sorted(groups.items())]
        self.logging = set(range(len(self.names)))
        self.other_events: dict[str, int] = {}  # event-ids not in KINDS -> rows
        self.file_events: dict[object, dict[str, int]] = {}  # file path -> event-ids not in KINDS -> rows
        self.storedriver: dict[tuple[int, int], int] = {}  # (hub, mailbox server) -> STOREDRIVER rows
        self.submitted_to: dict[tuple[int, int], int] = {}  # (hub named, mailbox server) -> SUBMIT rows
        self.smtp: dict[tuple[int, int], int] = {}  # (from, to) -> SMTP rows between organisation servers
        self.external: dict[str, dict[int, int]] = {"in": {}, "out": {}}  # server -> rows from / to outside
        self.submit_buckets: dict[int, np.ndarray] = {}  # mailbox server -> 168 (weekday, hour) SUBMIT counts
        self.store_buckets: dict[int, np.ndarray] = {}  # the same from STOREDRIVER RECEIVE on the Hubs
        self.windows: dict[str, list[float]] = {}  # "submit", "store", "internet" -> [first, last]
        self.recipients, self.sizes = Counts(), LogBins(1.0, fit=True)
        # the same from SUBMIT rows that fill them (the simulator's do; Exchange 2007's leave them empty): used
        # when no Hub's STOREDRIVER RECEIVE is in the logs (a Mailbox server's logs alone)
        self.submit_recipients, self.submit_sizes = Counts(), LogBins(1.0, fit=True)
        self.internet_recipients, self.internet_sizes = Counts(), LogBins(1.0, fit=True)
        self.internet_buckets = np.zeros(168, dtype=np.int64)
        self.internet_hours: dict[int, int] = {}
        self.internet_by_server: dict[int, int] = {}
        self.mailboxes: dict[int, set[int]] = {}  # mailbox server -> hashes of the addresses delivered to
        self.outcomes: dict[tuple[int, int], int] = {}  # (origin, destination) -> recipients
        self.latency: dict[tuple[int, int], LogBins] = {}
        self.ndr: dict[tuple[int, str], int] = {}  # (origin, enhanced status code) -> recipients
        self.expansions, self.members = 0, Counts()
        self.first, self.last = math.inf, -math.inf
        self.origins: dict[int, int] = {}  # message-id hash -> entry, this generation
        self.older: dict[int, int] = {}  # the previous generation
        self.pending = Ends()  # ends whose entry is not known yet
        self._rotate_at = -math.inf

    # -- servers ---------------------------------------------------------------------------------
    def canonical(self, host: str) -> str:
        """A host name's canonical server name (cached)."""
        key = self._canon.get(host)
        if key is None:
            if len(self._canon) > 100_000:
                self._canon.clear()
            key = self._canon[host] = canonical(host)
        return key

    def server(self, name: str) -> int:
        """The index of an organisation server, added on first sight."""
        key = self.canonical(name)
        at = self.index.get(key)
        if at is None:
            at = self.index[key] = len(self.names)
            self.names.append(key)
            self.events.append([0] * len(KINDS))
        return at

    def org(self, host: str) -> int:
        """The index of the organisation server a host name names, or EXTERNAL for a host outside."""
        return self.index.get(self.canonical(host), EXTERNAL) if host else EXTERNAL

    # -- helpers of the pass (sim.calibrate.fold) ------------------------------------------------
    def rotate(self, now: float) -> None:
        """Swap the generations of remembered entries every FORGET_AFTER seconds of log time."""
        if now > self._rotate_at:
            if self._rotate_at > -math.inf:
                self.older, self.origins = self.origins, {}
            self._rotate_at = now + FORGET_AFTER

    def bucket_counts(self, times: np.ndarray) -> np.ndarray:
        """The local (weekday x 24 + hour) bucket of each UTC time, vectorised (offsets per UTC hour)."""
        hours = np.floor(times / 3600.0).astype(np.int64)
        unique, inverse = np.unique(hours, return_inverse=True)
        offsets = np.array([self.clock.offset(h * 3600.0) for h in unique.tolist()], dtype=np.float64)
        local = np.floor((times + offsets[inverse]) / 3600.0).astype(np.int64)
        return ((local // 24 + 3) % 7) * 24 + local % 24  # 1970-01-01 was a Thursday (weekday 3)

    def window(self, kind: str, times: np.ndarray) -> None:
        """Widen the window of one kind of entry to cover these times."""
        low, high = float(times.min()), float(times.max())
        window = self.windows.get(kind)
        if window is None:
            self.windows[kind] = [low, high]
        else:
            window[0], window[1] = min(window[0], low), max(window[1], high)


def original_time(info: str, fallback: float) -> float:
    """The original arrival time at the head of message-info, else `fallback`."""
    if info:
        try:
            return parse_time(info.split(";", 1)[0].strip())
        except (ValueError, OverflowError):
            return fallback
    return fallback


def status_code(text: str) -> str:
    """The enhanced status code (RFC 3463, e.g. 5.1.1) in a recipient-status, or the basic code, or '?'."""
    for word in text.replace(";", " ").split():
        parts = word.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and word[0] in "245":
            return word
    head = text[:3]
    return head if head.isdigit() else "?"
