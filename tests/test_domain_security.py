"""Domain Security, Exchange 2007's mutual TLS with partner domains (issue 12, item 3), in the model and live.

Expected replies are Exchange's (the later build's receive code, sim/exchange/domain_security.py): a
sender of a domain on TLSReceiveDomainSecureList must arrive over STARTTLS with a certificate naming its
domain; without TLS or without a certificate 530 5.7.1 Not authenticated; with another domain's
certificate 454 4.7.5 Certificate validation failure; on a connector that is not DomainSecureEnabled
451 4.7.3. A proved partner holds the Partners group's rights: Submit, no relay (550 5.7.1).
"""

from __future__ import annotations

import re
import smtplib
import ssl
import subprocess

import pytest
from smtp_helpers import smtplib_view
from test_smtp_session import org

from sim.exchange.domain_security import PeerCertificate, certificate_matches
from sim.scenario.errors import ScenarioError
from sim.scenario.loading import load_scenario
from sim.smtp import SmtpDecisions, session
from sim.smtp.serving import ThreadedEndpoint

PARTNER_IP = "198.51.100.20"
CONNECTORS = [
    {
        "name": "Partner fabrikam.com",
        "usage": "Partner",
        "bindings": ["0.0.0.0:25"],
        "remote_ip_ranges": ["198.51.100.16/28"],
        "domain_secure_enabled": True,
    },
    {"name": "Internet", "usage": "Internet", "bindings": ["0.0.0.0:25"]},
]
DOMAINS = {"tls_receive_domain_secure_list": ["fabrikam.com"], "tls_send_domain_secure_list": ["fabrikam.com"]}
FABRIKAM = PeerCertificate.of("mail.fabrikam.com")
NORTHWIND = PeerCertificate.of("mail.northwind.example")
BODY = b"From: alice@fabrikam.com\r\nSubject: secure\r\n\r\nOver mutual TLS.\r\n"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(org(CONNECTORS, domain_security=DOMAINS))


def steps(certificate=None, tls=True, sender="alice@fabrikam.com", recipient="user1@contoso.com"):
    hello = [("EHLO", "mail.fabrikam.com")]
    if tls:
        hello += [("STARTTLS", certificate) if certificate else ("STARTTLS",), ("EHLO", "mail.fabrikam.com")]
    return hello + [("MAIL", sender), ("RCPT", recipient)]


# ---- the model ------------------------------------------------------------------------------------------


def test_partner_with_its_certificate_is_accepted_and_may_not_relay(scenario):
    t = session(scenario, "HUB1", PARTNER_IP, 25, steps(FABRIKAM) + [("RCPT", "x@northwind.example"), ("DATA", 500)])
    assert t.connector == "Partner fabrikam.com"
    assert [str(r) for r in t.replies[-4:]] == [
        "250 2.1.0 Sender OK",
        "250 2.1.5 Recipient OK",
        "550 5.7.1 Unable to relay",
        "250 2.6.0 Queued mail for delivery",
    ]
    assert t.state.accepted[0].identity == "partner fabrikam.com (Domain Security)"


@pytest.mark.parametrize(
    "certificate, tls, expected",
    [
        (None, False, "530 5.7.1 Not authenticated"),  # no STARTTLS on a connector that offers it
        (None, True, "530 5.7.1 Not authenticated"),  # STARTTLS but no client certificate
        (NORTHWIND, True, "454 4.7.5 Certificate validation failure"),  # another domain's certificate
        (PeerCertificate.of("mail.fabrikam.com", trusted=False), True, "454 4.7.5 Certificate validation failure"),
    ],
)
def test_partner_without_its_certificate_is_refused(scenario, certificate, tls, expected):
    t = session(scenario, "HUB1", PARTNER_IP, 25, steps(certificate, tls))
    assert str(t.decisive) == expected and t.state.accepted == []


def test_secure_domain_on_a_connector_without_domain_security_is_refused(scenario):
    t = session(scenario, "HUB1", "20.30.40.50", 25, steps(FABRIKAM))
    assert t.connector == "Internet"
    assert str(t.decisive) == "451 4.7.3 The admin has temporarily disallowed this secure domain"
    other = session(scenario, "HUB1", "20.30.40.50", 25, steps(sender="bob@northwind.example"))
    assert other.decisive.code == 250  # only the listed domains are held to Domain Security


