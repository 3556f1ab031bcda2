"""Plain-text reports for the terminal: the run summary and a scenario's topology and assumptions."""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from ..exchange.receive.servers import assumed_receive_defaults
from ..exchange.topology import Topology, site_order
from ..scenario.schema import Scenario
from ..scenario.units import format_duration
from .hours_text import hour_rows, verdict_rows
from .numbers import seconds
from .thresholds import summary_lines


def format_summary(summary: dict) -> str:
    """The headline figures as an aligned table, never in scientific notation (sim.results.numbers);
    the first line says PARTIAL when the run was stopped before its end (Ctrl-C)."""
    partial = "  PARTIAL: stopped before the end, what finished so far" if summary.get("partial") else ""
    lines = [
        f"{summary['scenario']}  (seed {summary['seed']}, {format_duration(summary['simulated_s'])} simulated){partial}",
        "",
    ]
    rows = [
        ("messages generated", f"{summary['messages_generated']:,}"),
        ("recipients", f"{summary['recipients_total']:,}"),
        ("  delivered", f"{summary['delivered']:,}"),
        ("  NDR", f"{summary['ndr']:,}"),
        ("    of them expired", f"{summary.get('expired', 0):,}"),
        ("  rejected", f"{summary['rejected']:,}"),
        ("  Poison queue", f"{summary.get('poison', 0):,}"),
        ("  still queued at end", f"{summary['in_queue_at_end']:,}{_by_state(summary)}"),
        ("  lost (must be 0)", f"{summary['lost']:,}"),
        ("delay DSNs sent", f"{summary.get('delay_dsns', 0):,}"),
        ("back pressure refusals (retried)", f"{summary.get('refused_and_retried', 0):,}"),
        ("throughput", f"{summary['throughput_per_hour']:,.0f} recipients/h"),
        (
            "latency p50 / p90 / p99",
            " / ".join(seconds(summary[k]) for k in ("latency_p50_s", "latency_p90_s", "latency_p99_s")),
        ),
        ("latency max", seconds(summary["latency_max_s"])),
    ]
    width = max(len(label) for label, _ in rows)
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    peak = summary.get("peak_utilisation_by_server", {})
    lines += ["", f"{'server':<{width}}  submissions  core utilisation" + ("  at the busiest hour" if peak else "")]
    for server, share in summary["utilisation_by_server"].items():
        submitted = summary["submissions_by_hub"].get(server)
        count = f"{submitted:>11,}" if submitted is not None else f"{'-':>11}"
        at_peak = f"  {peak[server] * 100:>19.1f}%" if server in peak else ""
        lines.append(f"{server:<{width}}  {count}  {share * 100:>15.1f}%{at_peak}")
    lines += format_peak(summary, width)
    if summary.get("outcomes_by_reason"):
        lines += ["", "NDRs and rejections by reason"]
        lines += [f"  {reason}: {n:,}" for reason, n in summary["outcomes_by_reason"].items()]
    lines += _pressure_lines(summary, width)
    busiest = sorted(summary["max_queue_length"].items(), key=lambda kv: -kv[1])[:5]
    if busiest and busiest[0][1] > 0:
        lines += ["", "max queue length (most messages held at once, waiting or in service)"]
        lines += [f"  {queue:<{width}}  {length:,}" for queue, length in busiest if length > 0]
    counters = summary_lines(summary)
    if counters:
        lines += ["", "performance counters against Microsoft's thresholds (Exchange 2007, bb201704)"]
        lines += [f"  {line}" for line in counters]
    return "\n".join(lines)


def _by_state(summary: dict) -> str:
    """ "  (Ready 12, Retry 30)": what the mail still queued is doing, when any is."""
    states = summary.get("still_queued_by_state") or {}
    return f"  ({', '.join(f'{state} {n:,}' for state, n in states.items())})" if states else ""


def _pressure_lines(summary: dict, width: int) -> list[str]:
    """Faults that happened, and time each server spent at Medium or High back pressure (if any)."""
    lines = []
    if summary.get("faults"):
        lines += ["", f"fault windows: {summary['faults']}"]
    pressed = {server: spent for server, spent in (summary.get("back_pressure_seconds") or {}).items()
               if spent.get("Medium", 0) or spent.get("High", 0)}  # fmt: skip
    if pressed:
        lines += ["", f"{'back pressure':<{width}}  time at Medium / High"]
        lines += [f"  {server:<{width - 2}}  {format_duration(spent['Medium'])} / {format_duration(spent['High'])}"
                  for server, spent in pressed.items()]  # fmt: skip
    return lines


def format_peak(summary: dict, width: int = 24) -> list[str]:
    """The hours that matter (busiest, worst, each fault window) and the overload verdict (sim.results.hours_text)."""
    rows = hour_rows(summary)
    if not rows:
        return []
    width = max(width, *(len(label) for label, _ in rows))
    lines = [""]
    for label, text in rows:
        if not label.startswith(" ") and len(lines) > 1:
            lines.append("")
        lines.append(f"{label:<{width}}  {text}")
    verdict = verdict_rows(summary)
    warn = "WARNING " if summary.get("overload") and not summary.get("partial") else ""
    return lines + [""] + [warn + line for line in verdict] if verdict else lines


