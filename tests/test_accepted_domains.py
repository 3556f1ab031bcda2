"""Accepted domains (Authoritative, Internal Relay, External Relay) and Send connector choice, in the model."""

from __future__ import annotations

from conftest import ZERO_STAGES, shared_run

import sim


def org(domains, accepted=(), connectors=(), edges=True, unknown_share=0.0, **extra) -> dict:
    scenario = {
        "name": "domains",
        "duration": "30m",
        "drain": "10m",
        "seed": 6,
        "domain": "contoso.com",
        "sites": [
            {
                "name": "Main",
                "hubs": [{"name": "HUB1"}, {"name": "HUB2"}],
                "mailbox_servers": [{"name": "MBX1", "mailboxes": 200}],
            }
        ],
        "edges": [{"name": "EDGE1", "subscribed_site": "Main"}] if edges else [],
        "accepted_domains": list(accepted),
        "send_connectors": list(connectors),
        "transport": {"message_expiration_timeout": "5m"},
        "workload": {
            "rate": "2/s",
            "recipients": {"dist": "constant", "mean": 1},
            "size": "20KB",
            "unknown_share": unknown_share,
            "domains": [{"domain": d, "share": s} for d, s in domains],
        },
    }
    scenario.update(extra)
    return scenario


def by_domain(result):
    messages = result.messages.copy()
    messages["domain"] = messages["recipient"].str.split("@").str[1]
    messages["known"] = ~messages["recipient"].str.startswith("nouser")
    return messages


def test_authoritative_known_recipients_are_delivered_unknown_get_an_ndr_5_1_1():
    result = sim.run(org([("contoso.net", 0.1)], accepted=["contoso.com", "contoso.net"], unknown_share=0.1))
    messages = by_domain(result)
    known = messages[(messages["domain"] == "contoso.com") & messages["known"]]
    assert (known["status"] == "delivered").all() and len(known) > 2000
    unknown = messages[~messages["known"]]
    assert len(unknown) > 200 and (unknown["status"] == "ndr").all()
    assert unknown["reason"].str.startswith("550 5.1.1").all()
    # a second authoritative domain has no mailboxes here: every address in it is unknown
    other = messages[messages["domain"] == "contoso.net"]
    assert len(other) > 200 and (other["status"] == "ndr").all()
    log = result.tracking_log
    assert {"FAIL", "DSN"} <= set(log["event-id"])


NOTES = {
    "name": "To Notes",
    "address_spaces": ["notes.contoso.com"],
    "source_servers": ["HUB1", "HUB2"],
    "delivery": "smart_host",
    "smart_hosts": ["notes-gw.contoso.com"],
}


def test_internal_relay_goes_through_the_send_connector_for_its_address_space():
    result = shared_run(
        org(
            [("notes.contoso.com", 0.5)],
            accepted=["contoso.com", {"domain": "notes.contoso.com", "type": "internal_relay"}],
            connectors=[NOTES],
        )
    )
    messages = by_domain(result)
    relayed = messages[messages["domain"] == "notes.contoso.com"]
    assert len(relayed) > 1000 and (relayed["status"] == "delivered").all()
    assert set(relayed["destination_server"]) == {"notes-gw.contoso.com"}
    assert relayed["path"].astype(str).str.endswith(">notes-gw.contoso.com").all()
    stations = result.stations.set_index("queue")
    assert stations.loc["HUB1\\notes-gw.contoso.com", "delivery_type"] == "SmartHostConnectorDelivery"


def test_internal_relay_without_a_connector_is_unreachable_then_ndr_5_4_4():
    result = sim.run(
        org(
            [("notes.contoso.com", 0.5)],
            edges=False,
            accepted=["contoso.com", {"domain": "notes.contoso.com", "type": "internal_relay"}],
        )
    )
    messages = by_domain(result)
    relayed = messages[messages["domain"] == "notes.contoso.com"]
    assert len(relayed) > 1000 and (relayed["status"] == "ndr").all()
    assert relayed["reason"].str.contains("5.4.4").all()
    # each waited in the Unreachable queue until it expired (5 minutes after it was sent)
    assert ((relayed["finished_at"] - relayed["submitted_at"]) >= 300 - 1e-6).all()
    queues = result.queues
    unreachable = queues[queues["queue"].isin(["HUB1\\Unreachable", "HUB2\\Unreachable"])]
    assert unreachable["length"].max() > 10
    assert set(unreachable["delivery_type"]) == {"Unreachable"}


