"""A trip built from a run, and why it went where it went: the Mail Submission Service's choice, each routing
decision (least-cost path, direct relay or a hub site, round robin over the target's Hubs, backing off to the
closest site that answers), the Send connector chosen, a queue's Retry status while mail waited in it, and the
moves between servers (sim.results.trip.journey holds the data and its words)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...formats.routes import DECISIONS, ROUTES
from .journey import LINGER, STATION_LABELS, Hop, Move, Trip

if TYPE_CHECKING:
    from ..view import ResultView

LAST_HOP_TYPES = ("DnsConnectorDelivery", "SmartHostConnectorDelivery", "SmtpRelayWithinAdSiteToEdge",
                  "SmtpRelayWithinAdSite", "Unreachable")  # fmt: skip


def trip(result: ResultView, message_id: int) -> Trip:
    """The trip of `message_id`: needs `record: hops` (else NotRecorded says how), KeyError for an unknown id."""
    all_hops = result.hops  # first: a run without hops is told how to keep them, not "no message 1"
    messages = result.messages[result.messages["message_id"] == message_id]
    if messages.empty:
        known = result.messages["message_id"]
        span = f"{known.min()}..{known.max()}" if len(known) else "none"
        raise KeyError(f"no message {message_id} in this run (message ids {span})")
    rows = all_hops[all_hops["message_id"] == message_id].sort_values(["queued_at", "started_at"], kind="stable")
    first = messages.iloc[0]
    found = Trip(int(message_id), str(first["sender"]), str(first["origin_server"]),
                 [_outcome(row) for row in messages.itertuples()], float(first["size_bytes"]) / 1024,
                 float(first["submitted_at"]))  # fmt: skip
    types = result.stations.set_index(["server", "station"])["delivery_type"]
    for row in rows.itertuples():
        kind = str(types.get((row.server, row.station), ""))
        label = STATION_LABELS.get(str(row.station), f"queue {row.server}\\{row.station} ({kind})")
        found.hops.append(Hop(str(row.server), str(row.station), label, kind, float(row.queued_at),
                              float(row.started_at), float(row.finished_at), float(row.thread_wait_s),
                              float(row.core_wait_s), float(row.service_s)))  # fmt: skip
    explain(result, found)
    return found


def _outcome(row) -> dict:
    return {"recipient": str(row.recipient), "status": str(row.status), "destination": str(row.destination_server),
            "finished_at": float(row.finished_at), "latency_s": float(row.latency_s), "path": str(row.path),
            "reason": str(row.reason)}  # fmt: skip


def explain(result: ResultView, found: Trip) -> None:
    """Fill in `found`: the submission, each hop's reason and queue status, and the moves between servers."""
    record = result.record
    site_of = dict(zip(record.servers, record.server_sites))
    if found.hops:
        found.submission = _submission(result, found.origin, found.hops[0].server)
    for hop in found.hops:
        hop.why = _why(result, found, hop, site_of)
        hop.status = _status(result, hop)
    found.moves = _moves(found, site_of)


def next_server(found: Trip, hop: Hop, site_of: dict[str, str]) -> str | None:
    """Where the copy in `hop` went next, from the paths: the next server in the hop's destination site (its
    station names it), else the next that is not a Mailbox server (it backed off on the way), else any."""
    after = [b for a, b in found.pairs if a == hop.server]
    return next((b for b in after if site_of.get(b) == hop.station), None) or next(
        (b for b in after if b != hop.station and b not in _mailboxes(found)), None) or (after[0] if after else None)  # fmt: skip


def _mailboxes(found: Trip) -> set[str]:
    return {r["destination"] for r in found.recipients}


def _submission(result: ResultView, origin: str, hub: str) -> str:
    """How the message entered: the Mail Submission Service's choice, or a connection from outside."""
    policy = result.record.submission.get(origin)
    if policy is None:
        if origin == "Internet":
            return f"arrives from the Internet at {hub} (MX records spread it over the Edges)"
        return f"{origin} connects to {hub} over SMTP (its Receive connector takes the session)"
    if policy["local"] == hub:
        return f"Mail Submission Service hands it to {hub} (the local Hub: this Mailbox server holds the Hub role)"
    return f"Mail Submission Service hands it to {hub} (round robin over the site's Hubs that are up: " \
        f"{', '.join(policy['hubs'])})"  # fmt: skip


