"""Cross-checks on faults: what they name must exist, and they must start before the run ends.

They read the raw mapping (sim.scenario.loose), so a file's mistakes are all reported at once; a
few repeat a Fault validator because pydantic skips a model's own validator once a field is wrong.
"""

from __future__ import annotations

from . import loose
from .errors import Problem, nearest
from .faults import TARGET_FIELD, Fault
from .units import parse_duration


def fault_problems(raw: dict, names: dict[str, list[str]], end_time: float) -> list[Problem]:
    """Problems of every fault. `names`: hubs (Transport servers with the Hub role, co-located included),
    edges, mailbox (Mailbox servers), sites, links (pairs of sites joined), connectors (Send connector names)."""
    problems: list[Problem] = []
    for i, fault in enumerate(loose.items(raw.get("faults"))):
        kind = loose.get(fault, "kind") or "transport"
        if kind not in TARGET_FIELD:
            continue  # the shape check reports it
        problems += _target(f"faults[{i}]", kind, fault, names)
        problems += _schedule(f"faults[{i}]", fault, end_time)
    return problems


def _target(at: str, kind: str, fault, names: dict[str, list[str]]) -> list[Problem]:
    needed = TARGET_FIELD[kind]
    if loose.get(fault, needed) is None:
        return [Problem(f"{at}.{needed}", f"required key is missing: {Fault.model_fields[needed].description}")]
    transport = names["hubs"] + names["edges"]
    if kind in ("transport", "server"):
        server = loose.get(fault, "server")
        if not isinstance(server, str):
            return []
        if kind == "transport" and server in names["mailbox"] and server not in transport:
            return [Problem(f"{at}.server", f"{server!r} is a Mailbox server without the Hub role; a fault stops the "
                            f"Transport service of a Hub or Edge Transport server (those servers: "
                            f"{', '.join(transport) or 'none'})")]  # fmt: skip
        known = transport if kind == "transport" else list(dict.fromkeys(transport + names["mailbox"]))
        if server not in known:
            what = "Hub or Edge Transport server" if kind == "transport" else "server"
            return [Problem(f"{at}.server", f"unknown {what} {server!r}{nearest(server, known)}")]
        return []
    if kind in ("site_link", "partition"):
        sites = loose.get(fault, "sites")
        problems = [Problem(f"{at}.sites[{j}]", f"unknown site {site!r}{nearest(str(site), names['sites'])}")
                    for j, site in enumerate(loose.items(sites)) if site not in names["sites"]]  # fmt: skip
        if kind == "site_link" and not problems and len(loose.items(sites)) == 2:
            a, b = sites
            if frozenset((a, b)) not in names["links"]:
                problems.append(Problem(f"{at}.sites", f"no site link joins {a!r} and {b!r}; name the two sites "
                                        "of a link under site_links"))  # fmt: skip
        return problems
    if kind == "send_connector":
        connector = loose.get(fault, "connector")
        if isinstance(connector, str) and connector not in names["connectors"]:
            return [Problem(f"{at}.connector", f"unknown Send connector {connector!r}"
                            f"{nearest(connector, names['connectors'])}")]  # fmt: skip
    return []


def _schedule(at: str, fault, end_time: float) -> list[Problem]:
    problems = []
    down, up = loose.get(fault, "down_at"), loose.get(fault, "up_at")
    if down is not None and _seconds(down) > end_time:
        problems.append(Problem(f"{at}.down_at", "the fault starts after the run ends; make down_at earlier than "
                                "duration"))  # fmt: skip
    if up is not None and down is not None and _seconds(up) <= _seconds(down):
        problems.append(Problem(f"{at}.up_at", f"must be later than down_at, got {up!r} while down_at is {down!r}"))
    first = loose.get(fault, "first_at")
    if first is not None and _seconds(first) > end_time:
        problems.append(Problem(f"{at}.first_at", "the fault first starts after the run ends; make it earlier"))
    return problems


def link_pairs(raw: dict) -> set[frozenset]:
    """The pairs of sites a site link joins."""
    pairs = set()
    for link in loose.items(raw.get("site_links")):
        ends = loose.get(link, "sites")
        if isinstance(ends, (list, tuple)) and len(ends) == 2 and all(isinstance(e, str) for e in ends):
            pairs.add(frozenset(ends))
    return pairs


def _seconds(value) -> float:
    try:
        return parse_duration(value)
    except (ValueError, TypeError):
        return float("nan")
