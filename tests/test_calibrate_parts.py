"""The pieces calibrate is built from, each against what it must hold: distributions in constant memory, the
clock of the organisation's time zone, server names, NDR codes, and the commented YAML writer."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from statistics import NormalDist

import numpy as np
import pytest
import yaml

from sim.calibrate.clock import LocalClock
from sim.calibrate.histograms import Counts, LogBins
from sim.calibrate.names import canonical, pseudonyms
from sim.calibrate.tally import status_code
from sim.calibrate.yamlwriter import Inline, Note, dump, plain


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def test_log_bins_quantiles_are_within_one_percent_and_moments_exact():
    values = np.exp(np.linspace(0, 12, 5001))  # 1 byte to 160 KB, evenly on a log scale
    bins = LogBins(1.0, fit=True)
    bins.add_many(values[:2500])
    for v in values[2500:]:
        bins.add(float(v))  # one by one and in bulk count the same
    assert bins.n == 5001 and bins.mean == pytest.approx(values.mean(), rel=1e-12)
    assert bins.std == pytest.approx(values.std(), rel=1e-9)
    for p in (0.01, 0.1, 0.5, 0.9, 0.99):
        assert bins.quantile(p) == pytest.approx(np.quantile(values, p), rel=0.011), p
    samples = bins.samples(1000)
    assert len(samples) == 1000 and np.mean(samples) == pytest.approx(values.mean(), rel=1e-9)


def test_the_lognormal_fit_recovers_its_parameters():
    mu, sigma = 10.5, 0.8
    quantiles = [math.exp(mu + sigma * NormalDist().inv_cdf((i + 0.5) / 20000)) for i in range(20000)]
    bins = LogBins(1.0, fit=True)
    bins.add_many(np.array(quantiles))
    fit = bins.lognormal()
    assert fit.mu == pytest.approx(mu, abs=1e-6) and fit.sigma == pytest.approx(sigma, rel=2e-3)
    assert fit.mean == pytest.approx(math.exp(mu + sigma**2 / 2), rel=2e-3)
    assert fit.cv == pytest.approx(math.sqrt(math.exp(sigma**2) - 1), rel=3e-3)
    constant = LogBins(1.0, fit=True)
    constant.add_many(np.full(10, 4096.0))
    assert constant.lognormal() is None  # no spread to fit


def test_count_samples_keep_each_share_within_one_thousandth_and_the_tail_in_the_mean():
    counts = Counts()
    counts.add_many(np.array([1] * 5000 + [2] * 2500 + [3] * 1250 + [4] * 1249 + [200]))
    samples = counts.samples(1000)
    pmf = counts.pmf()
    for k in (1, 2, 3):
        assert abs(samples.count(k) / 1000 - pmf[k]) <= 0.001
    assert samples[-1] >= 4 and max(samples) < 200  # the top slice's mean: 200 weighs in, is not a 1-in-1000 draw
    assert counts.quantile(0.5) == 1 and counts.quantile(0.875) == 3 and counts.quantile(0.9) == 4  # 0.5, 0.875


def test_the_clock_counts_local_hours_through_a_daylight_saving_change():
    london = LocalClock("Europe/London")  # 2026-03-29 01:00 UTC: GMT becomes BST, local 01:00 is skipped
    start, end = _utc("2026-03-29T00:00:00"), _utc("2026-03-30T00:00:00")
    seconds = london.exposure(start, end)
    assert sum(seconds) == pytest.approx(86400)
    sunday = [seconds[6 * 24 + h] for h in range(24)]
    assert sunday[1] == 0 and sunday[0] == 3600 and sunday[2] == 3600
    assert seconds[0] == 3600  # Monday 00:00 local is 23:00 UTC on Sunday
    assert london.bucket(_utc("2026-03-29T12:30:00")) == 6 * 24 + 13
    kolkata = LocalClock("Asia/Kolkata")  # +05:30 splits each UTC hour between two local hours
    seconds = kolkata.exposure(_utc("2026-01-05T00:00:00"), _utc("2026-01-05T01:00:00"))
    assert seconds[5] == 1800 and seconds[6] == 1800
    with pytest.raises(ValueError, match="unknown time zone"):
        LocalClock("Nowhere/Else")


def test_server_names_compare_by_first_label_and_pseudonyms_hide_them():
    assert canonical("hub1.contoso.com") == canonical("HUB1") == "HUB1"
    assert canonical("10.0.0.5") == "10.0.0.5" and canonical("[2001:db8::1]") == "2001:db8::1"
    servers = {"NYC-EXCH02": ("mailbox", "New York"), "NYC-EXCH01": ("hub", "New York"),
               "LDN-EX1": ("hub", "London"), "DMZ-MX": ("edge", "London")}  # fmt: skip
    names, sites = pseudonyms(servers, ["New York", "London"])
    assert sites == {"London": "SITE1", "New York": "SITE2"}
    assert names == {"DMZ-MX": "EDGE1", "LDN-EX1": "SITE1-HUB1", "NYC-EXCH01": "SITE2-HUB1", "NYC-EXCH02": "SITE2-MBX1"}


@pytest.mark.parametrize(
    "status, code",
    [("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "5.1.1"), ("554 5.4.4 ROUTING.NoConnectorForAddressType", "5.4.4"),
     ("550 5.7.1 Message rejected", "5.7.1"), ("451 4.4.0 Primary target IP address responded", "4.4.0"),
     ("550 Requested action not taken", "550"), ("", "?")],
)  # fmt: skip
def test_ndr_codes_are_read_from_the_recipient_status(status, code):
    assert status_code(status) == code


def test_the_yaml_writer_keeps_comments_and_loads_back_to_the_data():
    data = {
        "name": "Calibrated: two sites",
        "duration": Note("24h", "one day"),
        "sites": [Note({"name": "SEA", "hubs": [Note({"name": "SEA-HUB1"}, "Hub: 12 rows")]}, "inferred",
                       above=("a comment line",))],  # fmt: skip
        "workload": {"diurnal": Note(Inline([0.1 * i for i in range(24)]), "weights"), "rate": "2/s",
                     "odd": ["yes", "a: b", "#x", "12", "1e5", "null", ""], "tiny": 1e-5, "big": 123456789.5},
        "empty": [],
    }  # fmt: skip
    text = dump(data, ["a header"])
    loaded = yaml.safe_load(text)
    assert loaded["workload"]["odd"] == ["yes", "a: b", "#x", "12", "1e5", "null", ""]
    assert loaded["workload"]["tiny"] == pytest.approx(1e-5) and loaded["sites"][0]["hubs"][0]["name"] == "SEA-HUB1"
    assert loaded["name"] == plain(data)["name"] and loaded["empty"] == []
    assert "  - name: SEA  # inferred" in text and "# a comment line" in text and text.startswith("# a header\n")
    assert "duration: 24h  # one day" in text and max(map(len, text.splitlines())) <= 120


def test_the_reader_gives_rows_or_columns_and_the_fields_line_decides():
    from pathlib import Path

    from sim.formats.tracking_find import find_logs
    from sim.formats.tracking_read import RowReader

    logs = find_logs([Path(__file__).parent / "data" / "calibrate" / "e2010"])
    assert [(log.server, log.prefix, log.day, log.sequence) for log in logs][:2] == [
        ("BER-HUB1", "MSGTRK", "20100419", 1), ("BER-MBX1", "MSGTRKM", "20100419", 1)]  # fmt: skip
    reader = RowReader()
    rows = [row for log in logs for row in reader.rows(log, log.server)]
    assert len(rows) == reader.rows_read == 27 and {len(fields) for _t, fields, _c, _s in rows} == {26}
    time, fields, columns, server = rows[0]
    assert columns.names[21:] == ["directionality", "tenant-id", "original-client-ip", "original-server-ip",
                                  "custom-data"]  # fmt: skip
    assert fields[columns.index["message-subject"]] == 'Budget, Q3 "final"' and server == "BER-HUB1"
    assert time == _utc("2010-04-19T08:00:00.250")
    ((times, batch),) = RowReader().batches(logs[1], ["event-id", "message-id"])
    assert batch == {"event-id": ["SUBMIT"] * 3, "message-id": ["<M1@BER-MBX1.contoso.com>",
                     "<M2@BER-MBX1.contoso.com>", "<M3@BER-MBX1.contoso.com>"]}  # fmt: skip
    assert times[0] == _utc("2010-04-19T08:00:00")
