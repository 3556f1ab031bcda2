"""`exsim audit`: open relays and clear-text Basic authentication, each proved by an SMTP session."""

from __future__ import annotations

import pytest
import yaml

from sim.cli import main
from sim.scenario.loading import load_scenario, read_yaml
from sim.smtp.audit import audit, probe_address

SHIPPED = "scenarios/connectors-and-relay.yaml"
LEGACY = "sites[0].hubs[0].receive_connectors[3]"


@pytest.fixture
def shipped(root):
    return str(root / SHIPPED)


def test_audit_flags_the_misconfigured_connector_in_the_shipped_scenario(shipped, capsys):
    assert main(["audit", shipped]) == 1
    out = capsys.readouterr().out
    assert "Receive connector 'Legacy scanners HUB1' on 10.0.0.11:2525" in out
    assert "[FAIL] OPEN RELAY: anonymous clients relay to external domains" in out
    assert "[FAIL] CLEAR-TEXT BASIC AUTHENTICATION" in out
    # each finding is backed by the session that proves it
    assert "C: RCPT TO:<someone@relay-target.example>" in out and "S: 250 2.1.5 Recipient OK" in out
    assert "C: AUTH LOGIN (user alice, password ****)" in out and "S: 235 2.7.0 Authentication successful" in out
    assert "P@ssw0rd" not in out
    assert "Result: 1 open relay(s), 1 connector(s) with clear-text Basic authentication -> FAIL" in out


def test_audit_reports_the_good_connectors_and_mapi_encryption(shipped):
    report = audit(load_scenario(shipped))
    by_name = {(entry.server, entry.connector.name): entry for entry in report.connectors}
    kinds = {key: {f.kind for f in entry.findings} for key, entry in by_name.items()}
    assert kinds[("HUB1", "Relay - app servers")] >= {"scoped_relay", "no_basic"}
    assert kinds[("HUB1", "Client HUB1")] >= {"basic_after_tls", "no_relay"}
    assert kinds[("HUB1", "Legacy scanners HUB1")] >= {"open_relay", "cleartext_basic"}
    assert kinds[("EDGE1", "Default internal receive connector EDGE1")] >= {"no_relay", "anonymous_submit"}
    assert report.mapi == [("MBX1", True), ("MBX2", False)]
    text = report.format()
    assert "MBX1: required" in text and "MBX2: not required" in text
    relay = next(f for f in by_name[("HUB1", "Relay - app servers")].findings if f.kind == "scoped_relay")
    assert relay.transcript.client_ip == "10.0.5.20" and relay.transcript.decisive.code == 250


def test_audit_passes_the_corrected_scenario(shipped, capsys):
    fixed = [
        "--set",
        f"{LEGACY}.remote_ip_ranges=[10.0.6.10-10.0.6.12]",
        "--set",
        f"{LEGACY}.auth_mechanisms=[Tls, BasicAuth, BasicAuthRequireTLS]",
    ]
    assert main(["audit", shipped, *fixed]) == 0
    out = capsys.readouterr().out
    assert "-> PASS" in out and "[FAIL]" not in out
    assert "anonymous relay to external domains, scoped from 3 addresses (10.0.6.10-10.0.6.12)" in out


def test_audit_passes_when_the_relay_right_is_removed(root, tmp_path):
    raw = read_yaml(root / SHIPPED)
    legacy = raw["sites"][0]["hubs"][0]["receive_connectors"][3]
    legacy["extended_rights"] = []
    legacy["auth_mechanisms"] = ["Tls", "BasicAuth", "BasicAuthRequireTLS"]
    report = audit(load_scenario(raw))
    assert not report.failed and report.count("open_relay") == 0
    path = tmp_path / "fixed.yaml"
    path.write_text(yaml.safe_dump(raw))
    assert main(["audit", str(path)]) == 0


def test_defaults_pass_the_audit(root):
    report = audit(load_scenario(root / "scenarios/edge-internet.yaml"))
    assert not report.failed
    assert report.count("no_relay") == len(report.connectors)


def test_require_tls_alone_also_keeps_basic_off_the_wire(root):
    raw = read_yaml(root / SHIPPED)
    legacy = raw["sites"][0]["hubs"][0]["receive_connectors"][3]
    legacy["require_tls"] = True
    legacy["extended_rights"] = []
    report = audit(load_scenario(raw))
    assert report.count("cleartext_basic") == 0 and not report.failed


def test_a_large_internal_anonymous_relay_is_an_open_relay(root):
    raw = read_yaml(root / SHIPPED)
    raw["sites"][0]["hubs"][0]["receive_connectors"][3] = {
        "name": "Copiers",
        "bindings": ["0.0.0.0:2525"],
        "remote_ip_ranges": ["10.0.0.0/16"],
        "permission_groups": ["AnonymousUsers"],
        "extended_rights": [
            {"principal": "NT AUTHORITY\\ANONYMOUS LOGON", "right": "ms-Exch-SMTP-Accept-Any-Recipient"}
        ],
    }
    report = audit(load_scenario(raw))
    assert report.count("open_relay") == 1 and "more than 256 addresses" in report.format()


def test_shadowed_connector_is_reported_not_probed():
    raw = {
        "name": "s",
        "sites": [
            {
                "name": "A",
                "hubs": [
                    {
                        "name": "HUB1",
                        "receive_connectors": [
                            {"name": "wide", "remote_ip_ranges": ["10.0.0.0/24"], "usage": "Internet"},
                            {
                                "name": "narrow",
                                "remote_ip_ranges": ["10.0.0.0/25", "10.0.0.128/25"],
                                "usage": "Internet",
                            },
                        ],
                    }
                ],
                "mailbox_servers": [{"name": "MBX1"}],
            }
        ],
    }
    report = audit(load_scenario(raw))
    wide = next(e for e in report.connectors if e.connector.name == "wide")
    assert [f.kind for f in wide.findings] == ["unreachable"]


def test_probe_prefers_an_internet_address():
    assert probe_address([(0, 2**32 - 1)]) == "203.0.113.10"
    assert probe_address([(167772160, 167772415)]) == "10.0.0.1"


def test_audit_bad_input_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: x\nsites: [{name: A, hubs: [{name: H, receive_connectors: [{name: c, bindings: [nope]}]}]}]\n"
    )
    assert main(["audit", str(path)]) == 2
    assert "receive_connectors[0].bindings" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "missing.yaml")]) == 2


def test_shipped_scenario_runs_with_nothing_lost(shipped):
    import sim

    scenario = load_scenario(shipped, {"duration": "20m", "warmup": "0s"})
    assert sim.run(scenario).summary()["lost"] == 0
