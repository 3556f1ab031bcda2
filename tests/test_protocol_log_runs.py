"""A run writes the SMTP Send and Receive protocol logs of its Verbose connectors (issue 21, point 2).

What is expected, and why:
- only connectors that ask (ProtocolLoggingLevel Verbose; the Intra-Organization Send connector through
  IntraOrgConnectorProtocolLoggingLevel) write, each server in its own ProtocolLog\\SmtpSend or SmtpReceive folder
  with one SENDyyyymmdd / RECVyyyymmdd file a day (E2007 aa997624);
- a Send log's connector-id is the connector's name alone, a Receive log's SERVER\\connector (published logs);
- the two ends of one session log the same lines, each from its side: what the sender sent (`>`) the receiver
  received (`<`), and back (the definition of the `<` and `>` events);
- a session is logged once per message handed over, so the Send log has as many sessions for a connector as the
  message tracking log has SEND events for it on that server;
- the session id decodes to the session's first line (sim.formats.session_id's Decision).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from types import SimpleNamespace

import pytest
from smtp_helpers import read_protocol_log

from sim import run
from sim.formats.session_id import session_start
from sim.model.protocol import inbound_hook, internet_hook, relay_hook
from sim.scenario.errors import ScenarioError
from sim.scenario.loading import load_scenario
from sim.smtp.run_logs import write_run_logs

INTRA = "Intra-Organization SMTP Send Connector"

SCENARIO = {
    "name": "protocol logs",
    "duration": "10m",
    "warmup": "0s",
    "seed": 5,
    "tracking_log": True,
    "sites": [
        {
            "name": "Seattle",
            "hubs": [{"name": "SEA-HUB1"}],
            "mailbox_servers": [{"name": "SEA-MBX1", "mailboxes": 300}],
        },
        {
            "name": "London",
            "hubs": [
                {
                    "name": "LON-HUB1",
                    "receive_connectors": [
                        {
                            "name": "Default LON-HUB1",
                            "usage": "Internal",
                            "bindings": ["0.0.0.0:25"],
                            "protocol_logging_level": "Verbose",
                        }
                    ],
                }
            ],  # fmt: skip
            "mailbox_servers": [{"name": "LON-MBX1", "mailboxes": 300}],
        },
    ],
    "site_links": [{"sites": ["Seattle", "London"], "cost": 10}],
    "send_connectors": [
        {
            "name": "To Internet",
            "address_spaces": ["*"],
            "source_servers": ["SEA-HUB1"],
            "protocol_logging_level": "Verbose",
        }
    ],  # fmt: skip
    "workload": {"domains": [{"domain": "fabrikam.com", "share": 0.2}]},
    "transport": {"intra_org_connector_protocol_logging_level": "Verbose"},
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    run(SCENARIO).save(out)
    return out


def sessions(path) -> dict[str, list[dict]]:
    by_id = defaultdict(list)
    for event in read_protocol_log(path):
        by_id[event["session-id"]].append(event)
    return dict(by_id)


def tracking_sends(out, server: str, connector: str) -> int:
    [path] = (out / "tracking" / server).glob("MSGTRK2*.LOG")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(line for line in handle if not line.startswith("#"))
        header = path.read_text(encoding="utf-8-sig").splitlines()[4].removeprefix("#Fields: ").split(",")
        at = {name: i for i, name in enumerate(header)}
        return sum(
            1
            for r in rows
            if r[at["event-id"]] == "SEND" and r[at["source"]] == "SMTP" and r[at["connector-id"]] == connector
        )


def test_only_verbose_connectors_write_each_server_in_its_own_folder(saved):
    files = sorted(p.relative_to(saved / "protocol").as_posix() for p in (saved / "protocol").rglob("*.LOG"))
    assert files == [
        "LON-HUB1/ProtocolLog/SmtpReceive/RECV20260105-1.LOG",  # its Default connector logs Verbose
        "LON-HUB1/ProtocolLog/SmtpSend/SEND20260105-1.LOG",  # Intra-Organization, to Seattle
        "SEA-HUB1/ProtocolLog/SmtpSend/SEND20260105-1.LOG",  # Intra-Organization to London, and To Internet
    ]  # SEA-HUB1's default Receive connectors log nothing
    for path in (saved / "protocol").rglob("*.LOG"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf#Software: Microsoft Exchange Server\r\n#Version: 8.1.240.6")


def test_send_sessions_match_the_tracking_logs_sends(saved):
    logged = sessions(saved / "protocol/SEA-HUB1/ProtocolLog/SmtpSend/SEND20260105-1.LOG")
    by_connector = defaultdict(int)
    for events in logged.values():
        by_connector[events[0]["connector-id"]] += 1
    assert by_connector[INTRA] == tracking_sends(saved, "SEA-HUB1", INTRA) > 0
    assert by_connector["To Internet"] == tracking_sends(saved, "SEA-HUB1", "To Internet") > 0


def test_both_ends_of_a_session_log_the_same_lines_from_their_sides(saved):
    sent = sessions(saved / "protocol/SEA-HUB1/ProtocolLog/SmtpSend/SEND20260105-1.LOG")
    received = sessions(saved / "protocol/LON-HUB1/ProtocolLog/SmtpReceive/RECV20260105-1.LOG")
    by_client = {events[0]["remote-endpoint"]: events for events in received.values()}
    intra = [events for events in sent.values() if events[0]["connector-id"] == INTRA]
    assert len(intra) == len(by_client)  # LON-HUB1 hears from no one else on a Verbose connector
    for events in intra:
        other = by_client[events[0]["local-endpoint"]]
        assert other[0]["connector-id"] == "LON-HUB1\\Default LON-HUB1"
        assert [(e["event"], e["data"]) for e in events if e["event"] in "<>"] == [
            ({"<": ">", ">": "<"}[e["event"]], e["data"]) for e in other if e["event"] in "<>"
        ]
        lines = [(e["event"], e["data"]) for e in events]
        assert lines[0] == ("+", "") and lines[-1] == ("-", "")
        assert lines[1][1].startswith("220 LON-HUB1.contoso.com Microsoft ESMTP MAIL Service ready at ")
        assert (">", "EHLO SEA-HUB1.contoso.com") in lines
        assert ("*", "", "Received certificate") in [(e["event"], e["data"], e["context"]) for e in events]
        assert ("<", "235 2.7.0 Authentication successful") in lines
        assert ("<", "250 2.6.0 Queued mail for delivery") in lines and lines[-3:-1] == [
            (">", "QUIT"),
            ("<", "221 2.0.0 Service closing transmission channel"),
        ]


def test_a_session_id_decodes_to_its_first_line(saved):
    for path in (saved / "protocol").rglob("*.LOG"):
        for session_id, events in sessions(path).items():
            start = session_start(session_id)
            first = events[0]["date-time"]
            assert start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z" == first
            assert [int(e["sequence-number"]) for e in events] == list(range(len(events)))


def test_without_a_verbose_connector_nothing_is_recorded():
    quiet = {**SCENARIO, "transport": {}, "send_connectors": [], "tracking_log": False}
    quiet["sites"] = [SCENARIO["sites"][0], {**SCENARIO["sites"][1], "hubs": [{"name": "LON-HUB1"}]}]
    assert run({**quiet, "duration": "2m"}).record.smtp_sessions == []


def test_an_edge_logs_the_internet_s_sessions_on_its_verbose_connector(tmp_path):
    edge = {"name": "EDGE1", "subscribed_site": "Seattle", "receive_connectors": [
        {"name": "Internet EDGE1", "bindings": ["0.0.0.0:25"], "permission_groups": ["AnonymousUsers", "ExchangeServers"],
         "auth_mechanisms": ["Tls", "ExchangeServer"], "protocol_logging_level": "Verbose"}]}  # fmt: skip
    scenario = {"name": "edge logs", "duration": "3m", "warmup": "0s", "seed": 2, "edges": [edge],
                "sites": [SCENARIO["sites"][0]], "internet": {"inbound_rate": "600/h"}}  # fmt: skip
    result = run(scenario)
    record = result.record
    write_run_logs(result.scenario, record.smtp_sessions, record.addresses.text, result.start, tmp_path)
    logged = sessions(tmp_path / "protocol/EDGE1/ProtocolLog/SmtpReceive/RECV20260105-1.LOG")
    internet = [events for events in logged.values() if events[0]["remote-endpoint"].startswith("203.0.113.")]
    assert internet and all(events[0]["connector-id"] == "EDGE1\\Internet EDGE1" for events in internet)
    for events in internet:
        assert [e["event"] for e in events[:3]] == ["+", ">", "*"] and events[-1]["event"] == "-"
        assert events[1]["data"].startswith("220 EDGE1.contoso.com Microsoft ESMTP MAIL Service ready at ")
        # an anonymous Internet session's rights, as the published Exchange 2010 log shows them
        assert (events[2]["data"], events[2]["context"]) == (
            "SMTPSubmit SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders",
            "Set Session Permissions",
        )


def test_a_send_connector_takes_protocol_logging_level_none_by_default():
    # E2007 aa997624: "By default, protocol logging is disabled on all Send connectors and Receive connectors"
    connector = {"name": "Out", "address_spaces": ["*"], "source_servers": ["SEA-HUB1"]}
    quiet = load_scenario({**SCENARIO, "send_connectors": [connector], "transport": {}})
    assert quiet.send_connectors[0].protocol_logging_level == "None"
    assert quiet.transport.intra_org_connector_protocol_logging_level == "None"
    with pytest.raises(ScenarioError, match="protocol_logging_level"):
        load_scenario({**SCENARIO, "send_connectors": [{**connector, "protocol_logging_level": "verbose"}]})


def test_with_nothing_to_log_the_model_s_hooks_are_the_functions_they_were_given():
    model = SimpleNamespace(smtp_sessions=None)
    sent, finished, hand_over = object(), object(), object()
    assert relay_hook(model, None, sent) is sent
    assert internet_hook(model, None, finished) is finished
    assert inbound_hook(model, hand_over) is hand_over
