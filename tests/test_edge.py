"""Edge Transport: inbound Internet mail through the anti-spam agents, outbound mail through the Edge."""

from __future__ import annotations

import math

from conftest import ZERO_STAGES, shared_run

import sim

AGENTS = [
    {"name": "connection_filtering", "reject_share": 0.5},
    {"name": "sender_filtering", "reject_share": 0.1},
    {"name": "recipient_filtering", "reject_share": 0.0},
    {"name": "sender_id", "reject_share": 0.05},
    {"name": "content_filter", "reject_share": 0.3},
    {"name": "attachment_filter", "reject_share": 0.02},
    {"name": "antivirus", "reject_share": 0.01},
]


def edge_scenario(**internet) -> dict:
    return {
        "name": "edge",
        "duration": "2h",
        "drain": "30m",
        "seed": 8,
        "sites": [
            {
                "name": "A",
                "hubs": [{"name": "HUB1"}, {"name": "HUB2"}],
                "mailbox_servers": [
                    {"name": "MBX1", "mailboxes": 500, "sends_mail": False},
                    {"name": "MBX2", "mailboxes": 500, "sends_mail": False},
                ],
            }
        ],
        "edges": [{"name": "EDGE1", "subscribed_site": "A"}, {"name": "EDGE2", "subscribed_site": "A"}],
        "internet": {
            "inbound_rate": "20/s",
            "recipients": {"dist": "constant", "mean": 1},
            "unknown_recipient_share": 0.0,
            "antispam": AGENTS,
            **internet,
        },
    }


def test_each_agent_rejects_its_configured_share_of_what_reaches_it():
    result = shared_run(edge_scenario())
    rejected = result.summary()["rejected_by"]
    reaching = result.summary()["internet_messages_generated"]
    assert reaching > 100_000
    for agent in AGENTS:
        share, n = agent["reject_share"], rejected.get(agent["name"], 0)
        if share == 0:
            assert n == 0
            continue
        sigma = math.sqrt(reaching * share * (1 - share))
        assert abs(n - reaching * share) < 4 * sigma, (agent["name"], n, reaching * share)
        reaching -= n
    assert result.summary()["delivered"] == reaching  # survivors all delivered (drain lets them finish)
    assert result.summary()["lost"] == 0


def test_survivors_reach_the_right_mailboxes_through_an_edge_and_a_hub():
    result = shared_run(edge_scenario())
    messages = result.messages
    delivered = messages[messages["status"] == "delivered"]
    model_topology = sim.Model(sim.load_scenario(edge_scenario())).topology
    for row in delivered.head(2000).itertuples():
        mailbox = int(row.recipient.split("@")[0].removeprefix("user"))
        assert row.destination_server == model_topology.servers[model_topology.mailbox_server_of(mailbox)]
        hops = row.path.split(">")
        assert hops[0] == "Internet" and hops[1] in ("EDGE1", "EDGE2") and hops[2] in ("HUB1", "HUB2")
        assert hops[3] == row.destination_server
    # MX records of equal preference spread mail evenly over the Edges; the Edges round robin the Hubs
    edges = delivered["path"].astype(str).str.split(">").str[1].value_counts(normalize=True)
    assert abs(edges["EDGE1"] - 0.5) < 0.02
    hubs = delivered["path"].astype(str).str.split(">").str[2].value_counts(normalize=True)
    assert abs(hubs["HUB1"] - 0.5) < 0.01


def test_recipient_filtering_rejects_unknown_recipients_with_5_1_1():
    agents = [{"name": "recipient_filtering", "reject_share": 0.0}]
    scenario = edge_scenario(unknown_recipient_share=0.2, antispam=agents)
    scenario["duration"] = "20m"  # 24,000 messages: thousands of unknown recipients
    result = sim.run(scenario)
    messages = result.messages
    unknown = messages[messages["recipient"].str.startswith("nouser")]
    assert len(unknown) > 1000
    assert (unknown["status"] == "rejected").all()
    assert set(unknown["reason"]) == {"550 5.1.1 User unknown"}
    assert (messages[~messages["recipient"].str.startswith("nouser")]["status"] == "delivered").all()