def test_each_mail_from_proves_its_domain_again(scenario):
    state = SmtpDecisions(scenario, "HUB1").connect(PARTNER_IP, 25)
    state.ehlo("mail.fabrikam.com")
    state.starttls(FABRIKAM)
    state.ehlo("mail.fabrikam.com")
    assert state.mail_from("alice@fabrikam.com").code == 250 and state.identity.kind == "partner"
    state.rset()
    assert str(state.mail_from("bob@northwind.example")) == "530 5.7.1 Client was not authenticated"


def test_client_certificate_is_requested_only_where_domain_secure(scenario):
    d = SmtpDecisions(scenario, "HUB1")
    assert d.connect(PARTNER_IP, 25).requests_certificate
    assert not d.connect("20.30.40.50", 25).requests_certificate
    edge = load_scenario(org(None, edge_connectors=[], domain_security=DOMAINS))
    assert SmtpDecisions(edge, "EDGE1").connect("20.30.40.50", 25).requests_certificate  # Edge default: $true
    assert (
        not SmtpDecisions(load_scenario(org(None, edge_connectors=[])), "EDGE1")
        .connect("1.2.3.4", 25)
        .requests_certificate
    )


@pytest.mark.parametrize(
    "names, domain, matches",
    [
        (("fabrikam.com",), "fabrikam.com", True),
        (("mail.fabrikam.com",), "fabrikam.com", True),
        (("*.fabrikam.com",), "FABRIKAM.COM", True),
        (("notfabrikam.com",), "fabrikam.com", False),
        (("fabrikam.com.evil.example",), "fabrikam.com", False),
        (("mail.northwind.example", "mail.fabrikam.com"), "fabrikam.com", True),
    ],
)
def test_certificate_names_the_domain(names, domain, matches):
    assert certificate_matches(PeerCertificate.of(*names), domain) is matches


def test_peercert_dict_gives_the_dns_names():
    peer = {"subject": ((("commonName", "ignored.example"),),), "subjectAltName": (("DNS", "Mail.Fabrikam.com"),)}
    assert PeerCertificate.from_peercert(peer).names == ("mail.fabrikam.com",)
    assert PeerCertificate.from_peercert({"subject": ((("commonName", "x.example"),),)}).names == ("x.example",)
    assert PeerCertificate.from_peercert({}) is None


@pytest.mark.parametrize(
    "change, words",
    [
        ({"domain_security": {"tls_receive_domain_secure_list": ["*.fabrikam.com"]}}, "wildcard character"),
        ({"domain_security": {"tls_receive_domain_secure_list": ["fabrikam"]}}, "is not a domain name"),
        ({"domain_security": {"tls_send_domain_secure_list": ["a.com", "A.com"]}}, "each domain may appear once"),
    ],
)
def test_bad_domain_security_settings_name_the_key(change, words):
    with pytest.raises(ScenarioError, match=words) as error:
        load_scenario(org(CONNECTORS, **change))
    assert "domain_security.tls_" in str(error.value)


def test_domain_secure_connector_needs_tls_and_no_external_authoritative():
    bad = dict(CONNECTORS[0], permission_groups=["ExchangeServers"], auth_mechanisms=["Tls", "ExternalAuthoritative"])
    with pytest.raises(
        ScenarioError, match="domain_secure_enabled: needs Tls in auth_mechanisms and no ExternalAuthoritative"
    ) as error:
        load_scenario(org([bad]))
    assert "receive_connectors[0]" in str(error.value)


# ---- live: the endpoint asks for a client certificate and the model judges it --------------------------------


