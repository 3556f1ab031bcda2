"""Cross-checks on faults: what they name must exist, and they must start before the run ends.

They read the raw mapping (sim.scenario.checks.read), so a file's mistakes are all reported at once; the
schedule's order (up_at after down_at) lives here only, not also in Fault, for the same reason.
"""

from __future__ import annotations

from ..errors import Problem, nearest
from ..faults import TARGET_FIELD, Fault
from . import read
from .timing import seconds


def fault_problems(raw: dict, names: dict[str, list[str]], end_time: float) -> list[Problem]:
    """Problems of every fault. `names`: hubs (Transport servers with the Hub role, co-located included),
    edges, mailbox (Mailbox servers), sites, links (pairs of sites joined), connectors (Send connector names)."""
    problems: list[Problem] = []
    for i, fault in enumerate(read.items(raw.get("faults"))):
        kind = read.get(fault, "kind") or "transport"
        if kind not in TARGET_FIELD:
            continue  # the shape check reports it
        problems += _target(f"faults[{i}]", kind, fault, names)
        problems += _schedule(f"faults[{i}]", fault, end_time)
    return problems


def _target(at: str, kind: str, fault, names: dict[str, list[str]]) -> list[Problem]:
    needed = TARGET_FIELD[kind]
    if read.get(fault, needed) is None:
        return [Problem(f"{at}.{needed}", f"required key is missing: {Fault.model_fields[needed].description}")]
    if kind in ("transport", "server"):
        return _server_target(at, kind, read.get(fault, "server"), names)
    if kind in ("site_link", "partition"):
        return _site_target(at, kind, read.get(fault, "sites"), names)
    if kind == "send_connector":
        connector = read.get(fault, "connector")
        if isinstance(connector, str) and connector not in names["connectors"]:
            return [Problem(f"{at}.connector", f"unknown Send connector {connector!r}"
                            f"{nearest(connector, names['connectors'])}")]  # fmt: skip
    return []


def _server_target(at: str, kind: str, server, names: dict[str, list[str]]) -> list[Problem]:
    """A transport fault names a Hub or Edge; a server fault any server."""
    if not isinstance(server, str):
        return []
    transport = names["hubs"] + names["edges"]
    if kind == "transport" and server in names["mailbox"] and server not in transport:
        return [Problem(f"{at}.server", f"{server!r} is a Mailbox server without the Hub role; a fault stops the "
                        f"Transport service of a Hub or Edge Transport server (those servers: "
                        f"{', '.join(transport) or 'none'})")]  # fmt: skip
    known = transport if kind == "transport" else list(dict.fromkeys(transport + names["mailbox"]))
    if server not in known:
        what = "Hub or Edge Transport server" if kind == "transport" else "server"
        return [Problem(f"{at}.server", f"unknown {what} {server!r}{nearest(server, known)}")]
    return []


def _site_target(at: str, kind: str, sites, names: dict[str, list[str]]) -> list[Problem]:
    """A partition names known sites; a site_link fault two sites a link joins."""
    problems = [Problem(f"{at}.sites[{j}]", f"unknown site {site!r}{nearest(str(site), names['sites'])}")
                for j, site in enumerate(read.items(sites)) if site not in names["sites"]]  # fmt: skip
    if kind == "site_link" and not problems and len(read.items(sites)) == 2:
        a, b = sites
        if frozenset((a, b)) not in names["links"]:
            problems.append(Problem(f"{at}.sites", f"no site link joins {a!r} and {b!r}; name the two sites "
                                    "of a link under site_links"))  # fmt: skip
    return problems


def _schedule(at: str, fault, end_time: float) -> list[Problem]:
    problems = []
    down, up = read.get(fault, "down_at"), read.get(fault, "up_at")
    if down is not None and seconds(down) > end_time:
        problems.append(Problem(f"{at}.down_at", "the fault starts after the run ends; make down_at earlier than "
                                "duration"))  # fmt: skip
    if up is not None and down is not None and seconds(up) <= seconds(down):
        problems.append(Problem(f"{at}.up_at", f"must be later than down_at, got {up!r} while down_at is {down!r}"))
    first = read.get(fault, "first_at")
    if first is not None and seconds(first) > end_time:
        problems.append(Problem(f"{at}.first_at", "the fault first starts after the run ends; make it earlier"))
    return problems


def link_pairs(raw: dict) -> set[frozenset]:
    """The pairs of sites a site link joins."""
    pairs = set()
    for link in read.items(raw.get("site_links")):
        ends = read.get(link, "sites")
        if isinstance(ends, (list, tuple)) and len(ends) == 2 and all(isinstance(e, str) for e in ends):
            pairs.add(frozenset(ends))
    return pairs
