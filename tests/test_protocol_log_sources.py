"""Protocol logs against published Exchange logs and Microsoft's documentation (issue 21, point 2).

Sources of the expected values (docs/exchange/protocol-log.md lists them):
- session ids: an Exchange 2010 SMTP Receive log published with a script (session 08D675E58CA1DA38, its first
  line at 2019-01-25T00:03:58.478Z) and an Exchange 2013 Send log of 2019 (08D760DF231F00BC, 2019-11-04T06:00:35Z);
  .NET ticks are 100 ns from 0001-01-01 and the Unix epoch is tick 621355968000000000 (DateTime.UnixEpoch), so the
  times below are that arithmetic done by hand.
- the banner: E2007 bb123686 ("220 mail1.fabrikam.com Microsoft ESMTP MAIL Service ready at <day-date-time>") and
  Microsoft's later Telnet page ("... ready at Fri, 5 Aug 2016 16:24:41 -0700").
- the certificate lines: Microsoft KB 4495258 (an Exchange Send log: Sending certificate, Certificate subject,
  issuer name, serial number, thumbprint, alternate names) and the 2019 Send log (Received certificate, then
  the thumbprint); a thumbprint is the SHA-1 of the certificate's DER bytes.
- the build: 8.1.240.6 is Exchange Server 2007 SP1 (Microsoft's "Exchange Server build numbers and release dates").
"""

from __future__ import annotations

import hashlib
import ssl
from datetime import datetime, timezone

import pytest
from smtp_helpers import read_protocol_log
from test_smtp_session import ALLOWED, connector, org

from sim.formats.protocol_log import RECEIVE, SEND, header
from sim.formats.session_id import session_id, session_start
from sim.formats.tracking_fields import HEADER_VERSION
from sim.formats.version import EXCHANGE_BUILD
from sim.scenario.loading import load_scenario
from sim.smtp import session
from sim.smtp.certificates import pem_certificate
from sim.smtp.protocol_log_writer import ProtocolLogWriter
from sim.smtp.replies import banner

UTC = timezone.utc

# Two lines of the published Exchange 2010 SMTP Receive log (connector, id, endpoints and data as published)
SAMPLE = [
    "#Software: Microsoft Exchange Server",
    "#Version: 14.0.0.0",
    "#Log-type: SMTP Receive Protocol Log",
    "#Date: 2019-01-25T00:03:58.478Z",
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context",
    "2019-01-25T00:03:58.478Z,TAIL-EXCH-1\\Internet Mail,08D675E58CA1DA38,0,10.0.0.6:25,185.234.217.220:61061,+,,",
    "2019-01-25T00:03:58.494Z,TAIL-EXCH-1\\Internet Mail,08D675E58CA1DA38,1,10.0.0.6:25,185.234.217.220:61061,*,"
    "SMTPSubmit SMTPAcceptAnySender SMTPAcceptAuthoritativeDomainSender AcceptRoutingHeaders,Set Session Permissions",
]


# ---- session ids --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, decoded, first_line",
    [
        # 0x08D675E58CA1DA38 = 636826026086881848 ticks; - 621355968000000000 = 1547005808.6881848 s after 1970
        ("08D675E58CA1DA38", datetime(2019, 1, 9, 3, 50, 8, 688184, UTC), datetime(2019, 1, 25, 0, 3, 58, 478000, UTC)),
        # 0x08D760DF231F00BC = 637084383779422396 ticks = 1572841577.9422396 s after 1970
        (
            "08D760DF231F00BC",
            datetime(2019, 11, 4, 4, 26, 17, 942239, UTC),
            datetime(2019, 11, 4, 6, 0, 35, 402000, UTC),
        ),
    ],
)
def test_a_real_session_id_decodes_to_a_time_before_its_session(text, decoded, first_line):
    assert session_start(text) == decoded
    # Exchange counts sessions up from the ticks of the Transport service's start: never after the session
    assert session_start(text) < first_line
    # and back: the decoded time plus the tenths of a microsecond it dropped gives the published id
    assert session_id(decoded, int(text, 16) % 10) == text


def test_a_session_id_is_16_upper_case_hex_digits_of_its_start_plus_n():
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    # 621355968000000000 + 1767603600 s * 10**7 = 0x08DE4C38CE86A800
    assert session_id(start, 0) == "08DE4C38CE86A800"
    assert session_id(start, 2) == "08DE4C38CE86A802"
    assert session_id(start.replace(tzinfo=None), 0) == "08DE4C38CE86A800"  # a naive time is UTC
    assert session_start(session_id(start, 0)) == start
    with pytest.raises(ValueError, match="0 or more"):
        session_id(start, -1)
    with pytest.raises(ValueError, match="16 hexadecimal digits"):
        session_start("08D675E58CA1DA3")


def test_sessions_of_one_writer_in_one_tick_keep_their_own_ids(tmp_path):
    writer = ProtocolLogWriter(tmp_path, SEND)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    ids = [writer.session("C", "10.0.0.1:1025", "10.0.0.2:25", start=start).session_id for _ in range(3)]
    assert ids == ["08DE4C38CE86A800", "08DE4C38CE86A801", "08DE4C38CE86A802"]


# ---- the file -------------------------------------------------------------------------------------------------


