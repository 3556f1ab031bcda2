"""Property: in any small organisation, every recipient ends in exactly one state, and nothing is lost.

Hypothesis draws the organisation (sites, Hubs, Mailbox servers, an Edge), its workload and outages;
each recipient of each message must appear exactly once: delivered, NDR'd or rejected in the messages
table, or still held (with its place) in the in-flight table.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim

STAGES = {"categorizer": "200ms", "store_driver_deliver": "100ms", "smtp_send": "50ms"}


@st.composite
def organisations(draw) -> dict:
    n_sites = draw(st.integers(1, 3))
    sites, hubs = [], []
    for i in range(n_sites):
        site_hubs = [f"S{i}-HUB{j}" for j in range(draw(st.integers(1, 2)))]
        hubs += site_hubs
        mailbox_servers = [
            {"name": f"S{i}-MBX{j}", "mailboxes": draw(st.integers(1, 60)), "roles": ["mailbox"]}
            for j in range(draw(st.integers(1, 2)))
        ]
        if draw(st.booleans()):
            mailbox_servers[0]["roles"] = ["mailbox", "hub"]  # a co-located Hub
            hubs.append(mailbox_servers[0]["name"])
        sites.append({"name": f"S{i}", "hubs": [{"name": h, "cores": draw(st.integers(1, 4))} for h in site_hubs],
                      "mailbox_servers": mailbox_servers})  # fmt: skip
    duration = draw(st.integers(300, 1200))
    faults = []
    for hub in draw(st.lists(st.sampled_from(hubs), max_size=2, unique=True)):
        down = draw(st.integers(0, duration - 1))
        up = draw(st.one_of(st.none(), st.integers(down + 1, duration + 600)))
        faults.append({"server": hub, "down_at": down, **({"up_at": up} if up is not None else {})})
    edge = draw(st.booleans())
    return {
        "name": "property",
        "duration": duration,
        "drain": draw(st.sampled_from([0, 300])),
        "seed": draw(st.integers(0, 10_000)),
        "sites": sites,
        "site_links": [{"sites": [f"S{i}", f"S{i + 1}"], "latency": "10ms"} for i in range(n_sites - 1)],
        "stages": STAGES,
        "workload": {
            "rate": f"{draw(st.floats(0.1, 2.0)):.3f}/s",
            "recipients": {"dist": "geometric", "mean": draw(st.floats(1.0, 4.0))},
            "unknown_share": draw(st.sampled_from([0.0, 0.1])),
        },
        "faults": faults,
        "edges": [{"name": "EDGE1", "subscribed_site": "S0"}] if edge else [],
        "internet": {"inbound_rate": "0.5/s" if edge else 0, "unknown_recipient_share": 0.1},
        "mail_submission": {"retry_interval": "20s"},
        "transport": {"message_expiration_timeout": "10m"},
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_every_recipient_ends_in_exactly_one_state(scenario):
    result = sim.run(scenario)
    summary = result.summary()
    assert summary["lost"] == 0
    ended = result.messages[["message_id", "recipient"]]
    held = result.in_flight[["message_id", "recipient"]]
    every = pd.concat([ended, held], ignore_index=True)
    assert not every.duplicated().any()  # no recipient in two states, nor twice in one
    assert len(every) == summary["recipients_total"]
    assert summary["delivered"] + summary["ndr"] + summary["rejected"] == len(ended)
