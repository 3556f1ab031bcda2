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
- a Receive session's id is the one the tracking log's SMTP RECEIVE row holds for it, so it is found in both;
  a Send session's id decodes to its first line (sim.formats.session_id).
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


def tracking_receive_contexts(out, server: str) -> list[str]:
    """source-context of every SMTP RECEIVE row in a server's tracking log, read as a log parser reads it."""
    [path] = (out / "tracking" / server).glob("MSGTRK2*.LOG")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[4].removeprefix("#Fields: ").split(",")
    at = {name: i for i, name in enumerate(header)}
    rows = csv.reader(line for line in lines if not line.startswith("#"))
    return [r[at["source-context"]] for r in rows if r[at["event-id"]] == "RECEIVE" and r[at["source"]] == "SMTP"]


def test_a_receive_session_is_found_in_both_logs_by_its_id(saved):
    """The tracking log's SMTP RECEIVE source-context is the receive session's id (E2007 message tracking: the
    SMTP source-context is the session id; docs/exchange/tracking-log.md): every session LON-HUB1's Receive log
    holds is a RECEIVE row in its tracking log with the same id, and every such row a session."""
    logged = sessions(saved / "protocol/LON-HUB1/ProtocolLog/SmtpReceive/RECV20260105-1.LOG")
    contexts = tracking_receive_contexts(saved, "LON-HUB1")
    assert logged and sorted(logged) == sorted(contexts)


def test_session_ids_decode_as_real_ones_do(saved):
    """A real Receive id decodes to a time at or before its session (Exchange counts sessions up from the
    Transport service's start: sim.formats.session_id), so a Receive id decodes to the service's start at the
    latest; a Send session's id here decodes to its own first line. Events of a session are numbered from 0."""
    for path in (saved / "protocol").rglob("*.LOG"):
        for session_id, events in sessions(path).items():
            start = session_start(session_id)
            first = events[0]["date-time"]
            decoded = start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"
            if "SmtpReceive" in str(path):
                assert decoded <= first
            else:
                assert decoded == first
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