def test_one_exchange_build_names_both_logs():
    assert EXCHANGE_BUILD == "8.1.240.6"  # Exchange Server 2007 SP1
    assert header(RECEIVE, datetime(2026, 1, 5, tzinfo=UTC))[1] == "#Version: 8.1.240.6"
    assert HEADER_VERSION == "#Version: 8.1.240.6"  # the tracking log's


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["without BOM", "with BOM"])
def test_the_reader_reads_a_published_log_with_or_without_a_byte_order_mark(tmp_path, bom):
    path = tmp_path / "RECV20190125-1.LOG"
    path.write_bytes(bom + "\r\n".join(SAMPLE).encode("utf-8") + b"\r\n")
    events = list(read_protocol_log(path))
    assert [(e["connector-id"], e["session-id"], e["sequence-number"], e["event"]) for e in events] == [
        ("TAIL-EXCH-1\\Internet Mail", "08D675E58CA1DA38", "0", "+"),
        ("TAIL-EXCH-1\\Internet Mail", "08D675E58CA1DA38", "1", "*"),
    ]
    assert events[1]["context"] == "Set Session Permissions"


def test_a_line_without_nine_fields_names_the_file_and_line(tmp_path):
    path = tmp_path / "RECV20190125-1.LOG"
    path.write_text("\r\n".join([*SAMPLE[:5], "2019-01-25T00:03:58.478Z,too,few"]) + "\r\n", encoding="utf-8-sig")
    with pytest.raises(ValueError, match=r"RECV20190125-1\.LOG, line 6: 3 fields"):
        list(read_protocol_log(path))


# ---- what the server says and shows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, date",
    [
        (datetime(2016, 8, 5, 23, 24, 41, tzinfo=UTC), "Fri, 5 Aug 2016 23:24:41 +0000"),  # 16:24:41 -0700
        (datetime(2023, 1, 11, 15, 59, 51, tzinfo=UTC), "Wed, 11 Jan 2023 15:59:51 +0000"),  # 16:59:51 +0100
    ],
)
def test_the_banner_ends_with_its_rfc_2822_date(moment, date):
    reply = banner("mail1.fabrikam.com", moment)
    assert reply.wire() == [f"220 mail1.fabrikam.com Microsoft ESMTP MAIL Service ready at {date}"]


def test_starttls_logs_the_certificate_the_server_sends(tmp_path):
    scenario = load_scenario(org([connector(usage="Internet", protocol_logging_level="Verbose")]))
    writer = ProtocolLogWriter(tmp_path)
    steps = [("EHLO", "client.example"), ("STARTTLS",), ("EHLO", "client.example"), ("QUIT",)]
    session(scenario, "HUB1", ALLOWED, 25, steps, protocol_log=writer)
    events = [(e["event"], e["data"], e["context"]) for e in read_protocol_log(writer.files[0])]
    ready = events.index((">", "220 2.0.0 SMTP server ready", ""))
    shown = events[ready + 1 : ready + 7]
    assert [(event, context) for event, _, context in shown] == [
        ("*", "Sending certificate"),
        ("*", "Certificate subject"),
        ("*", "Certificate issuer name"),
        ("*", "Certificate serial number"),
        ("*", "Certificate thumbprint"),
        ("*", "Certificate subject alternate names"),
    ]
    assert shown[0][1] == "" and shown[1][1] == "CN=HUB1" and shown[5][1] == "HUB1, HUB1.contoso.com"
    assert len(shown[4][1]) == 40 and shown[4][1] == shown[4][1].upper()  # SHA-1: 160 bits in hexadecimal
    assert events[ready + 7] == ("<", "EHLO client.example", "")


def test_a_real_certificate_shows_its_sha1_thumbprint_and_names():
    trustme = pytest.importorskip("trustme")
    issued = trustme.CA(organization_name="Woodgrove Bank CA").issue_cert("mail.contoso.com", "smtp.contoso.com")
    pem = issued.cert_chain_pems[0].bytes()
    shown = pem_certificate(pem)
    assert shown.thumbprint == hashlib.sha1(ssl.PEM_cert_to_DER_cert(pem.decode())).hexdigest().upper()
    assert shown.alternate_names == ("mail.contoso.com", "smtp.contoso.com")
    assert shown.issuer.endswith("O=Woodgrove Bank CA") and ", " in shown.issuer  # "CN=x, OU=y, O=z": KB 4495258


def test_a_full_file_rolls_over_to_the_day_s_next_instance(tmp_path):
    # aa997624: a protocol log file's default cap is 10 MB; the day's files count up from 1 (cc539075's -nnnn)
    writer = ProtocolLogWriter(tmp_path, RECEIVE, max_file_size=1000)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    log = writer.session("HUB1\\Default HUB1", "10.0.0.1:25", "10.0.0.2:1025", lambda: start, start=start)
    for _ in range(8):
        log.received("EHLO HUB2.contoso.com")
    names = [path.name for path in writer.files]
    assert names == ["RECV20260105-1.LOG", "RECV20260105-2.LOG"]
    first, second = (path.read_bytes() for path in writer.files)
    assert (
        len(first) >= 1000 > len(second)
        and first.startswith(b"\xef\xbb\xbf#Software")
        and second.startswith(b"\xef\xbb\xbf#")
    )
    sequence = [int(e["sequence-number"]) for path in writer.files for e in read_protocol_log(path)]
    assert sequence == list(range(8))  # the session goes on in the next file
    assert ProtocolLogWriter(tmp_path, RECEIVE, max_file_size=1000).path_for(start).name == "RECV20260105-2.LOG"
