"""Property: random fault schedules on the bundled scenarios never lose mail, and every recipient ends in
exactly one state (delivered, NDR'd, rejected, poison, or still held with its place)."""

from __future__ import annotations

import pandas as pd
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.scenario.loading import read_yaml

BUNDLED = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))


def names(scenario: sim.Scenario) -> dict[str, list]:
    transport = [h.name for site in scenario.sites for h in site.all_hubs] + [e.name for e in scenario.edges]
    servers = transport + [m.name for site in scenario.sites for m in site.mailbox_servers if m.name not in transport]
    return {"transport": transport, "server": servers, "site_link": [list(link.sites) for link in scenario.site_links],
            "partition": [[site.name] for site in scenario.sites]}  # fmt: skip


@st.composite
def faulted(draw) -> dict:
    raw = read_yaml(ROOT / "scenarios" / draw(st.sampled_from(BUNDLED)))
    raw.pop("faults", None)  # ours replace the scenario's own
    base = sim.load_scenario(raw, {"duration": "20m", "warmup": "0s", "drain": "10m"})
    raw = base.model_dump(mode="json", by_alias=True, exclude={"faults"})
    raw["transport"] = {**raw["transport"], "message_expiration_timeout": 1800, "delay_notification_timeout": 900}
    options = names(base)
    faults = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from([k for k in ("transport", "server", "site_link", "partition", "internet")
                                     if k == "internet" or options[k]]))  # fmt: skip
        down = draw(st.integers(0, 1500))
        window = {"down_at": down, "up_at": down + draw(st.integers(1, 1500))} if draw(st.booleans()) else {
            "every": 600, "for": draw(st.integers(1, 599))}  # fmt: skip
        if kind in ("transport", "server"):
            target = {"server": draw(st.sampled_from(options[kind]))}
        elif kind == "internet":
            target = {"mode": draw(st.sampled_from(["refuse", "unreachable"]))}
        else:
            target = {"sites": draw(st.sampled_from(options[kind]))}
        faults.append({"kind": kind, **target, **window})
    raw["faults"] = faults
    return raw


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(faulted())
def test_random_faults_lose_nothing(scenario):
    result = sim.run(scenario, overrides={"record": "messages", "tracking_log": False})
    summary = result.summary()
    assert summary["lost"] == 0
    ended = result.messages[["message_id", "recipient"]]
    every = pd.concat([ended, result.in_flight[["message_id", "recipient"]]], ignore_index=True)
    assert not every.duplicated().any()
    assert len(every) == summary["recipients_total"]