def test_receive_connector_limits_on_the_edge():
    scenario = edge_scenario(
        antispam=[],
        recipients={"dist": "constant", "mean": 450},
        inbound_rate="0.05/s",
        size={"dist": "empirical", "samples": ["50KB", "50KB", "50KB", "11MB"]},
    )
    scenario["stages"] = ZERO_STAGES
    scenario["record"] = "hops"
    result = sim.run(scenario)
    messages = result.messages
    too_large = messages[messages["size_bytes"] > 10 * 1024 * 1024]
    assert len(too_large) > 0 and (too_large["status"] == "rejected").all()
    assert set(too_large["reason"]) == {"552 5.3.4 Message size exceeds fixed maximum message size"}
    accepted = messages[messages["size_bytes"] <= 10 * 1024 * 1024]
    assert (accepted["status"] == "delivered").all()
    # 450 recipients arrive in batches of 200, 200 and 50: three SMTP transactions per message
    antispam = result.hops[result.hops["station"] == "AntiSpam"]
    per_message = antispam.groupby("message_id").size()
    assert set(per_message) == {3}


def outbound_scenario(**extra) -> dict:
    scenario = {
        "name": "outbound",
        "duration": "1h",
        "drain": "1h",
        "seed": 2,
        "sites": [{"name": "A", "hubs": [{"name": "HUB1"}], "mailbox_servers": [{"name": "MBX1", "mailboxes": 100}]}],
        "edges": [{"name": "EDGE1", "subscribed_site": "A"}, {"name": "EDGE2", "subscribed_site": "A"}],
        "workload": {
            "rate": "1/s",
            "recipients": {"dist": "constant", "mean": 1},
            "size": "20KB",
            "domains": [{"domain": "fabrikam.com", "share": 1.0}],
        },
    }
    scenario.update(extra)
    return scenario


def test_outbound_mail_leaves_through_an_edge():
    result = sim.run(outbound_scenario())
    messages = result.messages
    assert (messages["status"] == "delivered").all()
    paths = set(messages["path"].astype(str))
    assert paths == {"MBX1>HUB1>EDGE1>Internet", "MBX1>HUB1>EDGE2>Internet"}
    stations = result.stations.set_index("queue")
    assert stations.loc["HUB1\\EdgeSync - A to Internet", "delivery_type"] == "SmtpRelayWithinAdSiteToEdge"
    assert stations.loc["EDGE1\\fabrikam.com", "delivery_type"] == "DnsConnectorDelivery"
    assert result.summary()["lost"] == 0


def test_transient_failures_are_deferred_and_retried():
    """A 4xx defers the message; it retries on the Edge's schedule (DOMAIN.md 5.1): four glitch retries
    1 min apart, then TransientFailureRetryInterval (10 min on an Edge)."""
    scenario = outbound_scenario(internet={"transient_failure_share": 0.2, "latency": "0s", "bandwidth": "unlimited"})
    scenario["stages"] = ZERO_STAGES
    result = sim.run(scenario)
    latency = result.messages["latency_s"]
    assert (result.messages["status"] == "delivered").all()
    first_try = (latency < 1).mean()
    assert abs(first_try - 0.8) < 0.03
    waits = [60.0] * 4 + [600.0] * 6 + [1800.0] * 10  # the delay before each retry, by deferral number
    after = {round(sum(waits[:k]), 6): k for k in range(1, len(waits) + 1)}  # total wait -> deferrals
    retried = latency[latency >= 1]
    deferrals = [after[round(value, 6)] for value in retried]  # KeyError if a wait is off the schedule
    assert max(deferrals) >= 2
    log = result.tracking_log
    assert (log["event-id"] == "DEFER").sum() == sum(deferrals)
