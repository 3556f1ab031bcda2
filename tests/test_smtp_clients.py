"""SMTP clients in the workload: each message plays a session against the connectors; refusals are counted."""

from __future__ import annotations

import pytest
import yaml

import sim


@pytest.fixture(scope="module")
def base(root) -> dict:
    scenario = yaml.safe_load((root / "scenarios" / "connectors-and-relay.yaml").read_text())
    scenario.update(duration="1h", warmup=0, drain="5m")
    scenario["internet"]["inbound_rate"] = 0
    scenario["workload"]["sent_per_mailbox_per_day"] = 0.01
    return scenario


def run_clients(base: dict, *clients) -> sim.Results:
    return sim.run({**base, "smtp_clients": list(clients)})


def by_client(result: sim.Results, name: str):
    messages = result.messages
    return messages[messages["path"].astype(str).str.startswith(name + ">") | (messages["origin_server"] == name)]


def test_authenticated_tls_clients_submit_and_relay(base):
    imap = {
        "name": "IMAP users",
        "server": "HUB1",
        "client_ip": "192.168.10.50",
        "port": 587,
        "rate": "0.5/s",
        "tls": True,
        "user": "alice",
        "external_share": 0.5,
    }
    result = run_clients(base, imap)
    mail = by_client(result, "IMAP users")
    assert len(mail) > 1000 and (mail["status"] == "delivered").all()
    assert mail["path"].astype(str).str.startswith("IMAP users>HUB1>").all()
    external = mail[mail["recipient"].str.endswith("@fabrikam.com")]
    assert len(external) > 300  # authenticated users may relay (ExchangeUsers holds Accept-Any-Recipient)
    assert result.summary()["lost"] == 0


def test_basic_without_tls_is_refused_and_counted_by_reply(base):
    clear = {
        "name": "Old clients",
        "server": "HUB1",
        "client_ip": "192.168.10.51",
        "port": 587,
        "rate": "0.2/s",
        "tls": False,
        "user": "alice",
    }
    result = run_clients(base, clear)
    mail = by_client(result, "Old clients")
    assert len(mail) > 300 and (mail["status"] == "rejected").all()
    reasons = set(mail["reason"])
    assert len(reasons) == 1 and next(iter(reasons)).startswith(("451 5.7.3", "504", "530"))
    summary = result.summary()
    assert sum(n for reason, n in summary["outcomes_by_reason"].items() if reason.startswith("rejected")) == len(mail)
    assert summary["lost"] == 0


def test_application_relay_only_from_its_address(base):
    app = {
        "name": "CRM application",
        "server": "HUB1",
        "client_ip": "10.0.5.20",
        "port": 25,
        "rate": "0.2/s",
        "tls": False,
        "sender": "crm@contoso.com",
        "external_share": 1.0,
    }
    elsewhere = {**app, "name": "Moved application", "client_ip": "10.0.5.21"}
    result = run_clients(base, app, elsewhere)
    relayed = by_client(result, "CRM application")
    assert len(relayed) > 300 and (relayed["status"] == "delivered").all()
    assert relayed["recipient"].str.endswith("@fabrikam.com").all()
    refused = by_client(result, "Moved application")
    assert len(refused) > 300 and (refused["status"] == "rejected").all()
    assert refused["reason"].str.startswith("530 5.7.1").all()  # Default HUB1 takes no anonymous mail


def test_shipped_scenario_reports_refused_sessions(root):
    summary = sim.run(root / "scenarios" / "connectors-and-relay.yaml", overrides={"duration": "1h"}).summary()
    assert summary["outcomes_by_reason"].get("rejected: 530 5.7.1 Client was not authenticated", 0) > 20
    assert summary["lost"] == 0
