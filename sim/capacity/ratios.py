"""The Mailbox:Hub processor-core rule of thumb (DOMAIN.md 7) beside a scenario's own load.

7:1 without antivirus on the Hubs, 5:1 with it (published for Exchange 2010; the 2007 table is
UNCONFIRMED). Mailbox cores come from `mailbox_servers[].cores` (not simulated; unknown when unset);
a Mailbox server with the Hub role counts as Mailbox cores, its Hub role is not a dedicated Hub.
"""

from __future__ import annotations

import math

from ..scenario.schema import Scenario
from .analytic import hub_core_load


def rule_ratio(scenario: Scenario) -> int:
    """7, or 5 with antivirus on the Hubs."""
    return 5 if scenario.stages.hub_antivirus else 7


def mailbox_cores(scenario: Scenario, site: str | None = None) -> int | None:
    """Processor cores of the Mailbox servers (of one site), or None if any is unknown."""
    servers = [m for s in scenario.sites if site is None or s.name == site for m in s.mailbox_servers]
    if not servers or any(m.cores is None for m in servers):
        return None
    return sum(m.cores for m in servers)


def dedicated_hub_cores(scenario: Scenario, site: str | None = None) -> int:
    """Processor cores of the dedicated Hubs (of one site)."""
    return sum(hub.cores for s in scenario.sites if site is None or s.name == site for hub in s.hubs)


def ratio_lines(scenario: Scenario) -> list[str]:
    """`exsim validate`'s capacity lines: messages per second per Hub core at the busiest hour, the core ratio."""
    rate, cores = hub_core_load(scenario)
    lines = ["", "Capacity (busiest hour of the run, DOMAIN.md 7):"]
    per_core = rate / cores if cores else math.inf
    lines.append(f"  {rate:,.2f} messages/s reach the Hubs: {per_core:,.2f} messages/s per Hub core ({cores} cores)")
    if scenario.internet.inbound_rate > 0:
        lines.append(f"  (plus what passes the Edges of internet.inbound_rate, {scenario.internet.inbound_rate:.3g} messages/s "
                     "offered: the simulation says how much)")  # fmt: skip
    mbx, hub = mailbox_cores(scenario), dedicated_hub_cores(scenario)
    rule = rule_ratio(scenario)
    if mbx is None:
        lines.append("  Mailbox:Hub processor cores: unknown (set mailbox_servers[].cores)")
    elif hub == 0:
        lines.append(f"  Mailbox:Hub processor cores {mbx}:0 (no dedicated Hub)")
    else:
        lines.append(f"  Mailbox:Hub processor cores {mbx}:{hub} = {mbx / hub:.2g}:1 "
                     f"(rule of thumb {rule}:1{' with antivirus on the Hubs' if rule == 5 else ''})")  # fmt: skip
    return lines


def rule_of_thumb(scenario: Scenario, site: str | None, parameter: str) -> list[str]:
    """What the rule of thumb would give for the sized parameter, to print beside the answer."""
    rule = rule_ratio(scenario)
    mbx = mailbox_cores(scenario, site)
    where = f"site {site}" if site else "the organisation"
    if mbx is None:
        return [f"Rule of thumb ({rule}:1 Mailbox:Hub cores): Mailbox cores of {where} unknown "
                "(set mailbox_servers[].cores)"]  # fmt: skip
    hub_cores = math.ceil(mbx / rule)
    hubs = [hub for s in scenario.sites if site is None or s.name == site for hub in s.hubs]
    per_hub = hubs[-1].cores if hubs else 4
    line = f"Rule of thumb ({rule}:1 Mailbox:Hub cores{', antivirus on' if rule == 5 else ''}): {mbx} Mailbox cores"
    line += f" in {where} need {hub_cores} Hub cores"
    if parameter.endswith(("hub_count", "hubs")):
        line += f": {math.ceil(hub_cores / per_hub)} Hubs of {per_hub} core{'s' * (per_hub != 1)} (the rule has no N-1)"
    elif parameter.endswith("cores") and hubs:
        line += f": {math.ceil(hub_cores / len(hubs))} cores on each of {len(hubs)} Hubs"
    return [line]
