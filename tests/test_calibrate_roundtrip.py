"""Round trip: a bundled scenario runs with its tracking log on; `calibrate` on those logs gives a scenario whose
rate, diurnal weights, recipient and size distributions and path shares match the original within their
sampling error.

Tolerances come from the counts, never from a guess: each check is a z score, the difference over the
standard error that the counts give (Poisson for a count, multinomial or binomial for a share, the
distribution's own variance for a mean, the lognormal's maximum-likelihood standard errors for mu and
sigma). There are about 50 checks; at |z| <= 4.5 each has a false-alarm chance of 6.8e-6, so the family
errs less than once in 2,900 runs (Bonferroni) while a wrong rate, curve or share fails by tens of sigmas.
The expected values are the scenarios' own inputs and what theory says they make: recipients are drawn
uniformly over all mailboxes, so mail stays in its sender's site with probability (site's mailboxes /
all mailboxes).
"""

from __future__ import annotations

import math

import pytest
import yaml

import sim
from sim.calibrate import scenario_text
from sim.calibrate.compare import compare, simulate
from sim.calibrate.histograms import LognormalFit
from sim.calibrate.observations import implied_shares
from sim.calibrate.report import report_html
from sim.calibrate.scenario_file import antispam_pass_rate
from sim.formats.tracking_write import write_logs
from sim.scenario.schema import DIURNAL_CURVES

Z = 4.5


def z(observed: float, expected: float, se: float) -> float:
    return (observed - expected) / se


def calibrated(tmp_path_factory, scenario: str, overrides: dict):
    result = sim.run(scenario, overrides=overrides)
    folder = tmp_path_factory.mktemp("tracking")
    write_logs(result.tracking_log, folder)
    calibration = sim.calibrate(folder)
    return calibration, sim.load_scenario(yaml.safe_load(scenario_text(calibration)))


# -- two sites over a whole day: rate, curve, distributions, where mail goes ------------------------------

MAILBOXES = {"SEA-MBX1": 3000, "SEA-MBX2": 3000, "LON-MBX1": 2500}
SENT_A_DAY = 2.0


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    overrides = {"duration": "24h", "warmup": "0s", "workload.sent_per_mailbox_per_day": SENT_A_DAY}
    return calibrated(tmp_path_factory, "scenarios/two-sites.yaml", overrides)


def test_servers_roles_and_sites_are_found(two_sites):
    calibration, scenario = two_sites
    sites = {s.name: ({h.name for h in s.hubs}, {m.name for m in s.mailbox_servers}) for s in scenario.sites}
    assert sites == {"SEA": ({"SEA-HUB1", "SEA-HUB2"}, {"SEA-MBX1", "SEA-MBX2"}),
                     "LON": ({"LON-HUB1", "LON-HUB2"}, {"LON-MBX1"})}  # fmt: skip
    assert [tuple(link.sites) for link in scenario.site_links] == [("LON", "SEA")]
    assert calibration.problem_count == 0 and calibration.unknown_origin == 0


def test_the_rate_matches(two_sites):
    calibration, scenario = two_sites
    expected = sum(MAILBOXES.values()) * SENT_A_DAY  # messages a day
    se = math.sqrt(expected)  # Poisson
    assert abs(z(calibration.submissions.per_day(), expected, se)) < Z
    total = scenario.workload.sent_per_day * sum(m.mailboxes for s in scenario.sites for m in s.mailbox_servers)
    assert abs(z(total, expected, se)) < Z
    assert total == pytest.approx(calibration.submissions.per_day(), rel=1e-6)


def test_each_servers_share_of_the_mailboxes_matches(two_sites):
    calibration, scenario = two_sites
    n = calibration.submissions.total
    written = {m.name: m.mailboxes for s in scenario.sites for m in s.mailbox_servers}
    for name, mailboxes in MAILBOXES.items():
        q = mailboxes / sum(MAILBOXES.values())
        assert abs(z(written[name] / sum(written.values()), q, math.sqrt(q * (1 - q) / n))) < Z, name


