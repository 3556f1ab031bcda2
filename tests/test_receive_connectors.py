"""Receive connectors (sim.receive): schema, defaults, selection, permission groups and relay."""

from __future__ import annotations

import pytest
from smtp_helpers import anonymous_relay_granted
from test_smtp_session import GRANT, connector, org

from sim.cli import main
from sim.exchange.receive.rules import ANONYMOUS, Identity, covering_intervals, resolve_rights, select_connector
from sim.exchange.receive.servers import receiving_servers
from sim.scenario.errors import ScenarioError
from sim.scenario.loading import load_scenario
from sim.scenario.receive import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON, SUBMIT, ReceiveConnector, parse_range
from sim.smtp import session

RELAY_STEPS = [("EHLO", "app.example"), ("MAIL", "app@fabrikam.com"), ("RCPT", "someone@northwind.example")]


# ---- schema ------------------------------------------------------------------------------------------


def test_usage_sets_default_groups_and_mechanisms_and_explicit_values_override():
    client = ReceiveConnector(name="c", usage="Client")
    assert client.effective_groups == ("ExchangeUsers",)
    assert client.effective_auth == ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS")
    assert client.effective_bindings == ("0.0.0.0:587",)
    assert ReceiveConnector(name="i", usage="Internal").effective_groups == ("ExchangeServers", "ExchangeLegacyServers")
    assert ReceiveConnector(name="n", usage="Internet").effective_groups == ("AnonymousUsers",)
    assert ReceiveConnector(name="p", usage="Partner").effective_groups == ("Partners",)
    custom = ReceiveConnector(name="x")
    assert custom.usage == "Custom" and custom.effective_groups == () and custom.effective_auth == ("Tls",)
    assert custom.effective_bindings == ("0.0.0.0:25",) and custom.remote_ip_ranges == ["0.0.0.0-255.255.255.255"]
    assert custom.max_message_size == 10 * 1024 * 1024 and custom.max_recipients_per_message == 200
    explicit = ReceiveConnector(
        name="e", usage="Client", permission_groups=["AnonymousUsers"], auth_mechanisms=["None"]
    )
    assert explicit.effective_groups == ("AnonymousUsers",) and explicit.effective_auth == ("None",)


def test_usage_mapping_is_marked_unconfirmed_in_the_schema():
    fields = ReceiveConnector.model_fields
    for name in ("usage", "permission_groups", "auth_mechanisms"):
        assert "UNCONFIRMED for 2007" in fields[name].description
    assert "E2010+" in fields["permission_groups"].description and "E2010+" in fields["auth_mechanisms"].description


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("bindings", ["0.0.0.0"], "binding IP:port"),
        ("bindings", ["0.0.0.0:70000"], "1 to 65535"),
        ("remote_ip_ranges", ["10.0.0.300"], "remote IP range"),
        ("remote_ip_ranges", ["10.0.0.9-10.0.0.1"], "ends before it starts"),
        ("extended_rights", [{"principal": "x", "right": "ms-Exch-SMTP-Relay"}], "unknown extended right"),
        ("auth_mechanisms", ["BasicAuthRequireTLS"], "needs BasicAuth and Tls"),
        ("auth_mechanisms", ["None", "Tls"], "None cannot be combined"),
        ("auth_mechanisms", ["Tls", "ExternalAuthoritative"], "needs the ExchangeServers"),
        ("permission_groups", ["Everyone"], "AnonymousUsers"),
    ],
)
def test_bad_connector_values_name_their_key_path(field, value, words):
    with pytest.raises(ScenarioError) as error:
        load_scenario(org([{"name": "C", field: value}]))
    assert "sites[0].hubs[0].receive_connectors[0]" in str(error.value) and words in str(error.value)


def test_remote_range_forms_and_right_names_are_accepted():
    assert parse_range("10.0.0.5") == (167772165, 167772165)
    assert parse_range("10.0.0.0/30") == (167772160, 167772163)
    assert parse_range("10.0.0.1-10.0.0.4") == (167772161, 167772164)
    conf = ReceiveConnector(
        name="r", extended_rights=[{"principal": ANONYMOUS_LOGON, "right": "Ms-Exch-SMTP-Accept-Any-Recipient"}]
    )
    assert conf.extended_rights[0].right == ACCEPT_ANY_RECIPIENT


