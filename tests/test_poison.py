"""Poison messages (DOMAIN.md 1.2): a message that crashes the Transport service when categorized; after
its second crash (PoisonThreshold 2) it goes to the Poison queue, Suspended, and is reported, not retried."""

from __future__ import annotations

from conftest import ZERO_STAGES, one_site

import sim


def scenario(share: float) -> dict:
    # each poison message costs two crashes and two 1-minute restarts: 0.004/s leaves the Hub time to clear them
    s = one_site(hubs=1, rate="0.004/s", duration="3h", drain="1h", poison={"share": share, "restart_delay": "1m"})
    s["stages"] = {**ZERO_STAGES, "categorizer": "1s"}
    return s


def test_a_message_in_two_crashes_ends_in_the_poison_queue():
    result = sim.run(scenario(1.0))
    summary = result.summary()
    assert summary["messages_generated"] > 25
    assert summary["poison"] == summary["recipients_total"] and summary["delivered"] == 0
    assert summary["lost"] == 0 and summary["in_queue_at_end"] == 0
    assert (result.messages["status"] == "poison").all()
    log = result.tracking_log
    assert (log["event-id"] == "POISONMESSAGE").sum() == summary["messages_generated"]
    # each message crashed the service twice: two stops of the Submission queue per message
    events = result.queue_events
    stops = events[(events["queue"] == "HUB1\\Submission") & (events["status"] == "Suspended")]
    assert len(stops) == 2 * summary["messages_generated"]
    held = result.stations.set_index("queue").loc["HUB1\\Poison"]
    assert held["arrivals"] == summary["messages_generated"]


def test_only_the_poison_share_crashes_and_the_rest_is_delivered():
    result = sim.run(scenario(0.5))
    summary = result.summary()
    assert 0 < summary["poison"] < summary["recipients_total"]
    assert summary["poison"] + summary["delivered"] == summary["recipients_total"]
    assert summary["lost"] == 0