@pytest.fixture(scope="module")
def endpoint(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("ds")
    with ThreadedEndpoint(scenario, "HUB1", [("127.0.0.1", 0, 25)], out, client_ip=PARTNER_IP, timeout=5) as ep:
        yield ep


def live(endpoint, certificate_names=None):
    """EHLO, STARTTLS (with a client certificate for these names, issued by the endpoint's CA), EHLO, MAIL,
    RCPT, DATA over smtplib; the replies as smtplib sees them."""
    context = ssl.create_default_context(cadata=endpoint.endpoint.ca_pem.decode())
    if certificate_names:
        folder = endpoint.endpoint.out
        context.load_cert_chain(str(endpoint.endpoint.tls.client_certificate(folder, *certificate_names)))
    client = smtplib.SMTP("127.0.0.1", endpoint.port(25), timeout=5)
    try:
        replies = [client.ehlo("mail.fabrikam.com"), client.starttls(context=context), client.ehlo("mail.fabrikam.com")]
        replies += [client.docmd("MAIL", "FROM:<alice@fabrikam.com>"), client.docmd("RCPT", "TO:<user1@contoso.com>")]
        replies.append(client.data(BODY) if replies[-1][0] == 250 else client.docmd("DATA"))
    finally:
        client.close()
    return [(code, text) for code, text in replies]


def model(scenario, certificate):
    t = session(scenario, "HUB1", PARTNER_IP, 25, steps(certificate) + [("DATA", len(BODY))])
    views = [smtplib_view(r) for r in t.replies]
    return [views[0], (views[1][0], views[1][1]), *views[2:]], t


@pytest.mark.parametrize(
    "names, certificate, code",
    [(("mail.fabrikam.com",), FABRIKAM, 250), (None, None, 530), (("mail.northwind.example",), NORTHWIND, 454)],
)
def test_live_partner_certificate_decides_like_the_model(scenario, endpoint, names, certificate, code):
    before = len(endpoint.endpoint.written)
    replies = live(endpoint, names)
    expected, transcript = model(scenario, certificate)
    assert replies == expected, transcript.text()
    assert replies[1] == (220, b"2.0.0 SMTP server ready")
    assert replies[3][0] == code
    if code == 250:
        assert replies[-1][0] == 250
        eml = endpoint.endpoint.written[-1].read_bytes()
        assert b"X-Exsim-Identity: partner fabrikam.com (Domain Security)\r\n" in eml
    else:
        assert len(endpoint.endpoint.written) == before


@pytest.mark.usefixtures("swaks_tls")  # conftest: a skip here, a failure under CI=true
def test_swaks_with_the_partner_certificate_exsim_smtpd_writes(endpoint):
    pem = endpoint.endpoint.partner_certificates["fabrikam.com"]
    command = ["swaks", "--server", f"127.0.0.1:{endpoint.port(25)}", "--timeout", "5", "--helo", "mail.fabrikam.com"]
    command += ["--tls", "--tls-cert", str(pem), "--tls-key", str(pem)]
    command += ["--from", "alice@fabrikam.com", "--to", "user1@contoso.com"]
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^<~\s+250 2\.1\.0 Sender OK", done.stdout, re.M), done.stdout


def test_shipped_scenario_rehearsed_live(root, tmp_path):
    """scenarios/partner-tls-and-appliance.yaml as README shows it: the partner with the certificate
    exsim smtpd writes is accepted on its connector; the appliance hands over mail without one."""
    scenario = load_scenario(root / "scenarios/partner-tls-and-appliance.yaml")
    for client_ip, connector in (("192.0.2.20", "Partner fabrikam.com"), ("10.0.1.25", "From spam appliance")):
        out = tmp_path / client_ip
        with ThreadedEndpoint(scenario, "HUB1", [("127.0.0.1", 0, 25)], out, client_ip=client_ip, timeout=5) as ep:
            context = ssl.create_default_context(cadata=ep.endpoint.ca_pem.decode())
            context.load_cert_chain(str(ep.endpoint.partner_certificates["fabrikam.com"]))
            with smtplib.SMTP("127.0.0.1", ep.port(25), timeout=5) as client:
                client.starttls(context=context)
                client.sendmail("alice@fabrikam.com", ["user1@contoso.com"], BODY)
        [eml] = ep.endpoint.written
        assert f"X-Exsim-Receive-Connector: {connector}\r\n".encode() in eml.read_bytes()
        [log] = ep.endpoint.protocol_log.files
        assert f"HUB1\\{connector}," in log.read_text()