def test_the_diurnal_weights_match(two_sites):
    calibration, scenario = two_sites
    curve = DIURNAL_CURVES["business-day"]
    expected = [w * 24 / sum(curve) for w in curve]
    n = calibration.submissions.total
    for hour, (got, want) in enumerate(zip(calibration.submissions.weights(), expected)):
        p = want / 24  # the hour's share of a day's mail; its weight is 24 x the share
        assert abs(z(got, want, 24 * math.sqrt(p * (1 - p) / n))) < Z, hour
    assert scenario.workload.hourly_weights == pytest.approx(calibration.submissions.weights(), abs=1e-3)
    assert (scenario.duration, scenario.workload.start_of_day) == (86400.0, 0.0)


def test_recipients_per_message_match_the_geometric(two_sites):
    calibration, scenario = two_sites
    counts, n = calibration.recipients, calibration.recipients.n
    pmf = counts.pmf()
    for k in range(1, 7):
        p = 0.5**k  # geometric, mean 2
        assert abs(z(pmf.get(k, 0.0), p, math.sqrt(p * (1 - p) / n))) < Z, k
    assert abs(z(counts.mean, 2.0, math.sqrt(2.0 / n))) < Z  # variance (1 - p) / p^2 = 2
    samples = scenario.workload.recipients.samples
    assert len(samples) == 1000 and scenario.workload.recipients.dist == "empirical"
    for k in range(1, 6):  # 1,000 equal slices keep every share within 1 / 1,000
        assert abs(samples.count(k) / 1000 - pmf[k]) <= 0.001 + 1e-9, k


def test_sizes_match_the_lognormal(two_sites):
    calibration, scenario = two_sites
    sigma = math.sqrt(math.log(2.0))  # mean 50 KB, cv 1
    mu = math.log(50 * 1024) - sigma**2 / 2
    bins, n = calibration.sizes, calibration.sizes.n
    fit = bins.lognormal()
    assert abs(z(fit.mu, mu, sigma / math.sqrt(n))) < Z  # maximum-likelihood standard errors
    assert abs(z(fit.sigma, sigma, sigma / math.sqrt(2 * n))) < Z
    assert abs(z(bins.mean, 50 * 1024, 50 * 1024 / math.sqrt(n))) < Z  # sd = mean x cv
    samples = sorted(scenario.workload.size.samples)
    assert sum(samples) / len(samples) == pytest.approx(bins.mean, rel=1e-3)  # slice means keep the mean
    # Kolmogorov distance of the written samples from the original: the data's (DKW: P(D > e) <= 2 exp(-2 n e^2),
    # e for 1e-5), plus 1/1,000 for the slices, plus 1% bins (a CDF moves at most x f(x) x 1% <= 0.48 x 1%)
    truth = LognormalFit(mu, sigma)
    distance = max(max(abs(truth.cdf(x) - i / 1000), abs(truth.cdf(x) - (i + 1) / 1000)) for i, x in enumerate(samples))
    assert distance < math.sqrt(math.log(2 / 1e-5) / (2 * n)) + 0.001 + 0.0048


def test_path_shares_match(two_sites):
    calibration, scenario = two_sites
    total = sum(MAILBOXES.values())
    site_share = {"SEA": 6000 / total, "LON": 2500 / total}
    shares = calibration.shares
    r = shares["all"].total
    # given how many recipients each site submitted, a recipient stays in its site with its site's share
    expected = sum(shares[site].total / r * q for site, q in site_share.items())
    assert abs(z(shares["all"].share("in_site"), expected, math.sqrt(expected * (1 - expected) / r))) < Z
    assert shares["all"].internet == 0 and shares["all"].ndr == 0
    # the scenario's mailbox counts imply sum(q^2); its error from the multinomial split of the messages
    q = list(site_share.values())
    n = calibration.submissions.total
    se = math.sqrt(4 / n * (sum(x**3 for x in q) - sum(x**2 for x in q) ** 2))
    written = {m.name: m.mailboxes for s in scenario.sites for m in s.mailbox_servers}
    assert abs(z(implied_shares(calibration, written)["in_site"], sum(x**2 for x in q), se)) < Z


