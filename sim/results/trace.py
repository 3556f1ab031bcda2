"""`exsim trace`: one message's journey, hop by hop, with each routing decision and why (for teaching)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .results import Results

STATION_LABELS = {
    "StoreDriverSubmission": "Store Driver submission (from the Outbox)",
    "SmtpReceive": "SMTP Receive",
    "AntiSpam": "anti-spam agents",
    "Submission": "Submission queue and Categorizer",
}


def trace(result: Results, message_id: int) -> str:
    """The journey of `message_id` as text; needs a run recorded with `record: hops`."""
    messages = result.messages[result.messages["message_id"] == message_id]
    if messages.empty:
        known = result.messages["message_id"]
        span = f"{known.min()}..{known.max()}" if len(known) else "none"
        raise KeyError(f"no message {message_id} in this run (message ids {span})")
    hops = result.hops[result.hops["message_id"] == message_id].sort_values(
        ["started_at", "finished_at"], kind="stable"
    )
    model = result._model
    first = messages.iloc[0]
    lines = [
        f"Message {message_id} from {first['sender']} on {first['origin_server']}: "
        f"{len(messages)} recipient(s), {first['size_bytes'] / 1024:.1f} KB, sent at t={first['submitted_at']:.3f}s"
    ]
    origin = str(first["origin_server"])
    if origin in model.mailbox_servers and len(hops):
        hub = hops.iloc[0]["server"]
        lines.append(
            f"  {origin}: Mail Submission Service hands it to {hub} ({_submission_reason(model, origin, hub)})"
        )
    for row in hops.itertuples():
        station = result._station_named(row.server, row.station)
        label = STATION_LABELS.get(row.station, f"queue {row.server}\\{row.station} ({station.delivery_type})")
        line = f"  {row.server}: {label}: waited {row.wait_s:.3f}s, served {row.service_s:.3f}s"
        why = _why(result, row, station)
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


def _submission_reason(model, mailbox: str, hub: str) -> str:
    role = model.mailbox_servers[mailbox]
    if role.selector.local is not None and role.selector.local.name == hub:
        return "the local Hub: this Mailbox server holds the Hub role"
    names = ", ".join(h.name for h in role.selector.hubs)
    return f"round robin over the site's Hubs that are up: {names}"


def _why(result: Results, row, station) -> str:
    """The routing decision behind a remote queue, as the model made it."""
    model = result._model
    if station.delivery_type == "SmtpRelayToRemoteAdSite" and row.station in model.topology.hubs_by_site:
        source_site = model.hubs[row.server].site if row.server in model.hubs else None
        if source_site is None:
            return f"Edge relays accepted-domain mail in to the Hubs of {row.station}, round robin"
        targets = sorted(set(result.messages.loc[result.messages["message_id"] == row.message_id, "destination_site"]))
        routes = [
            model.topology.route(source_site, t)
            for t in targets
            if t in model.topology.hubs_by_site and t != source_site
        ]
        routes = [r for r in routes if r.next_hop == row.station] or [model.topology.route(source_site, row.station)]
        reason = "; ".join(dict.fromkeys(r.reason for r in routes))
        target = _next_server(result, row)
        return f"{reason}; target Hub {target} by round robin" if target else reason
    decisions = [text for (server, _), text in model.router.decisions.items() if server == row.server]
    if station.delivery_type in (
        "DnsConnectorDelivery",
        "SmartHostConnectorDelivery",
        "SmtpRelayWithinAdSiteToEdge",
        "SmtpRelayWithinAdSite",
        "Unreachable",
    ):
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


__all__ = ["trace", "pd"]