def format_topology(scenario: Scenario, topology: Topology) -> str:
    """Sites, servers, site links and routes, then the defaults this scenario relies on."""
    lines = [f"{scenario.name}: valid", ""]
    for site in scenario.sites:
        lines.append(f"AD site {site.name}")
        for hub in site.all_hubs:
            lines.append(f"  Hub Transport  {hub.name}  ({hub.cores} cores)")
        for mbx in site.mailbox_servers:
            role = " + Hub role" if mbx.is_hub else ""
            lines.append(f"  Mailbox        {mbx.name}  ({mbx.mailboxes:,} mailboxes{role})")
    if scenario.site_links:
        lines += ["", "IP site links"]
        for link in scenario.site_links:
            cost = f"cost {link.cost}" + (f", Exchange cost {link.exchange_cost}" if link.exchange_cost else "")
            lines.append(
                f"  {link.sites[0]} - {link.sites[1]}: {cost}, latency {format_duration(link.latency)}, "
                f"{link.bandwidth / 1e6:g} Mbps"
            )
    if len(scenario.sites) > 1:
        lines += ["", *_routes(scenario, topology)]
    assumed = _collapse(
        [
            (path, value)
            for path, value in unconfirmed_defaults(scenario)
            if ".receive_connectors" not in path and not path.endswith("receive_connectors")
        ]
    )
    if assumed:
        lines += ["", "Assumed defaults (UNCONFIRMED for Exchange 2007; set them to override):"]
        lines += [f"  {path} = {value}" for path, value in assumed]
    receive = assumed_receive_defaults(scenario)
    if receive:
        lines += [
            "",
            "Assumed Receive connectors (E2010 defaults and usage-type table, UNCONFIRMED for Exchange 2007; "
            "set receive_connectors to override):",
        ]
        lines += [f"  {line}" for line in receive]
    return "\n".join(lines)


def _routes(scenario: Scenario, topology: Topology) -> list[str]:
    """Each site's routing table: target, path, cost and next hop, with the reason underneath."""
    hub_sites = [site.name for site in scenario.sites if site.hub_site]
    lines = [
        "Routes: least cost (Exchange cost where set); on a tie fewest hops, then the lower name of the",
        "site before the destination; direct relay to the target site unless a hub site is on the path",
    ]
    if hub_sites:
        lines.append(f"Hub sites: {', '.join(hub_sites)}")
    names = sorted(topology.site_names, key=site_order)
    for source in topology.site_names:
        table = {route.target: route for route in topology.routing_table(source)}
        rows = [
            (target, " > ".join(table[target].path), str(table[target].cost), table[target].next_hop)
            if target in table
            else (target, "no route: no IP site link path joins them", "", "")
            for target in names
            if target != source
        ]
        widths = [
            max([len(title)] + [len(row[i]) for row in rows if row[0] in table or i == 0])
            for i, title in enumerate(("to", "path", "cost"))
        ]
        lines.append(f"  from {source}")
        lines.append(f"    {'to':<{widths[0]}}  {'path':<{widths[1]}}  {'cost':>{widths[2]}}  next hop")
        for target, path, cost, next_hop in rows:
            lines.append(f"    {target:<{widths[0]}}  {path:<{widths[1]}}  {cost:>{widths[2]}}  {next_hop}".rstrip())
            if target in table:
                lines.append(f"    {'':<{widths[0]}}  {table[target].reason}")
    return lines


def _collapse(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One line per field and value: sites[0].hubs[1].cores and sites[1].hubs[0].cores become sites[*].hubs[*].cores."""
    import re

    grouped: dict[tuple[str, str], int] = {}
    for path, value in found:
        key = (re.sub(r"\[\d+\]", "[*]", path), value)
        grouped[key] = grouped.get(key, 0) + 1
    return [(path if n == 1 else f"{path} ({n} servers)", value) for (path, value), n in grouped.items()]


def unconfirmed_defaults(model: BaseModel, prefix: str = "") -> list[tuple[str, str]]:
    """Fields left at a default whose description marks it UNCONFIRMED, with the value used."""
    found = []
    for name, field in type(model).model_fields.items():
        if name == "hub" and not getattr(model, "is_hub", True):
            continue  # Hub settings of a Mailbox server without the Hub role are unused
        if name == "mapi_encryption_cost" and not getattr(model, "mapi_encryption_required", False):
            continue  # the cost only applies where MAPI encryption is required
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            if name in model.model_fields_set:
                found += unconfirmed_defaults(value, path + ".")
            elif "UNCONFIRMED" in (field.description or ""):
                found.append((path, _short(value)))
            else:
                found += unconfirmed_defaults(value, path + ".")
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                found += unconfirmed_defaults(item, f"{path}[{i}].")
        elif name not in model.model_fields_set and "UNCONFIRMED" in (field.description or ""):
            found.append((path, _short(value, field)))
    return found


def _short(value, field=None) -> str:
    """A value as a person would write it in the scenario file."""
    from ..scenario.distributions import TimeDistribution

    if isinstance(value, BaseModel):
        timed = isinstance(value, TimeDistribution)
        parts = []
        for key, item in value.model_dump(exclude_none=True).items():
            if timed and key in ("mean", "per_kb", "per_recipient"):
                if item == 0 and key != "mean":
                    continue
                item = format_duration(item)
            parts.append(f"{key}={item}")
        return ", ".join(parts)
    if field is not None and isinstance(value, float) and any("duration" in str(m) for m in field.metadata):
        return format_duration(value)
    return str(value)


def format_queue_view(view) -> str:
    """Get-Queue's table: Identity, DeliveryType, Status, MessageCount, NextHopDomain, NextRetryTime, LastError,
    under the instant it shows (sim.results.instant)."""
    at, seconds = view.attrs["at"], view.attrs["seconds"]
    lines = [f"Get-Queue at {at:%H:%M:%S} ({format_duration(seconds)} into the run; every event before this "
             "instant, none at it)", ""]  # fmt: skip
    header = ("Identity", "DeliveryType", "Status", "MessageCount", "NextHopDomain", "NextRetryTime", "LastError")

    def text(value) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        return f"{value:%H:%M:%S}" if isinstance(value, pd.Timestamp) else str(value)

    rows = [[text(row[column]) for column in header] for _, row in view.iterrows()]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)