def test_identical_binding_and_ranges_conflict_and_names_must_be_unique():
    same = [connector("A"), connector("B"), connector("A", port=2525)]
    with pytest.raises(ScenarioError) as error:
        load_scenario(org(same))
    text = str(error.value)
    assert "sites[0].hubs[0].receive_connectors[1].remote_ip_ranges" in text and "already used" in text
    assert "sites[0].hubs[0].receive_connectors[2].name" in text and "duplicate Receive connector name" in text
    # the same binding with different remote ranges is allowed (DOMAIN.md 3)
    load_scenario(org([connector("A"), connector("B", remote_ip_ranges=["192.168.10.7"])]))


def test_server_ips_are_derived_in_order_and_must_be_unique():
    scenario = load_scenario(org(None, edge_connectors=[]))
    servers = receiving_servers(scenario)
    assert servers["HUB1"].ip == "10.0.0.1" and servers["HUB2"].ip == "10.0.0.2"  # 10.0.0.1 is taken
    assert servers["EDGE1"].ip == "172.16.0.9"
    raw = org(None)
    raw["sites"][0]["hubs"][1]["ip"] = "10.0.0.1"
    with pytest.raises(ScenarioError, match=r"sites\[0\].hubs\[1\].ip: IP address 10.0.0.1 is also used"):
        load_scenario(raw)


# ---- defaults -----------------------------------------------------------------------------------------


def test_every_hub_and_edge_has_its_default_connectors():
    raw = org(None, edge_connectors=[])
    raw["sites"][0]["mailbox_servers"].append({"name": "MBX2", "roles": ["mailbox", "hub"]})
    servers = receiving_servers(load_scenario(raw))
    hub = servers["HUB1"].connectors
    assert [c.name for c in hub] == ["Default HUB1", "Client HUB1"]
    assert hub[0].effective_bindings == ("0.0.0.0:25",) and hub[1].effective_bindings == ("0.0.0.0:587",)
    assert hub[0].effective_groups == ("ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers")
    assert hub[0].effective_auth == ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer")
    assert hub[1].effective_groups == ("ExchangeUsers",)
    assert [c.name for c in servers["MBX2"].connectors] == ["Default MBX2", "Client MBX2"]  # co-located Hub role
    edge = servers["EDGE1"].connectors
    assert [c.name for c in edge] == ["Default internal receive connector EDGE1"]
    assert edge[0].effective_groups == ("AnonymousUsers", "ExchangeServers", "Partners")


