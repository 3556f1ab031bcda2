"""What each kind of tracking event fills in, field by field, as Exchange 2007 writes it: the hosts on each side,
source-context, recipient-status, message-info, and the fields a SUBMIT leaves blank.

Why a module of its own: these are the rules docs/exchange/tracking-log.md sets out with their sources (TechNet
cc539063, cc539064, bb124375 (v=exchg.80); published 2007 log rows), and tests/test_tracking_rules.py checks every
row of a run against that page; sim.formats.tracking_format applies them column by column when the log is made,
never while the model runs.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import TEXT, categorical
from .session_id import session_id

CLIENT_IS_LOGGER = ("SUBMIT", "SEND", "DELIVER")
"""Events whose client-hostname is the server that logs them: the Mailbox server that submits (2007 SUBMIT row,
wallix/pylogsparser), the server that sends (SEND), the Hub whose Store Driver delivers (DELIVER)."""
SERVER_IS_LOGGER = ("RECEIVE",)
"""Events whose server-hostname (and server-ip) is the server that logs them: the server that received."""
NO_CLIENT_IP = ("DELIVER",)
"""Events that name hosts without IP addresses (the Store Driver talks MAPI, not SMTP: a 2007-layout DELIVER row)."""
NO_SERVER_IP = ("SUBMIT", "DELIVER")
"""Events whose server-hostname has no server-ip (the 2007 SUBMIT row; the DELIVER row)."""
SUBMIT_BLANK = ("internal-message-id", "recipient-address", "recipient-status", "total-bytes", "recipient-count",
                "return-path", "message-info", "server-ip")  # fmt: skip
"""What a 2007 SUBMIT row leaves blank (the published row: MSGTRK20100419, wallix/pylogsparser)."""
ORIGINAL_TIME_EVENTS = ("SEND", "DELIVER")
"""Events whose message-info is the message's original arrival time (2007-layout DELIVER row; SEND rows of later
versions); RECEIVE carries flags instead, the other events nothing (UNCONFIRMED for FAIL, DSN and DEFER)."""
RECEIVE_FLAGS = {"STOREDRIVER": "04I: ", "SMTP": "0cI: "}
"""message-info of a RECEIVE, by source: flags, not a time (`04I: ` on a 2007-layout STOREDRIVER RECEIVE row,
`0cI: ` on a 2016 SMTP RECEIVE row; what the flags mean is not documented)."""
RECEIVE_STATUS = "To"
"""recipient-status of a STOREDRIVER RECEIVE: the header each recipient came from, one per recipient, separated
by `;` (only `To` here: the model has no Cc or Bcc)."""
SUBMIT_CONTEXT = (
    "MDB:{mdb}, Mailbox:{mailbox}, Event:{event}, MessageClass:IPM.Note, CreationTime:{time}, ClientType:User"
)
"""source-context of a SUBMIT (2007 row, wallix/pylogsparser; techwizard.cloud 2010 names the parts)."""
_GUIDS = uuid.UUID("6f0e5d1c-2b7a-5c43-9d1e-8a2f4b6c0e17")
"""The namespace exsim's made-up GUIDs are uuid5 names in: never random, the same run gives the same GUIDs."""


