"""The end of a run: everything the model knows, copied into one `RunRecord` of plain data.

After this the model can be dropped: Results, `trace`, figures and files read only the record.
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np

from ..formats.events import FAULT_WINDOWS_RECORD
from ..formats.messages import IN_FLIGHT_RECORD
from ..formats.record import DELIVERED, NDR, POISON, REJECTED, RunRecord
from ..formats.routes import DECISIONS, ROUTES
from ..formats.stations import SERVERS, STATIONS
from .statistics import server_row, station_row

if TYPE_CHECKING:
    from .organisation import Model

PACKAGES = ("exsim", "simpy", "numpy", "pandas", "networkx", "pydantic")


def versions() -> dict[str, str]:
    """The versions that shape a run's numbers, stored with every result."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found


def snapshot(model: Model) -> RunRecord:
    """The record of a run that has ended."""
    recorder, topology, scenario = model.recorder, model.topology, model.scenario
    span = model.env.now - scenario.warmup
    sources = model.sources
    in_flight, places = _in_flight(model)
    counts = {
        "messages_generated": sum(source.generated for source in sources),
        "internet_messages_generated": model.internet.generated,
        "recipients_generated": sum(source.recipients_generated for source in sources),
        "delivered": recorder.outcomes[DELIVERED],
        "ndr": recorder.outcomes[NDR],
        "rejected": recorder.outcomes[REJECTED],
        "poison": recorder.outcomes[POISON],
        "expired": recorder.expired,
        "delay_dsns": recorder.delay_dsns,
        "refused_and_retried": recorder.refused_and_retried,
        "in_flight": len(in_flight["recipient"]),
        "delivered_in_window": recorder.delivered_in_window,
    }
    rejected_by: dict[str, int] = {}
    for edge in model.edges.values():
        for agent, n in edge.rejected_by.items():
            rejected_by[agent] = rejected_by.get(agent, 0) + n
    samples, states, first = recorder.sample_columns()
    record = RunRecord(
        scenario=scenario,
        seed=model.seed,
        versions=versions(),
        end_time=model.env.now,
        servers=list(topology.servers),
        server_sites=list(topology.server_site),
        server_roles=_roles(model),
        addresses=model.addresses,
        counts=counts,
        outcome_reasons=[(status, reason, n) for (status, reason), n in sorted(recorder.outcome_reasons.items())],
        rejected_by=dict(sorted(rejected_by.items())),
        submissions_by_hub={name: hub.submissions for name, hub in model.hubs.items()},
        latencies=np.array(recorder.latencies, dtype=np.float64),
        in_flight=in_flight,
        in_flight_places=places,
        messages=recorder.message_columns(),
        paths=list(recorder.paths),
        reasons=list(recorder.reasons),
        hops=recorder.hop_columns(),
        stations=STATIONS.from_rows([station_row(station, span) for station in model.stations]),
        server_stats=SERVERS.from_rows([server_row(server, span) for server in model.transport_servers.values()]),
        sample_times=np.array(recorder.sample_times, dtype=np.float64),
        first_sample=first,
        samples=samples,
        sample_states=states,
        categorized=recorder.categorized_columns(),
        routes=_routes(model),
        decisions=DECISIONS.from_rows(
            [{"server": s, "domain": d, "reason": why} for (s, d), why in model.router.decisions.items()]
        ),
        submission={
            name: {
                "local": role.selector.local.name if role.selector.local is not None else None,
                "hubs": [hub.name for hub in role.selector.hubs],
            }
            for name, role in model.mailbox_servers.items()
        },  # fmt: skip
        smtp_sessions=model.smtp_sessions or [],
    )
    record.sample_peaks = recorder.peak_columns()
    record.queue_events, record.event_texts = recorder.queue_event_columns()
    record.pressure_events = recorder.pressure_columns()
    record.fault_windows = FAULT_WINDOWS_RECORD.from_rows(recorder.fault_windows)
    record.latency_submitted = np.array(recorder.latency_submitted, dtype=np.float64)
    record.expired_submitted = np.array(recorder.expired_submitted, dtype=np.float64)
    record.load_entries = recorder.entries_columns()
    record.outbox_servers, record.outbox_samples = list(recorder.outbox_servers), recorder.outbox_columns()
    record.load_generated = np.array(recorder.load_generated, dtype=np.int64)
    record.load_servers = list(recorder.load_servers)
    record.load_core_seconds = np.array(recorder.load_core_seconds, dtype=np.float64).reshape(
        len(record.load_generated), len(recorder.load_servers)
    )
    if recorder.keep_tracking:
        record.tracking_recorded, record.message_info = recorder.tracking_recorded(), recorder.message_info_columns()
    return record


def _roles(model: Model) -> list[str]:
    roles = []
    mailbox = set(model.mailbox_servers)
    for name, site in zip(model.topology.servers, model.topology.server_site):
        if name in model.edges:
            roles.append("Edge")
        elif name in model.hubs:
            roles.append("Mailbox+Hub" if name in mailbox else "Hub")
        elif name in mailbox:
            roles.append("Mailbox")
        elif name == "Internet":
            roles.append("Internet")
        else:
            roles.append("Clients" if site == "Clients" else "External")
    return roles


def _in_flight(model: Model) -> tuple[dict[str, np.ndarray], list[str]]:
    """Every recipient still held at the end, one row each, with the place that holds it."""
    ids, recipients, origins, place_ids, submitted = [], [], [], [], []
    places: dict[str, int] = {}
    for where, state, msg in model.held():
        where = f"{where} ({state})"
        place = places.setdefault(where, len(places))
        for recipient in msg.recipients:
            ids.append(msg.id)
            recipients.append(recipient)
            origins.append(msg.origin)
            place_ids.append(place)
            submitted.append(msg.submitted_at)
    columns = {"message_id": ids, "recipient": recipients, "origin": origins, "place": place_ids,
               "submitted_at": submitted}  # fmt: skip
    return IN_FLIGHT_RECORD.columns_from(columns), list(places)


def _routes(model: Model) -> dict[str, np.ndarray]:
    """The AD-site route from every site with a Hub to every other site it reaches."""
    topology = model.topology
    rows = []
    for source in topology.site_names:
        for route in topology.routing_table(source):
            rows.append({"source": route.source, "target": route.target, "path": ">".join(route.path),
                         "next_hop": route.next_hop, "cost": route.cost, "reason": route.reason})  # fmt: skip
    return ROUTES.from_rows(rows)
