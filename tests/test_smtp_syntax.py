"""The model's SMTP grammar (issue 12, item 1): every line gets an Exchange reply from the session model,
syntax errors and over-long lines included, on the wire exactly as in the model; BDAT; the [::1] listener.

Expected replies are the strings of Exchange's SmtpResponse class (the source of DOMAIN.md 3's table):
UnrecognizedCommand 500 5.3.3, CommandTooLong 500 5.5.2, InvalidArguments 501 5.5.4, EhloDomainRequired
501 5.0.0, InvalidSenderAddress 501 5.1.7, InvalidAddress 501 5.1.3, OctetsReceived 250 2.6.0, Help 214.
"""

from __future__ import annotations

import socket

import pytest
from smtp_helpers import undated
from test_smtpd import SCENARIO

from sim.scenario.loading import load_scenario
from sim.smtp import SmtpDecisions
from sim.smtp.conversation import Conversation
from sim.smtp.serving import ThreadedEndpoint
from sim.smtp.syntax import MAX_LINE, parse_line


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def decisions(scenario):
    return SmtpDecisions(scenario, "HUB1")


def read_reply(sock_file) -> list[str]:
    """One SMTP reply's lines ('250-...', ..., '250 ...') from a socket file."""
    lines = []
    while True:
        line = sock_file.readline()
        if not line:
            raise EOFError("the server closed the connection")
        text = line.decode("ascii").rstrip("\r\n")
        lines.append(undated(text))
        if len(text) < 4 or text[3] != "-":
            return lines


def wire_session(port: int, lines: list[bytes], host: str = "127.0.0.1") -> list[list[str]]:
    """Send each raw line and read its reply: [banner, reply to line 1, ...] as wire lines."""
    with socket.create_connection((host, port), timeout=5) as sock, sock.makefile("rb") as replies:
        got = [read_reply(replies)]
        for line in lines:
            sock.sendall(line)
            got.append(read_reply(replies))
    return got


def model_session(decisions, lines: list[bytes], port: int = 25, client_ip: str = "127.0.0.1") -> list[list[str]]:
    """The same lines through the model's Conversation (BDAT lines carry their chunk, as on the wire)."""
    conversation = Conversation.open(decisions, client_ip, port)
    got = [[undated(line) for line in conversation.banner.wire()]]
    for raw in lines:
        head, _, chunk = raw.partition(b"\r\n")
        command, reply = conversation.command(head + b"\r\n")
        if command is not None and command.verb == "BDAT":
            size = conversation.bdat_size(command)
            reply = size if not isinstance(size, tuple) else conversation.bdat(*size)
        got.append(reply.wire())
    return got


# ---- the grammar, in the model ---------------------------------------------------------------------

GRAMMAR = [
    (b"\r\n", "500 5.3.3 Unrecognized command"),
    (b"\x00\x00\x00\r\n", "500 5.3.3 Unrecognized command"),
    (b"\xff\xfe\xfd hello\r\n", "500 5.3.3 Unrecognized command"),
    (b"XYZZY\r\n", "500 5.3.3 Unrecognized command"),
    (b"VRFY user1\r\n", "500 5.3.3 Unrecognized command"),
    (b"A" * 5000 + b"\r\n", "500 5.5.2 Command too long"),
    (b"EHLO\r\n", "501 5.0.0 EHLO requires domain address"),
    (b"HELO \r\n", "501 5.0.0 HELO requires domain address"),
    (b"EHLO bad..name!\r\n", "501 5.5.4 Invalid domain name"),
    (b"MAIL\r\n", "501 5.5.4 Invalid arguments"),
    (b"MAIL alice@contoso.com\r\n", "501 5.5.4 Invalid arguments"),
    (b"MAIL FROM:\r\n", "501 5.1.7 Invalid address"),
    (b"MAIL FROM:<a@contoso.com> SIZE=big\r\n", "501 5.5.4 Invalid arguments"),
    (b"MAIL FROM:<a@contoso.com> XFOO=1\r\n", "501 5.5.4 Unrecognized parameter"),
    (b"RCPT\r\n", "501 5.5.4 Invalid arguments"),
    (b"RCPT TO:\r\n", "501 5.1.3 Invalid address"),
    (b"BDAT ten\r\n", "501 5.5.4 Invalid arguments"),
]


@pytest.mark.parametrize("raw, expected", GRAMMAR, ids=[repr(raw[:20]) for raw, _ in GRAMMAR])
def test_syntax_errors_get_exchange_replies(decisions, raw, expected):
    conversation = Conversation.open(decisions, "127.0.0.1", 25)
    if raw.startswith((b"MAIL ", b"RCPT", b"BDAT")):
        conversation.command(b"EHLO client.test\r\n")
    _, reply = conversation.command(raw)
    if reply is None:  # BDAT goes on to its size
        command = parse_line(raw)
        reply = conversation.bdat_size(command)
    assert str(reply) == expected


