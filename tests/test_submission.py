"""Mail Submission Service: round robin over the site's Hubs, local preference, failover, Outbox."""

from __future__ import annotations

import pandas as pd
from conftest import one_site

import sim


def first_hub(result: sim.Results) -> pd.Series:
    """The Hub each recipient's message was submitted to (second server on its path)."""
    return result.messages["path"].astype(str).str.split(">").str[1]


def test_round_robin_over_four_hubs_gives_each_a_quarter():
    scenario = one_site(hubs=4, rate="20/s", duration="1100s")
    result = sim.run(scenario)
    submissions = result.summary()["submissions_by_hub"]
    total = sum(submissions.values())
    assert total >= 20_000
    for hub, count in submissions.items():
        assert abs(count / total - 0.25) <= 0.01, (hub, count, total)
    # and per message, as the paths show it
    shares = first_hub(result).value_counts(normalize=True)
    assert set(shares.index) == {"HUB1", "HUB2", "HUB3", "HUB4"}
    assert (shares - 0.25).abs().max() <= 0.01


def test_round_robin_rotates_in_order():
    result = sim.run(one_site(hubs=3, rate="1/s", duration="60s"))
    hubs = first_hub(result).groupby(result.messages["message_id"]).first().tolist()
    assert hubs[:6] == ["HUB1", "HUB2", "HUB3", "HUB1", "HUB2", "HUB3"]


def colocated(faults=()) -> dict:
    scenario = one_site(hubs=2, rate="5/s", duration="3h", faults=list(faults))
    scenario["sites"][0]["mailbox_servers"] = [{"name": "MBXHUB", "mailboxes": 100, "roles": ["mailbox", "hub"]}]
    return scenario


def test_colocated_hub_takes_all_submissions():
    summary = sim.run(colocated()).summary()
    assert summary["submissions_by_hub"]["MBXHUB"] == summary["messages_generated"]
    assert summary["submissions_by_hub"]["HUB1"] == summary["submissions_by_hub"]["HUB2"] == 0


def test_colocated_hub_down_fails_over_evenly_then_returns():
    t1, t2 = 3600.0, 7200.0
    result = sim.run(colocated([{"server": "MBXHUB", "down_at": "1h", "up_at": "2h"}]))
    messages = result.messages.assign(hub=first_hub(result))
    before = messages[messages["submitted_at"] < t1]
    during = messages[(messages["submitted_at"] > t1) & (messages["submitted_at"] < t2)]
    after = messages[messages["submitted_at"] > t2]
    assert set(before["hub"]) == {"MBXHUB"}
    assert set(after["hub"]) == {"MBXHUB"}
    assert set(during["hub"]) == {"HUB1", "HUB2"}
    shares = during["hub"].value_counts(normalize=True)
    assert abs(shares["HUB1"] - 0.5) <= 0.01
    assert result.summary()["lost"] == 0


def test_no_hub_of_another_site_is_ever_used():
    scenario = one_site(hubs=1, rate="2/s", duration="2h", faults=[{"server": "HUB1", "down_at": "30m", "up_at": "1h"}])
    scenario["sites"].append(
        {
            "name": "B",
            "hubs": [{"name": "BHUB"}],
            "mailbox_servers": [{"name": "BMBX", "mailboxes": 100, "sends_mail": False}],
        }
    )
    scenario["site_links"] = [{"sites": ["A", "B"], "cost": 10}]
    result = sim.run(scenario)
    summary = result.summary()
    assert summary["submissions_by_hub"]["BHUB"] == 0
    # mail generated while the only Hub of A was down waited in the Outbox, then went to HUB1
    messages = result.messages
    waited = messages[(messages["submitted_at"] > 1800) & (messages["submitted_at"] < 3600)]
    assert len(waited) > 1000
    assert (waited["delivered_at"] >= 3600).all()
    assert set(first_hub(result)) == {"HUB1"}
    assert summary["lost"] == 0


def test_outbox_holds_mail_while_no_hub_is_up_and_counts_it_at_the_end():
    scenario = one_site(hubs=1, rate="2/s", duration="1h", faults=[{"server": "HUB1", "down_at": "30m"}])
    summary = sim.run(scenario).summary()
    assert summary["in_queue_at_end"] > 3000  # about 30 min x 2/s, waiting in the Outbox
    assert summary["lost"] == 0
    assert summary["delivered"] + summary["in_queue_at_end"] == summary["recipients_total"]