def is_any(values: pd.Categorical, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Rows whose value is one of `names` (by code: no text per row)."""
    hit = np.isin(np.asarray(values.categories, dtype=object), list(names))
    return hit[values.codes] & (values.codes >= 0)


def pick(where: np.ndarray, chosen: pd.Categorical, other: pd.Categorical) -> pd.Categorical:
    """`chosen` where `where` holds, else `other`, as one categorical (codes, never text per row)."""
    texts = [*map(str, chosen.categories), *map(str, other.categories)]
    codes = np.where(where, chosen.codes, np.where(other.codes < 0, -1, other.codes + len(chosen.categories)))
    return categorical(codes, texts)


def blank(where: np.ndarray, values: pd.Categorical) -> pd.Categorical:
    """`values` with "" where `where` holds."""
    return categorical(np.where(where, -1, values.codes), list(map(str, values.categories)))


def guid(*parts: object) -> str:
    """A made-up GUID, the same for the same parts: uuid5 (RFC 4122 name-based, SHA-1) of the parts joined by "/",
    spelled out without building a UUID object (a run names one per mailbox that sent mail)."""
    digest = bytearray(hashlib.sha1(_GUIDS.bytes + "/".join(map(str, parts)).encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ordinals(groups: np.ndarray, where: np.ndarray) -> np.ndarray:
    """1, 2, 3 ... within each group, counting only the rows where `where` holds, in row order (0 elsewhere)."""
    out = np.zeros(len(groups), dtype=np.int64)
    rows = np.flatnonzero(where)
    if not len(rows):
        return out
    keys = groups[rows]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    out[rows[order]] = rank + 1
    return out


def submit_context(server: pd.Categorical, sender: pd.Categorical, created: pa.Array, where: np.ndarray,
                   run: str) -> pa.Array:  # fmt: skip
    """source-context of the SUBMIT rows (in log order), "" elsewhere: each Mailbox server's one database (its
    GUID from the run and the server), the sender's mailbox GUID, the database's event number counting up per
    server, and the message's creation time (`created`, the log's date-time text)."""
    if not where.any():
        return pa.array(np.full(len(where), "", dtype=object), TEXT)
    mdb = pa.array([guid(run, "MDB", name, 0) for name in server.categories], TEXT)
    senders = np.zeros(len(sender.categories), dtype=bool)  # GUIDs only for the senders that submitted
    senders[sender.codes[where & (sender.codes >= 0)]] = True
    names = np.asarray(sender.categories, dtype=object)
    mailbox = pa.array([guid(run, "Mailbox", name) if used else "" for name, used in zip(names, senders)], TEXT)
    events = pc.cast(pa.array(ordinals(server.codes, where)), TEXT)
    head, rest = SUBMIT_CONTEXT.split("{mdb}")
    middle, rest = rest.split("{mailbox}")
    after, rest = rest.split("{event}")
    before_time, tail = rest.split("{time}")
    pieces = [pa.scalar(head, TEXT), pc.take(mdb, pa.array(np.maximum(server.codes, 0))), pa.scalar(middle, TEXT),
              pc.take(mailbox, pa.array(np.maximum(sender.codes, 0))), pa.scalar(after, TEXT), events,
              pa.scalar(before_time, TEXT), created, pa.scalar(tail, TEXT)]  # fmt: skip
    text = pc.binary_join_element_wise(*pieces, pa.scalar("", TEXT))
    return pc.if_else(pa.array(where), text, pa.scalar("", TEXT))


def session_contexts(start: datetime, server: pd.Categorical, where: np.ndarray) -> pa.Array:
    """source-context of the SMTP RECEIVE rows (in log order), "" elsewhere: the receive session's id, as the
    protocol log writes it (sim.formats.session_id: the Transport service's start ticks plus n), n counting each
    server's sessions from 1. Decision: one session per message received (the model keeps no session id)."""
    out = np.full(len(where), "", dtype=object)
    if where.any():
        base = int(session_id(start, 0), 16)
        numbers = ordinals(server.codes, where)[where]
        out[where] = [f"{base + n:016X}" for n in numbers.tolist()]
    return pa.array(out, TEXT)


def receive_status(counts: np.ndarray, where: np.ndarray, status: pd.Categorical) -> pd.Categorical:
    """recipient-status: `To` per recipient (`;` between) on the rows `where` (STOREDRIVER RECEIVE), else `status`."""
    if not where.any():
        return status
    distinct = np.unique(counts[where])
    texts = [";".join([RECEIVE_STATUS] * int(n)) for n in distinct.tolist()]
    codes = np.where(where, np.searchsorted(distinct, counts), -1)
    return pick(where, categorical(codes, texts), status)


def receive_session_ids(log: pd.DataFrame) -> dict[tuple[str, int], list[str]]:
    """The session id each SMTP RECEIVE row of a run's tracking log holds, by (server, message number), in log
    order: the protocol log's Receive session for that message takes the same id, so one session is found in both
    logs by its id, as an administrator finds it in Exchange's. The message number is the one the model's
    message-id carries (`<00000042@server.domain>`)."""
    if log.empty:
        return {}
    rows = log[(log["event-id"] == "RECEIVE") & (log["source"] == "SMTP")]
    ids: dict[tuple[str, int], list[str]] = {}
    for server, message_id, context in zip(rows["server"], rows["message-id"], rows["source-context"]):
        number = int(message_id[1 : message_id.index("@")])
        ids.setdefault((str(server), number), []).append(context)
    return ids
