"""Each role's pipeline in one place, as Exchange draws it: the stages a message passes and what hands to what.

This is the map to follow a message with (docs/exchange/roles-and-pipeline.md has Exchange's own account).
A stage is a station (sim.model.station): a queue with a thread limit whose service runs on its server's
cores; when a message's service ends, the stage's `done` method of its server takes it and hands it on
to one of `hands_to` (a stage of the same server, a stage of another server, or an end). The roles build
their fixed stages from these declarations (TransportServer.stage_of), and tests/test_pipelines.py walks
the hop records of real runs and checks that every move a message made is declared here.

    workload (sim.model.workload) ─▶ Mailbox server Outbox (sim.model.roles.mailbox, sim.model.submission)
                                        │ the Hub's Store Driver pulls with its submission threads
    Hub Transport                       ▼
      StoreDriverSubmission ──_submitted──┐
      SmtpReceive ─────────────_received──┴─▶ Submission (categorizer) ──_route──┬─▶ mailbox delivery queue
                                                                                 │     ──_deliver──▶ delivered
                                                                                 ├─▶ remote delivery queue
                                                                                 │     ──finish──▶ a Hub's SmtpReceive
                                                                                 ├─▶ Send connector queue (to the Edges,
                                                                                 │   other Hubs, a domain or smart host)
                                                                                 │     ──finish──▶ their SmtpReceive
                                                                                 ├─▶ Unreachable queue (waits for a route)
                                                                                 └─▶ NDR, Poison queue
    Edge Transport
      Internet ─▶ AntiSpam (SMTP Receive and the agents) ──_filtered──┐ (or rejected)
      Hubs ─▶ SmtpReceive ─────────────────────────────────_received──┴─▶ Submission ──_route──┬─▶ EdgeSync inbound
                                                                                             │     ──finish──▶ a Hub's SmtpReceive
                                                                                             └─▶ queue per remote domain
                                                                                                   ──finish──▶ the Internet

Every end is recorded by sim.model.recorder (delivered, NDR, rejected, poison) or listed as still held.
"""

from __future__ import annotations

from dataclasses import dataclass

DELIVERED, SENT_OUT, NDR, REJECTED, POISON = "delivered", "sent to the Internet", "NDR", "rejected", "Poison"
"""The ends a message can reach."""


@dataclass(frozen=True)
class Stage:
    """One stage of a role's pipeline."""

    station: str
    """Queue Viewer's name of the station; for queues made per next hop, what they are named after."""
    delivery_type: str
    """Get-Queue's DeliveryType ("Stage" for a stage of the model that Get-Queue does not list)."""
    threads: str
    """What bounds its concurrency (a Set-TransportServer setting, or none)."""
    service: str
    """The scenario's `stages.<service>` that sets its core time."""
    done: str
    """The method of the server that takes a message whose service ended."""
    hands_to: tuple[str, ...]
    """Where `done` hands the message: station or delivery type names, "next:<role> <station>" for a stage of
    the next server, or an end."""


HUB: dict[str, Stage] = {
    "submit": Stage("StoreDriverSubmission", "Stage", "max_concurrent_mailbox_submissions", "store_driver_submit",
                    "_submitted", ("Submission", NDR)),
    "receive": Stage("SmtpReceive", "Stage", "none (SMTP sessions)", "smtp_receive", "_received", ("Submission",)),
    "categorizer": Stage("Submission", "Undefined", "categorizer_threads", "categorizer", "_route",
                         ("MapiDelivery", "SmtpRelayToRemoteAdSite", "SmtpRelayWithinAdSiteToEdge",
                          "SmtpRelayWithinAdSite", "DnsConnectorDelivery", "SmartHostConnectorDelivery", "Unreachable",
                          NDR, POISON)),
    "mailbox_delivery": Stage("the Mailbox server", "MapiDelivery", "max_concurrent_mailbox_deliveries",
                              "store_driver_deliver", "_deliver", (DELIVERED,)),
    "remote_delivery": Stage("the next-hop AD site", "SmtpRelayToRemoteAdSite", "max_per_domain_outbound_connections",
                             "smtp_send", "finish", ("next:Hub SmtpReceive",)),
    "to_edge": Stage("the Send connector to the Edges", "SmtpRelayWithinAdSiteToEdge",
                     "max_per_domain_outbound_connections", "smtp_send", "finish", ("next:Edge SmtpReceive",)),
    "to_source_hub": Stage("a Send connector of other Hubs of the site", "SmtpRelayWithinAdSite",
                           "max_per_domain_outbound_connections", "smtp_send", "finish", ("next:Hub SmtpReceive",)),
    "to_internet": Stage("the remote domain (by MX)", "DnsConnectorDelivery", "max_per_domain_outbound_connections",
                         "smtp_send", "finish", (SENT_OUT,)),
    "to_smart_host": Stage("the smart host", "SmartHostConnectorDelivery", "max_per_domain_outbound_connections",
                           "smtp_send", "finish", (SENT_OUT,)),
    "unreachable": Stage("Unreachable", "Unreachable", "none (held)", "none", "resubmit", ("Submission", NDR)),
}  # fmt: skip
"""Hub Transport (DOMAIN.md 1.2)."""

EDGE: dict[str, Stage] = {
    "antispam": Stage("AntiSpam", "Stage", "none (SMTP sessions)", "smtp_receive", "_filtered",
                      ("Submission", REJECTED)),
    "receive": Stage("SmtpReceive", "Stage", "none (SMTP sessions)", "smtp_receive", "_received", ("Submission",)),
    "categorizer": Stage("Submission", "Undefined", "EDGE_CATEGORIZER_THREADS", "categorizer", "_route",
                         ("SmtpRelayToRemoteAdSite", "DnsConnectorDelivery", "SmartHostConnectorDelivery",
                          "Unreachable", NDR, POISON)),
    "inbound": Stage("EdgeSync - Inbound to SITE", "SmtpRelayToRemoteAdSite", "max_per_domain_outbound_connections",
                     "smtp_send", "finish", ("next:Hub SmtpReceive",)),
    **{name: HUB[name] for name in ("to_internet", "to_smart_host", "unreachable")},  # as on a Hub
}  # fmt: skip
"""Edge Transport (DOMAIN.md 1.3)."""

ENTRIES: dict[str, tuple[str, str]] = {
    "a user's message (Mailbox server Outbox)": ("Hub", "StoreDriverSubmission"),
    "Internet mail (a remote MTA)": ("Edge", "AntiSpam"),
    "an SMTP client (POP3/IMAP4 user, application)": ("Hub or Edge", "SmtpReceive"),
}
"""Where mail enters the organisation."""

PIPELINES: dict[str, dict[str, Stage]] = {"Hub": HUB, "Edge": EDGE}


def stage_of(role: str, station: str, delivery_type: str) -> Stage | None:
    """The declared stage a station of a role is: by its name for fixed stages, else by its delivery type."""
    stages = PIPELINES.get(role, {}).values()
    return next((s for s in stages if s.station == station), None) or next(
        (s for s in stages if s.delivery_type == delivery_type and s.delivery_type not in ("Stage", "Undefined")), None
    )


def moves(role: str) -> set[tuple[str, str]]:
    """Every (from, to) a role's pipeline declares, stages named by station (fixed) or delivery type (per hop)."""
    found = set()
    for stage in PIPELINES[role].values():
        source = stage.station if stage.delivery_type in ("Stage", "Undefined", "Unreachable") else stage.delivery_type
        found |= {(source, target) for target in stage.hands_to}
    return found