def test_null_sender_needs_its_brackets_and_a_bare_mail_is_no_null_sender(decisions):
    conversation = Conversation.open(decisions, "10.0.5.20", 25)  # the app relay: anonymous may send
    conversation.command(b"EHLO app.test\r\n")
    assert conversation.command(b"MAIL FROM:\r\n")[1].code == 501
    assert conversation.state.sender is None
    assert str(conversation.command(b"MAIL FROM:<>\r\n")[1]) == "250 2.1.0 Sender OK"


def test_line_length_limit_is_exact():
    assert parse_line(b"NOOP " + b"x" * (MAX_LINE - 7) + b"\r\n").verb == "NOOP"  # exactly MAX_LINE octets
    assert str(parse_line(b"NOOP " + b"x" * (MAX_LINE - 6) + b"\r\n")) == "500 5.5.2 Command too long"


def test_help_lists_exchanges_commands(decisions):
    reply = Conversation.open(decisions, "127.0.0.1", 25).command(b"HELP\r\n")[1]
    assert reply.wire() == [
        "214-This server supports the following commands:",
        "214 HELO EHLO STARTTLS RCPT DATA RSET MAIL QUIT HELP AUTH BDAT",
    ]


# ---- BDAT (CHUNKING) in the model -------------------------------------------------------------------


def test_bdat_chunks_then_last_is_queued(decisions):
    state = decisions.connect("10.0.5.20", 25)  # Relay - app servers: 2 KB, 2 recipients
    assert "CHUNKING" in state.ehlo("app.test").lines
    assert state.bdat(10, False).code == 503  # no MAIL yet
    state.mail_from("app@contoso.com")
    state.rcpt_to("someone@fabrikam.com")
    assert str(state.bdat(1000, False)) == "250 2.6.0 CHUNK received OK, 1000 octets"
    assert str(state.bdat(500, True)) == "250 2.6.0 Queued mail for delivery"
    assert state.accepted[-1].size == 1500


def test_bdat_over_the_size_limit_and_data_after_bdat(decisions):
    state = decisions.connect("10.0.5.20", 25)
    state.ehlo("app.test")
    state.mail_from("app@contoso.com")
    state.rcpt_to("someone@fabrikam.com")
    state.bdat(1500, False)
    assert str(state.data_start()) == "503 5.5.1 Bad sequence of commands"  # RFC 3030: no DATA after BDAT
    assert state.bdat(1000, True).code == 552  # 2,500 bytes over the connector's 2 KB
    assert state.accepted == []
    state.mail_from("app@contoso.com", body="BINARYMIME")
    state.rcpt_to("someone@fabrikam.com")
    assert state.data_start().code == 503  # BINARYMIME needs BDAT


# ---- the same lines on the wire -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(scenario, tmp_path_factory):
    listeners = [("127.0.0.1", 0, 25), ("::1", 0, 587)]
    with ThreadedEndpoint(scenario, "HUB1", listeners, tmp_path_factory.mktemp("out"), client_ip="10.0.5.20") as ep:
        yield ep


def test_wire_equals_model_for_junk_syntax_and_bdat(endpoint, decisions):
    body = b"Subject: chunked\r\n\r\nHello in two chunks.\r\n"
    lines = [raw for raw, _ in GRAMMAR if not raw.startswith(b"BDAT")]
    lines += [
        b"EHLO app.test\r\n",
        b"MAIL FROM:<app@contoso.com> BODY=BINARYMIME\r\n",
        b"RCPT TO:<someone@fabrikam.com>\r\n",
        b"BDAT 20\r\n" + body[:20],
        b"BDAT %d LAST\r\n" % (len(body) - 20) + body[20:],
        b"NOOP\r\n",
        b"QUIT\r\n",
    ]
    live = wire_session(endpoint.port(25), lines)
    assert live == model_session(decisions, lines, client_ip="10.0.5.20")
    assert live[-3] == ["250 2.6.0 Queued mail for delivery"]
    [eml] = endpoint.endpoint.written
    assert eml.read_bytes().endswith(body)


def test_ipv6_loopback_is_served_as_the_ipv4_loopback_client(endpoint, decisions, scenario):
    lines = [b"EHLO client.test\r\n", b"QUIT\r\n"]
    live = wire_session(endpoint.port(587), lines, host="::1")
    # --client-ip is 10.0.5.20 here; the port stands for 587, whose Client connector takes every address
    assert live == model_session(decisions, lines, port=587, client_ip="10.0.5.20")
    assert live[1][0] == "250-HUB1.contoso.com Hello [10.0.5.20]"


def test_an_idle_client_gets_the_models_timeout_reply(scenario, tmp_path):
    with ThreadedEndpoint(scenario, "HUB1", [("127.0.0.1", 0, 25)], tmp_path, idle_timeout=0.3) as endpoint:
        with socket.create_connection(("127.0.0.1", endpoint.port(25)), timeout=5) as sock:
            replies = sock.makefile("rb")
            assert read_reply(replies)[0].startswith("220 ")
            assert read_reply(replies) == ["451 4.7.0 Timeout waiting for client input"]  # DOMAIN.md 3
            assert replies.readline() == b""  # and the server closed the connection