def test_validate_shows_the_assumed_receive_connectors(tmp_path, capsys):
    import yaml

    raw = org([connector("App relay", permission_groups=["AnonymousUsers"])], edge_connectors=[])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Assumed Receive connectors (E2010 defaults and usage-type table, UNCONFIRMED for Exchange 2007" in out
    assert "Hubs without receive_connectors (HUB2):" in out and "Default <SERVER>: 0.0.0.0:25" in out
    assert "Edges without receive_connectors (EDGE1):" in out
    assert "HUB1 / App relay: auth_mechanisms from usage Custom" in out
    assert "receive_connectors = None" not in out


# ---- selection ---------------------------------------------------------------------------------------


def test_most_specific_remote_range_wins():
    wide = ReceiveConnector(name="wide", remote_ip_ranges=["10.0.0.0/8"])
    narrow = ReceiveConnector(name="narrow", remote_ip_ranges=["10.1.0.0/16"])
    single = ReceiveConnector(name="single", remote_ip_ranges=["10.1.2.3"])
    everything = [wide, narrow, single]
    assert select_connector(everything, "10.0.0.1", 25, "10.1.2.3").connector is single
    assert select_connector(everything, "10.0.0.1", 25, "10.1.9.9").connector is narrow
    assert select_connector(everything, "10.0.0.1", 25, "10.200.0.1").connector is wide
    refused = select_connector(everything, "10.0.0.1", 25, "192.0.2.1")
    assert refused.connector is None and "accepts remote IP 192.0.2.1" in refused.reason
    assert "listens on 10.0.0.1:587" in select_connector(everything, "10.0.0.1", 587, "10.1.2.3").reason


def test_a_specific_local_ip_binding_beats_all_addresses():
    anywhere = ReceiveConnector(name="anywhere", bindings=["0.0.0.0:25"], remote_ip_ranges=["10.1.2.3"])
    bound = ReceiveConnector(name="bound", bindings=["10.0.0.7:25"], remote_ip_ranges=["10.0.0.0/8"])
    assert select_connector([anywhere, bound], "10.0.0.7", 25, "10.1.2.3").connector is bound
    assert select_connector([anywhere, bound], "10.0.0.8", 25, "10.1.2.3").connector is anywhere


def test_session_uses_the_local_ip_it_is_given():
    confs = [connector("all"), connector("second nic", bindings=["10.0.0.50:25"], usage="Internet")]
    scenario = load_scenario(org(confs))
    assert session(scenario, "HUB1", "192.168.10.25", 25, []).connector == "all"
    assert session(scenario, "HUB1", "192.168.10.25", 25, [], local_ip="10.0.0.50").connector == "second nic"


def test_covering_intervals_subtracts_more_specific_connectors():
    wide = ReceiveConnector(name="wide", remote_ip_ranges=["10.0.0.0/24"])
    narrow = ReceiveConnector(name="narrow", remote_ip_ranges=["10.0.0.16/28"])
    assert covering_intervals(wide, [narrow], "10.0.0.1", 25) == [(167772160, 167772175), (167772192, 167772415)]
    assert covering_intervals(narrow, [wide], "10.0.0.1", 25) == [(167772176, 167772191)]


# ---- rights ------------------------------------------------------------------------------------------


def test_anonymous_users_group_never_grants_relay():
    anonymous = ReceiveConnector(name="a", permission_groups=["AnonymousUsers"])
    rights = resolve_rights(anonymous, ANONYMOUS)
    assert SUBMIT in rights and ACCEPT_ANY_RECIPIENT not in rights
    assert not anonymous_relay_granted(anonymous)
    granted = ReceiveConnector(name="g", permission_groups=["AnonymousUsers"], extended_rights=[GRANT])
    assert ACCEPT_ANY_RECIPIENT in resolve_rights(granted, ANONYMOUS) and anonymous_relay_granted(granted)
    denied = ReceiveConnector(
        name="d",
        permission_groups=["ExchangeUsers"],
        extended_rights=[{"principal": "alice", "right": ACCEPT_ANY_RECIPIENT, "deny": True}],
    )
    assert ACCEPT_ANY_RECIPIENT not in resolve_rights(denied, Identity("user", "alice"))
    assert ACCEPT_ANY_RECIPIENT in resolve_rights(denied, Identity("user", "bob"))


def test_groups_grant_only_to_their_principals():
    servers = ReceiveConnector(name="s", permission_groups=["ExchangeServers"])
    assert resolve_rights(servers, ANONYMOUS) == frozenset()
    assert resolve_rights(servers, Identity("user", "alice")) == frozenset()
    assert ACCEPT_ANY_RECIPIENT in resolve_rights(servers, Identity("exchange_server", "HUB2"))
    external = ReceiveConnector(
        name="x", permission_groups=["ExchangeServers"], auth_mechanisms=["Tls", "ExternalAuthoritative"]
    )
    assert anonymous_relay_granted(external)  # externally secured: every host counts as an Exchange server


# ---- relay (the tests) ------------------------------------------------------------------------


def test_anonymous_relay_refused_on_the_default_connectors():
    scenario = load_scenario(org(None, edge_connectors=[]))
    hub25 = session(scenario, "HUB1", "203.0.113.5", 25, RELAY_STEPS)
    hub587 = session(scenario, "HUB1", "203.0.113.5", 587, RELAY_STEPS)
    edge = session(scenario, "EDGE1", "203.0.113.5", 25, RELAY_STEPS)
    assert hub25.connector == "Default HUB1" and str(hub25.decisive) == "530 5.7.1 Client was not authenticated"
    assert hub587.connector == "Client HUB1" and hub587.decisive.code == 530
    assert str(edge.decisive) == "550 5.7.1 Unable to relay"  # anonymous may submit, but not relay


def test_custom_relay_connector_only_from_its_range_and_only_with_the_right():
    app = {
        "name": "App relay",
        "usage": "Custom",
        "remote_ip_ranges": ["10.0.5.20"],
        "permission_groups": ["AnonymousUsers"],
    }
    without = load_scenario(org([connector("Default HUB1", usage="Internal", remote_ip_ranges=["0.0.0.0/0"]), app]))
    t = session(without, "HUB1", "10.0.5.20", 25, RELAY_STEPS)
    assert t.connector == "App relay" and str(t.decisive) == "550 5.7.1 Unable to relay"  # AnonymousUsers alone
    granted = load_scenario(
        org(
            [
                connector("Default HUB1", usage="Internal", remote_ip_ranges=["0.0.0.0/0"]),
                {**app, "extended_rights": [GRANT]},
            ]
        )
    )
    t = session(granted, "HUB1", "10.0.5.20", 25, RELAY_STEPS)
    assert t.connector == "App relay" and str(t.decisive) == "250 2.1.5 Recipient OK"
    other = session(granted, "HUB1", "10.0.5.21", 25, RELAY_STEPS)
    assert other.connector == "Default HUB1" and other.decisive.code == 530