def _why(result: ResultView, found: Trip, hop: Hop, site_of: dict[str, str]) -> str:
    """The routing decision behind a remote queue, as the model made it ('' for a stage that decides nothing)."""
    record = result.record
    with_hubs = {site for site, role in zip(record.server_sites, record.server_roles) if role in ("Hub", "Mailbox+Hub")}
    if hop.delivery_type == "SmtpRelayToRemoteAdSite" and hop.station in with_hubs:
        return _relay(result, found, hop, site_of)
    if hop.delivery_type in LAST_HOP_TYPES:
        decisions = [d["reason"] for d in DECISIONS.rows(record.decisions) if d["server"] == hop.server]
        matching = [text for text in decisions if hop.station.lower() in text.lower()]
        return matching[0] if matching else (decisions[0] if decisions else "")
    return ""


def _relay(result: ResultView, found: Trip, hop: Hop, site_of: dict[str, str]) -> str:
    """A relay to another AD site: the least-cost path, the Hub it reached and, when that Hub is short of the
    route's next hop, why: no Hub there answered, so the mail backed off to the closest site that did."""
    record = result.record
    role_of = dict(zip(record.servers, record.server_roles))
    if role_of.get(hop.server) == "Edge":
        return f"Edge relays accepted-domain mail in to the Hubs of {hop.station}, round robin"
    source = site_of[hop.server]
    routes = {(r["source"], r["target"]): r for r in ROUTES.rows(record.routes)}
    targets = sorted({r["destination"] for r in found.recipients if r["destination"]} & set(site_of))
    chosen = [routes[(source, site_of[t])] for t in targets if (source, site_of[t]) in routes]
    chosen = [r for r in chosen if r["next_hop"] == hop.station] or [
        r for r in [routes.get((source, hop.station))] if r is not None]  # fmt: skip
    reason = "; ".join(dict.fromkeys(r["reason"] for r in chosen))
    target = next_server(found, hop, site_of)
    if target is None:
        return reason
    if chosen and site_of.get(target) != chosen[0]["next_hop"]:
        return (f"{reason}; no Hub of {chosen[0]['next_hop']} answered, so it backed off along the path to "
                f"{target} in {site_of.get(target)}, the closest site that answers (queue at point of failure)")  # fmt: skip
    return f"{reason}; target Hub {target} by round robin" if reason else f"target Hub {target} by round robin"


def _status(result: ResultView, hop: Hop) -> str:
    """'in Retry while it waited: LastError' when the message waited long in a queue that was in Retry."""
    if hop.wait_s < LINGER:
        return ""
    events = result.queue_events
    if not len(events):
        return ""
    queue = f"{hop.server}\\{hop.station}"
    mine = events[(events["queue"].astype(str) == queue) & (events["time"] >= hop.queued_at - 1e-9)
                  & (events["time"] <= hop.started_at) & (events["status"] == "Retry")]  # fmt: skip
    if not len(mine):
        return ""
    return f"the queue was in Retry while it waited ({len(mine)} retries): {mine['last_error'].iloc[-1]}"


def _moves(found: Trip, site_of: dict[str, str]) -> list[Move]:
    """A move per pair of servers in a row on the recipients' paths, in time order, each with what decided it: the
    hand-over, the relay hop's reason on the server it left, or the last step out of the trip."""
    moves = []
    for source, target in found.pairs:
        arriving = [hop for hop in found.hops if hop.server == target]
        leaving = [hop for hop in found.hops if hop.server == source and hop.why and next_server(found, hop, site_of)
                   == target]  # fmt: skip
        if source == found.origin and found.submission:
            text = found.submission
        elif leaving:
            text = leaving[0].why
        elif target in _mailboxes(found):
            text = f"Store Driver delivers to {target}"
        else:
            text = f"relayed on to {target}"
        at = arriving[0].queued_at if arriving else _arrival(found, source, target)
        moves.append(Move(source, target, at, text))
    return sorted(moves, key=lambda m: m.at)


def _arrival(found: Trip, source: str, target: str) -> float:
    """When a copy left `source` for `target` outside the hops (a mailbox, the Internet): its last hop there ends."""
    there = [hop.finished_at for hop in found.hops if hop.server == source]
    done = [r["finished_at"] for r in found.recipients if f"{source}>{target}" in r["path"]]
    return max(there) if there else min(done, default=found.submitted_at)
