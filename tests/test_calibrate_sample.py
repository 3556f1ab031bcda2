"""A hand-written sample of Exchange 2010 tracking logs is read correctly (tests/data/calibrate/e2010).

The sample was written from the published field list (DOMAIN.md 8: the 21 Exchange 2007 fields, then
directionality, tenant-id, original-client-ip, original-server-ip, custom-data), one folder per server,
CRLF line ends, host names as FQDNs in rows and short names for folders, quoted fields with commas and
doubled quotes (SUBMIT source-context, subjects, a recipient-status with a semicolon, custom-data).

Two sites: BER (BER-HUB1, BER-MBX1) and PAR (PAR-HUB1, PAR-MBX1), and EDGE1. Five messages:
  M1 BER-MBX1 -> alice, bob (BER-MBX1): SUBMIT 08:00:00.000, DELIVER 08:00:01.500, 10,240 bytes.
  M2 BER-MBX1 -> staff@ (a list: carol, dave in BER, erin in PAR) and xavier@fabrikam.com: SUBMIT 09:00:00,
     EXPAND (3 members), DELIVER carol, dave at 09:00:02, SEND erin to PAR-HUB1 (DELIVER there 09:00:04),
     SEND xavier to EDGE1, which SENDs him to mx1.fabrikam.com at 09:00:06; 20,480 bytes, 2 envelope recipients.
  M3 BER-MBX1 -> nobody@contoso.com: SUBMIT 09:30, FAIL 550 5.1.1, DSN; 4,096 bytes.
  M4 mail.adatum.example -> alice: RECEIVE on EDGE1 09:45:00.000 (message-info 09:45:00.000), DELIVER 09:45:01.
  M5 PAR-MBX1 -> alice: SUBMIT 10:00:00.000, PAR-HUB1 SENDs to BER-HUB1, DELIVER 10:00:02; 8,192 bytes.
Every expected value below is counted by hand from that list.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

import sim
from sim.calibrate import scenario_text
from sim.cli import main

SAMPLE = Path(__file__).parent / "data" / "calibrate" / "e2010"
ADDRESSES = ("anna@", "ben@", "chloe@", "alice@", "bob@", "carol@", "dave@", "erin@", "xavier@", "zoe@", "nobody@",
             "staff@", "fabrikam", "adatum", "MicrosoftExchange")  # fmt: skip
SUBJECTS = ("Budget", "Staff meeting", "lunch", "Hello from Adatum", "Bonjour", "Undeliverable")


@pytest.fixture(scope="module")
def sample():
    return sim.calibrate(SAMPLE)


def test_every_row_is_read_and_none_is_malformed(sample):
    assert (sample.files, sample.rows, sample.problem_count) == (5, 27, 0)


def test_roles_and_inferred_sites(sample):
    servers = {s.name: (s.roles, s.site) for s in sample.organisation.servers.values()}
    assert servers == {
        "BER-HUB1": (("hub",), "BER"),
        "BER-MBX1": (("mailbox",), "BER"),
        "PAR-HUB1": (("hub",), "PAR"),
        "PAR-MBX1": (("mailbox",), "PAR"),
        "EDGE1": (("edge",), "BER"),  # it relays with BER-HUB1 only
    }
    assert sample.organisation.sites == ["BER", "PAR"] and sample.organisation.sites_inferred
    # relays between the sites: M2 BER->PAR (SEND and RECEIVE rows) and M5 PAR->BER (the same): 4 rows
    assert sample.organisation.links == [("BER", "PAR", 4)]


def test_submissions_recipients_and_sizes(sample):
    loads = {m.name: (m.source, m.curve.total, m.delivered, m.mailboxes_seen) for m in sample.mailbox_servers}
    # delivered to BER-MBX1: M1 2, M2 2, M4 1, M5 1; distinct: alice, bob, carol, dave
    assert loads == {"BER-MBX1": ("SUBMIT", 3, 6, 4), "PAR-MBX1": ("SUBMIT", 1, 1, 1)}
    assert sample.recipients.counts == {2: 2, 1: 2}  # envelope recipients at STOREDRIVER RECEIVE: M1, M2, M3, M5
    assert sample.sizes.n == 4 and sample.sizes.mean == (10240 + 20480 + 4096 + 8192) / 4
    assert sample.internet_recipients.counts == {1: 1} and sample.internet_sizes.mean == 30720
    assert sample.internet_by_server == {"EDGE1": 1}


def test_where_mail_goes(sample):
    shares = {site: (s.in_site, s.other_sites, s.internet, s.ndr) for site, s in sample.shares.items()}
    # BER: M1 2 + M2 2 in the site, erin in PAR, xavier on the Internet, nobody an NDR; PAR: M5 to BER
    assert shares == {"BER": (4, 1, 1, 1), "PAR": (0, 1, 0, 0), "all": (4, 2, 1, 1)}
    assert sample.delivered_by_site == {"BER": {"BER": 4, "PAR": 1}, "PAR": {"BER": 1}, "Internet": {"BER": 1}}
    assert sample.unknown_share == 1 / 8 and sample.unknown_origin == 0


def test_latency_from_submit_per_path(sample):
    expected = {  # path: (recipients, mean seconds)
        "BER -> BER": (4, (1.5 * 2 + 2.0 * 2) / 4),
        "BER -> PAR": (1, 4.0),
        "BER -> Internet": (1, 6.0),
        "Internet -> BER": (1, 1.0),
        "PAR -> BER": (1, 2.0),
    }
    assert {path: (b.n, round(b.mean, 9)) for path, b in sample.latency.items()} == expected
    for path, bins in sample.latency.items():  # quantiles come from 1% bins: within 1% of a value seen
        assert bins.quantile(0.99) == pytest.approx(bins.largest, rel=0.011), path


def test_expansion_ndr_and_other_events(sample):
    assert (sample.expansions, sample.members.counts) == (1, {3: 1})
    assert sample.ndr_codes == {"5.1.1": 1}
    hub = sample.events["BER-HUB1"]
    assert (hub["DSN"], hub["TRANSFER"], hub["FAIL"], hub["EXPAND"]) == (1, 1, 1, 1)
    assert sample.other_events == {}


def test_the_calibrated_scenario_loads_and_states_its_sources(sample):
    text = scenario_text(sample)
    scenario = sim.load_scenario(yaml.safe_load(text))
    assert [s.name for s in scenario.sites] == ["BER", "PAR"]
    assert [e.name for e in scenario.edges] == ["EDGE1"] and scenario.edges[0].subscribed_site == "BER"
    assert scenario.workload.unknown_share == pytest.approx(1 / 8)
    assert scenario.workload.domains[0].domain == "internet.example"
    assert scenario.workload.domains[0].share == pytest.approx(1 / 8)
    assert scenario.workload.recipients.mean_value == pytest.approx(1.5, abs=0.001)
    assert "logged 3 SUBMIT" in text and "1 expansions" in text and "5.1.1 1 recipients" in text


def test_nothing_of_an_address_or_subject_leaves_the_reader(sample, tmp_path, capsys):
    """The command writes the scenario and a report that runs it beside the logs; neither holds an address."""
    out, report = tmp_path / "scenario.yaml", tmp_path / "report.html"
    assert main(["calibrate", str(SAMPLE), "--out", str(out), "--report", str(report), "--seed", "2"]) == 0
    assert "Simulated against observed:" in capsys.readouterr().out
    page = report.read_text()
    assert "Observed against simulated" in page and "<td>messages a day</td>" in page
    for text in (out.read_text(), page):
        assert not [word for word in ADDRESSES + SUBJECTS if word.lower() in text.lower()]


def test_anonymise_leaves_no_server_or_site_name(tmp_path):
    out, report = tmp_path / "scenario.yaml", tmp_path / "report.html"
    assert main(["calibrate", str(SAMPLE), "--out", str(out), "--report", str(report), "--no-run", "--anonymise"]) == 0
    for text in (out.read_text(), report.read_text()):
        assert not re.findall(r"(?i)\b(ber|par)(-|\b)", text)
    scenario = sim.load_scenario(out)
    names = {h.name for site in scenario.sites for h in site.hubs} | {e.name for e in scenario.edges}
    assert names == {"SITE1-HUB1", "SITE2-HUB1", "EDGE1"}
    assert main(["calibrate", str(SAMPLE), "--out", str(tmp_path / "again.yaml"), "--anonymise"]) == 0
    assert (tmp_path / "again.yaml").read_text() == out.read_text()  # stable: the same logs, the same names


def test_a_site_map_names_the_sites(tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text("server,site\nber-hub1,Berlin\nBER-MBX1.contoso.com,Berlin\nPAR-HUB1,Paris\nPAR-MBX1,Paris\n")
    calibration = sim.calibrate(SAMPLE, sites=sites)
    assert calibration.organisation.sites == ["Berlin", "Paris"] and not calibration.organisation.sites_inferred
    assert {s.name: s.site for s in calibration.organisation.servers.values()}["EDGE1"] == "Berlin"
    assert calibration.shares["Berlin"].in_site == 4


def test_a_time_zone_moves_the_hours_of_the_day():
    calibration = sim.calibrate(SAMPLE, timezone="Europe/Berlin")  # 2010-04-19 is summer time: UTC+2
    rates = calibration.submissions.hourly()
    assert [h for h, r in enumerate(rates) if not math.isnan(r)] == [10, 11]  # 08:00-10:00 UTC


def test_a_site_map_leaving_mailboxes_without_a_hub_is_one_line_and_exit_2(tmp_path, capsys):
    sites = tmp_path / "sites.csv"
    sites.write_text("BER-HUB1,Berlin\nBER-MBX1,Berlin\nPAR-HUB1,Berlin\nPAR-MBX1,Paris\n")
    assert main(["calibrate", str(SAMPLE), "--out", str(tmp_path / "o.yaml"), "--sites", str(sites)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "site 'Paris' has Mailbox servers but no Hub Transport server" in err
    calibration = sim.calibrate(SAMPLE, sites=sites)  # the reader itself notes what Exchange never does
    assert any("the site map puts in different sites" in note for note in calibration.notes)


def test_without_the_mailbox_servers_logs_submissions_are_counted_on_the_hubs(tmp_path):
    import shutil

    for server in ("BER-HUB1", "PAR-HUB1", "EDGE1"):
        shutil.copytree(SAMPLE / server, tmp_path / server)
    calibration = sim.calibrate(tmp_path)
    loads = {m.name: (m.source, m.curve.total) for m in calibration.mailbox_servers}
    assert loads == {"BER-MBX1": ("STOREDRIVER RECEIVE", 3), "PAR-MBX1": ("STOREDRIVER RECEIVE", 1)}
    # latency now runs from the STOREDRIVER RECEIVE's message-info (the original arrival time): the same here
    assert calibration.latency["BER -> BER"].mean == pytest.approx(1.75)
    with pytest.raises(sim.calibrate.CalibrationError, match="the logs show no Mailbox server"):
        sim.calibrate(tmp_path / "EDGE1")


def test_without_an_edge_the_hubs_that_send_outside_get_a_send_connector(tmp_path):
    import shutil

    for server in ("BER-HUB1", "BER-MBX1", "PAR-HUB1", "PAR-MBX1"):  # EDGE1's logs left out: it is a host outside
        shutil.copytree(SAMPLE / server, tmp_path / server)
    scenario = sim.load_scenario(yaml.safe_load(scenario_text(sim.calibrate(tmp_path))))
    assert not scenario.edges and scenario.internet.inbound_rate == 0
    assert [(c.name, [a.domain for a in c.address_spaces], c.source_servers) for c in scenario.send_connectors] == [
        ("To Internet from BER", ["*"], ["BER-HUB1"])]  # PAR-HUB1 only relayed to BER-HUB1  # fmt: skip
