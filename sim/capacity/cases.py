"""What `exsim size` simulates for one candidate: which Hubs are down (the cases) and over which window.

Cases: with `failures` = k, every combination of k Hubs of the site down for the whole run. Hubs that are
identical (the same settings but name and address, and named nowhere else in the scenario: not by a
Send connector, an Internet entry list, an SMTP client or a fault) are interchangeable by symmetry: the
Mail Submission Service's round robin and the relays treat them alike, so one combination stands for
every combination that takes down as many of them. Only distinct cases are simulated, and the sizing
says so.

Window: Hubs down for the whole run make the hour that matters the busiest hour of the workload's curve
(the largest hourly weight inside the generation window). So the run simulated is the scenario's warm-up
followed by that hour, not the whole day: the scenario's clock is moved so the run starts a warm-up
before it. A scenario with faults of its own, or a flat rate (every hour the same), keeps its own
window: there the hours that matter are its own.
"""

from __future__ import annotations

import itertools
import json
import math

from ..scenario.schema import Scenario

HOUR = 3600.0


def site_of(path: str) -> str | None:
    """The site a parameter path names (sites.Seattle.hub_count -> Seattle), or None."""
    parts = path.replace("[", ".").replace("]", "").split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "sites" else None


def _sites(scenario: Scenario, site: str | None) -> list:
    return [s for s in scenario.sites if site is None or s.name == site or str(scenario.sites.index(s)) == site]


def identical_groups(scenario: Scenario, site) -> list[list[str]]:
    """The site's Hubs grouped into classes of interchangeable ones (a Hub that is not is a class of its own)."""
    rest = scenario.model_dump(mode="json")
    for s in rest["sites"]:
        s["hubs"] = []  # what names a Hub outside its own entry
    elsewhere = json.dumps(rest)
    groups: dict[str, list[str]] = {}
    for hub in site.all_hubs:
        named = f'"{hub.name}"' in elsewhere
        key = hub.name if named else json.dumps(hub.model_dump(mode="json", exclude={"name", "ip"}), sort_keys=True)
        groups.setdefault(key, []).append(hub.name)
    return list(groups.values())


def down_combinations(scenario: Scenario, site: str | None, failures: int) -> list[frozenset[str]]:
    """Every combination of `failures` Hubs of the site down (of each site in turn when none is named)."""
    if failures <= 0:
        return [frozenset()]
    combos = []
    for s in _sites(scenario, site):
        names = [hub.name for hub in s.all_hubs]
        combos += [frozenset(c) for c in itertools.combinations(names, min(failures, len(names)))]
    return combos or [frozenset()]


def distinct_cases(scenario: Scenario, site: str | None, failures: int) -> tuple[list[frozenset[str]], list[str]]:
    """(the combinations to simulate, notes): one combination per class of interchangeable Hubs taken down."""
    combos = down_combinations(scenario, site, failures)
    if failures <= 0:
        return combos, []
    notes, class_of = [], {}
    for s in _sites(scenario, site):
        for group in identical_groups(scenario, s):
            for name in group:
                class_of[name] = group[0]
            if len(group) > 1:
                notes.append(f"identical Hubs (same settings, named nowhere else) in site {s.name}: taking down any "
                             f"{failures} of them is one case")  # fmt: skip
    kept: dict[tuple, frozenset[str]] = {}
    for combo in combos:
        kept.setdefault(tuple(sorted(class_of.get(name, name) for name in combo)), combo)
    return list(kept.values()), notes


def sites_without_hubs(scenario: Scenario, down: frozenset[str]) -> list[str]:
    """Sites whose users or mailboxes have no Hub left when `down` are down: their mail can never move."""
    return [s.name for s in scenario.sites
            if any(m.mailboxes > 0 for m in s.mailbox_servers) and all(h.name in down for h in s.all_hubs)]  # fmt: skip


def focus(scenario: Scenario) -> dict:
    """Overrides that cut the run to its warm-up and the busiest hour of the curve (module docstring); {} to keep it."""
    workload = scenario.workload
    if scenario.faults or workload.rate is not None or len(set(workload.hourly_weights)) == 1:
        return {}
    offset = -workload.start_of_day % HOUR  # the first full clock hour starts this long into the run
    first = offset + math.ceil(max(scenario.warmup - offset, 0) / HOUR) * HOUR  # clock hours after warm-up
    starts = [first + k * HOUR for k in range(int((scenario.duration - HOUR - first) // HOUR) + 1)]
    if not starts:
        return {}

    def weight(t: float) -> float:
        return workload.hourly_weights[int((workload.start_of_day + t) // HOUR) % 24]

    peak = max(starts, key=lambda t: (weight(t), -t))  # the first of equal peaks
    begin = peak - scenario.warmup
    if begin <= 0 and peak + HOUR >= scenario.duration:
        return {}  # already no more than warm-up and the hour
    day = (workload.start_of_day + begin) // 86400
    return {"workload.start_of_day": (workload.start_of_day + begin) % 86400,
            "start_date": _plus_days(scenario.start_date, int(day)), "duration": scenario.warmup + HOUR}  # fmt: skip


def _plus_days(date: str, days: int) -> str:
    from datetime import date as Date
    from datetime import timedelta

    return (Date.fromisoformat(date) + timedelta(days=days)).isoformat() if days else date