# -- Edge and the Internet: outbound share, inbound rate and distributions ---------------------------------

INBOUND_PER_HOUR = 8000.0


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    overrides = {
        "duration": "2h",
        "warmup": "0s",
        "workload.profile": "light",
        "internet.inbound_rate": "8000/h",
        "internet.unknown_recipient_share": 0,
    }  # fmt: skip  (rejected recipients never reach a tracking log)
    return calibrated(tmp_path_factory, "scenarios/edge-internet.yaml", overrides)


def test_edges_and_their_site_are_found(edge):
    calibration, scenario = edge
    assert {e.name: e.subscribed_site for e in scenario.edges} == {"EDGE1": "SEA", "EDGE2": "SEA"}
    assert not scenario.send_connectors and [s.name for s in scenario.sites] == ["SEA"]
    assert (scenario.workload.start_of_day, scenario.duration) == (8 * 3600.0, 2 * 3600.0)
    assert calibration.delivered_by_site["Internet"].keys() == {"SEA"}


def test_the_internet_share_of_recipients_matches(edge):
    calibration, scenario = edge
    r = calibration.shares["all"].total
    share = scenario.workload.domains[0].share  # fabrikam.com 0.15 + northwind.example 0.05
    assert abs(z(share, 0.2, math.sqrt(0.2 * 0.8 / r))) < Z
    assert scenario.workload.unknown_share == 0.0


def test_the_inbound_rate_and_its_distributions_match(edge):
    calibration, scenario = edge
    accepted = calibration.internet.total  # Poisson, thinned by the anti-spam agents' pass rate
    expected = INBOUND_PER_HOUR * 2 * antispam_pass_rate()
    assert abs(z(accepted, expected, math.sqrt(expected))) < Z
    rate = scenario.internet.inbound_rate * 3600  # accepted / pass rate, per hour
    assert abs(z(rate, INBOUND_PER_HOUR, INBOUND_PER_HOUR / math.sqrt(expected))) < Z
    counts = calibration.internet_recipients
    assert abs(z(counts.mean, 1.5, math.sqrt(0.75 / counts.n))) < Z  # geometric mean 1.5: variance 0.75
    sigma = math.sqrt(math.log(1 + 1.5**2))  # lognormal mean 30 KB, cv 1.5
    mu = math.log(30 * 1024) - sigma**2 / 2
    fit, n = calibration.internet_sizes.lognormal(), calibration.internet_sizes.n
    assert abs(z(fit.mu, mu, sigma / math.sqrt(n))) < Z
    assert abs(z(fit.sigma, sigma, sigma / math.sqrt(2 * n))) < Z


def test_a_run_of_the_calibrated_scenario_reproduces_what_was_observed(edge, tmp_path):
    """The report's comparison: the calibrated scenario is run and its own logs read the same way; every figure
    that rests on counts agrees within sampling error (|z| <= 4.5), and the report sets them side by side."""
    calibration, _scenario = edge
    text = scenario_text(calibration)
    simulated = simulate(text, calibration, seed=3)
    rows = compare(calibration, simulated)
    tested = [r for r in rows if r.z is not None]
    assert len(tested) >= 12
    assert [(r.figure, round(r.z, 1)) for r in tested if abs(r.z) > Z] == []
    figures = {r.figure for r in rows}
    assert {"messages a day", "all sites: to the Internet", "messages accepted an hour"} <= figures
    assert any(r.section == "Latency (s)" for r in rows)
    page = report_html(calibration, simulated, rows)
    assert "Observed against simulated" in page and page.count("data:image/png;base64,") == 7
