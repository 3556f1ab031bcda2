"""The declared pipelines (sim.model.pipelines) are the map of the code: the roles build their fixed stages from them,
and every move a message makes in a real run is one they declare, found from the hop records alone."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

import sim
from sim.model.pipelines import ENTRIES, PIPELINES, moves, stage_of
from sim.model.roles.edge import EdgeTransport
from sim.model.roles.hub import HubTransport

SCENARIOS = ("two-sites", "edge-internet", "shared-namespace", "three-sites-hub-site", "colocated-hub")
END = {"Hub": "Mailbox or next server", "Edge": "next server"}


def test_every_declared_done_is_a_method_of_its_role():
    """A stage's `done` names the method that takes a message when its service ends (queues made per next hop
    take it in their own `finish`; the Unreachable queue resubmits)."""
    classes = {"Hub": HubTransport, "Edge": EdgeTransport}
    for role, stages in PIPELINES.items():
        for stage in stages.values():
            if stage.done in ("finish", "resubmit"):
                continue
            assert callable(getattr(classes[role], stage.done, None)), (role, stage.done)


@pytest.fixture(scope="module", params=SCENARIOS)
def hops(request) -> tuple[pd.DataFrame, dict[str, str]]:
    path = ROOT / "scenarios" / f"{request.param}.yaml"
    result = sim.run(path, overrides={"duration": "40m", "warmup": 0, "record": "hops", "tracking_log": False})
    roles = dict(zip(result.record.servers, result.record.server_roles))
    stations = result.record.stations
    types = dict(zip(zip(stations["server"], stations["station"]), stations["delivery_type"]))
    hops = result.hops.assign(delivery_type=[types[(str(a), str(b))] for a, b in
                                             zip(result.hops["server"], result.hops["station"])])  # fmt: skip
    return hops, roles


def _name(role: str, station: str, delivery_type: str) -> str:
    """How the declarations name a station: its fixed name, or its delivery type for a queue made per next hop."""
    stage = stage_of(role, station, delivery_type)
    assert stage is not None, f"a {role} station {station} ({delivery_type}) no pipeline declares"
    return stage.station if stage.delivery_type in ("Stage", "Undefined", "Unreachable") else stage.delivery_type


def test_every_station_a_run_makes_is_declared_and_every_move_a_message_makes_too(hops):
    frame, roles = hops
    role_of = {server: ("Edge" if role == "Edge" else "Hub") for server, role in roles.items()}
    rows = frame.assign(role=frame["server"].astype(str).map(role_of))
    rows["name"] = [_name(r, str(s), str(t)) for r, s, t in zip(rows["role"], rows["station"], rows["delivery_type"])]
    entries = {station for _, station in ENTRIES.values()} | {"SmtpReceive"}
    declared = {role: moves(role) for role in PIPELINES}
    by_message = rows.sort_values(["message_id", "queued_at"]).groupby("message_id", sort=False)
    seen = set()
    for _, copies in by_message:
        ends = list(zip(copies["finished_at"], copies["role"], copies["name"], copies["server"].astype(str)))
        for queued, role, name, server in zip(copies["queued_at"], copies["role"], copies["name"],
                                              copies["server"].astype(str)):  # fmt: skip
            before = [(r, n, s) for t, r, n, s in ends if t == queued and (s, n) != (server, name)]
            if not before:
                # an entry; or a queue trying again later (a 4xx deferral, or the Unreachable queue resubmitting
                # to the categorizer): the message was on this server before
                again = any(t < queued and s == server and n in (name, "Unreachable") for t, _, n, s in ends)
                assert name in entries or again, f"{server} {name}: a message starts here, which is no entry"
                continue
            allowed = False
            for prior_role, prior, prior_server in before:
                if prior_server == server:
                    allowed |= (prior, name) in declared[role]
                else:  # handed to the next server: its SMTP Receive
                    allowed |= (prior, f"next:{role} {name}") in declared[prior_role]
                seen.add((prior_role, prior, role, name))
            assert allowed, f"{server} {name}: reached from {before}, which no pipeline declares"
    assert seen  # the walk found moves to check
