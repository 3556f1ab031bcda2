"""`exsim trace`: one message's journey, hop by hop, with each routing decision and why (for teaching)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import Results

STATION_LABELS = {
    "StoreDriverSubmission": "Store Driver submission (from the Outbox)",
    "SmtpReceive": "SMTP Receive",
    "AntiSpam": "anti-spam agents",
    "Submission": "Submission queue and Categorizer",
}


def trace(result: Results, message_id: int) -> str:
    """The journey of `message_id` as text; needs a run recorded with `record: hops` (else NotRecorded says so)."""
    all_hops = result.hops  # first: a run without hops is told how to keep them, not "no message 1"
    messages = result.messages[result.messages["message_id"] == message_id]
    if messages.empty:
        known = result.messages["message_id"]
        span = f"{known.min()}..{known.max()}" if len(known) else "none"
        raise KeyError(f"no message {message_id} in this run (message ids {span})")
    hops = all_hops[all_hops["message_id"] == message_id].sort_values(["started_at", "finished_at"], kind="stable")
    first = messages.iloc[0]
    lines = [
        f"Message {message_id} from {first['sender']} on {first['origin_server']}: "
        f"{len(messages)} recipient(s), {first['size_bytes'] / 1024:.1f} KB, sent at t={first['submitted_at']:.3f}s"
    ]
    origin = str(first["origin_server"])
    submission = result.record.submission
    if origin in submission and len(hops):
        hub = hops.iloc[0]["server"]
        why = _submission_reason(submission[origin], hub)
        lines.append(f"  {origin}: Mail Submission Service hands it to {hub} ({why})")
    types = result.stations.set_index(["server", "station"])["delivery_type"]
    for row in hops.itertuples():
        delivery_type = types.loc[(row.server, row.station)]
        label = STATION_LABELS.get(row.station, f"queue {row.server}\\{row.station} ({delivery_type})")
        line = (f"  {row.server}: {label}: waited {row.wait_s:.3f}s (thread {row.thread_wait_s:.3f}s, "
                f"core {row.core_wait_s:.3f}s), served {row.service_s:.3f}s")  # fmt: skip
        why = _why(result, row, delivery_type)
        lines.append(line + (f"\n      {why}" if why else ""))
    lines.append("  Outcome:")
    for row in messages.itertuples():
        if row.status == "delivered":
            lines.append(
                f"    {row.recipient}: delivered to {row.destination_server} at t={row.finished_at:.3f}s "
                f"(latency {row.latency_s:.3f}s) by {row.path}"
            )
        else:
            lines.append(f"    {row.recipient}: {row.status} at t={row.finished_at:.3f}s: {row.reason}")
    return "\n".join(lines)


def _submission_reason(policy: dict, hub: str) -> str:
    if policy["local"] == hub:
        return "the local Hub: this Mailbox server holds the Hub role"
    return f"round robin over the site's Hubs that are up: {', '.join(policy['hubs'])}"


def _why(result: Results, row, delivery_type: str) -> str:
    """The routing decision behind a remote queue, as the model made it."""
    record = result.record
    sites_with_hubs = {site for site, role in zip(record.server_sites, record.server_roles)
                       if role in ("Hub", "Mailbox+Hub")}  # fmt: skip
    if delivery_type == "SmtpRelayToRemoteAdSite" and row.station in sites_with_hubs:
        site_of = dict(zip(record.servers, record.server_sites))
        role_of = dict(zip(record.servers, record.server_roles))
        if role_of.get(row.server) == "Edge":
            return f"Edge relays accepted-domain mail in to the Hubs of {row.station}, round robin"
        source_site = site_of[row.server]
        routes = {(r["source"], r["target"]): r for r in record.routes}
        targets = sorted(set(result.messages.loc[result.messages["message_id"] == row.message_id, "destination_site"]))
        chosen = [routes[(source_site, t)] for t in targets if (source_site, t) in routes]
        chosen = [r for r in chosen if r["next_hop"] == row.station] or [
            r for r in [routes.get((source_site, row.station))] if r is not None
        ]
        reason = "; ".join(dict.fromkeys(r["reason"] for r in chosen))
        target = _next_server(result, row)
        return f"{reason}; target Hub {target} by round robin" if target else reason
    decisions = [d["reason"] for d in record.decisions if d["server"] == row.server]
    if delivery_type in (
        "DnsConnectorDelivery", "SmartHostConnectorDelivery", "SmtpRelayWithinAdSiteToEdge", "SmtpRelayWithinAdSite",
        "Unreachable",
    ):  # fmt: skip
        matching = [text for text in decisions if row.station.lower() in text.lower()]
        return matching[0] if matching else (decisions[0] if decisions else "")
    return ""


def _next_server(result: Results, row) -> str | None:
    hops = result.hops
    later = hops[
        (hops["message_id"] == row.message_id)
        & (hops["queued_at"] >= row.finished_at - 1e-9)
        & (hops["server"] != row.server)
    ]
    return None if later.empty else str(later.sort_values("queued_at").iloc[0]["server"])


__all__ = ["trace"]