def test_unknown_user_of_an_internal_relay_domain_is_not_ndred_here():
    """Internal Relay domains are exempt from recipient resolution: the other system decides."""
    result = shared_run(
        org(
            [("notes.contoso.com", 0.5)],
            accepted=["contoso.com", {"domain": "notes.contoso.com", "type": "internal_relay"}],
            connectors=[NOTES],
        )
    )
    assert result.summary()["ndr"] == 0


def test_external_relay_leaves_through_the_edge():
    result = sim.run(
        org(
            [("partner.contoso.com", 0.5)],
            accepted=["contoso.com", {"domain": "partner.contoso.com", "type": "external_relay"}],
        )
    )
    messages = by_domain(result)
    relayed = messages[messages["domain"] == "partner.contoso.com"]
    assert len(relayed) > 1000 and (relayed["status"] == "delivered").all()
    assert relayed["path"].astype(str).str.contains(">EDGE1>Internet").all()


def test_external_relay_with_no_edge_and_no_connector_is_unreachable():
    result = sim.run(
        org(
            [("partner.contoso.com", 0.5)],
            edges=False,
            accepted=["contoso.com", {"domain": "partner.contoso.com", "type": "external_relay"}],
        )
    )
    relayed = by_domain(result)
    relayed = relayed[relayed["domain"] == "partner.contoso.com"]
    assert (relayed["status"] == "ndr").all() and relayed["reason"].str.contains("5.4.4").all()


def test_more_specific_connector_wins_until_the_size_limit_sends_mail_elsewhere():
    adatum = {
        "name": "To Adatum",
        "address_spaces": ["adatum.com"],
        "source_servers": ["HUB1"],
        "max_message_size": "100KB",
    }
    scenario = org([("adatum.com", 1.0)], connectors=[adatum])
    scenario["workload"]["size"] = {"dist": "empirical", "samples": ["50KB", "50KB", "50KB", "500KB"]}
    messages = by_domain(sim.run(scenario))
    small = messages[messages["size_bytes"] <= 100 * 1024]
    large = messages[messages["size_bytes"] > 100 * 1024]
    assert len(large) > 200
    # small mail: the specific connector, sourced on HUB1 (HUB2 relays to HUB1 within the site)
    assert set(small["path"].astype(str)) == {"MBX1>HUB1>Internet", "MBX1>HUB2>HUB1>Internet"}
    # large mail: too big for it, so the Edge Subscription's "*" connector
    assert large["path"].astype(str).str.contains(">EDGE1>Internet").all()


def test_connector_in_another_site_is_reached_through_that_site():
    scenario = org(
        [("fabrikam.com", 1.0)],
        edges=False,
        connectors=[{"name": "Internet via London", "address_spaces": ["*"], "source_servers": ["LON-HUB1"]}],
    )
    scenario["sites"].append({"name": "London", "hubs": [{"name": "LON-HUB1"}]})
    scenario["site_links"] = [{"sites": ["Main", "London"], "cost": 10}]
    scenario["stages"] = ZERO_STAGES
    messages = sim.run(scenario).messages
    assert set(messages["path"].astype(str)) == {"MBX1>HUB1>LON-HUB1>Internet", "MBX1>HUB2>LON-HUB1>Internet"}


def test_no_connector_at_all_puts_external_mail_in_unreachable():
    result = sim.run(org([("fabrikam.com", 0.3)], edges=False))
    messages = by_domain(result)
    external = messages[messages["domain"] == "fabrikam.com"]
    assert (external["status"] == "ndr").all() and external["reason"].str.contains("5.4.4").all()
    assert result.summary()["lost"] == 0


def test_organisation_limits_give_ndrs():
    scenario = org([], limits={"max_send_size": "1MB", "max_recipient_envelope_limit": 10})
    scenario["workload"]["size"] = {"dist": "empirical", "samples": ["50KB", "2MB"]}
    scenario["workload"]["recipients"] = {"dist": "empirical", "samples": [1, 12]}
    messages = sim.run(scenario).messages
    too_big = messages[messages["size_bytes"] > 1024 * 1024]
    assert (too_big["status"] == "ndr").all() and too_big["reason"].str.contains("5.3.4").all()
    small = messages[messages["size_bytes"] <= 1024 * 1024]
    per_message = small.groupby("message_id").size()
    crowded = small[small["message_id"].isin(per_message[per_message > 10].index)]
    assert len(crowded) > 0 and (crowded["status"] == "ndr").all() and crowded["reason"].str.contains("5.5.3").all()
    fine = small[small["message_id"].isin(per_message[per_message <= 10].index)]
    assert (fine["status"] == "delivered").all()
