"""Results in Jupyter (issue 10): HTML views, one flat summary row per run, categorical columns, clock time."""

from __future__ import annotations

import json
import pickle
import re
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from conftest import one_site, shared_run

from sim.results.notebook import Summary, flatten
from sim.results.report import format_summary

SMALL = one_site(hubs=2, mailbox_servers=2, rate="2/s", duration="20m", sample_interval="1m")


@pytest.fixture(scope="module")
def result():
    return shared_run(SMALL)


def test_repr_html_shows_the_headline_figures(result):
    html = result._repr_html_()
    summary = result.summary()
    assert "<table>" in html and "test" in html
    assert f"{summary['delivered']:,}" in html and f"{summary['messages_generated']:,}" in html
    p99 = summary["latency_p99_s"]
    assert f"{p99:.3f}s" in html  # p99 is below 10 s here: three decimals, seconds
    for server, share in summary["utilisation_by_server"].items():
        assert server in html and f"{share * 100:.1f}%" in html
    assert "lost (must be 0)" in html


def test_summary_is_a_dict_that_shows_itself_grouped_not_as_150_rows(result):
    summary = result.summary()
    assert isinstance(summary, dict) and isinstance(summary, Summary)
    html = summary._repr_html_()
    headings = re.findall(r"<h5>([^<]+)</h5>", html)
    assert headings == ["The run", "Recipients", "Latency over the run (s) and throughput", "The hours that matter",
                        "Servers", "The longest queues", "Outcomes"]  # fmt: skip
    assert "<td>lost</td>" in html and "<td>HUB1</td>" in html and "busiest hour" in html
    shown = html.split("<details>")[0]  # what a reader sees before unfolding "everything else"
    assert shown.count("<tr>") < 60 < len(flatten(summary))
    # nothing is hidden: every key of the summary is named somewhere, a heading's table or "everything else"
    claimed = {"busiest_hour_", "peak_", "worst_hour_", "fault_windows", "utilisation_by_server", "submissions_by_hub",
               "back_pressure_seconds", "max_queue_length", "outcomes_by_reason", "rejected_by", "ndr_by_code",
               "still_queued_by", "overload"}  # fmt: skip
    for key in summary:
        assert f"<td>{key}</td>" in html or any(key.startswith(c) for c in claimed), key
    assert json.loads(json.dumps(summary)) == json.loads(json.dumps(dict(summary)))
    assert pickle.loads(pickle.dumps(summary)) == summary


def test_a_results_view_names_its_faults_and_longest_queues():
    faulted = shared_run(one_site(duration="30m", rate="2/s", record="summary",
                                  faults=[{"server": "HUB1", "service": "transport", "down_at": "10m", "up_at": "20m"}]))  # fmt: skip
    html = faulted._repr_html_()
    assert "down: transport HUB1</td><td>00:10-00:20</td>" in html
    longest = max(faulted.summary()["max_queue_length"].items(), key=lambda item: item[1])
    assert f"longest queue: {longest[0]}</td><td>{longest[1]:,} at most" in html


def test_flat_summaries_of_two_runs_concatenate_into_two_rows(result):
    other = shared_run(one_site(hubs=1, mailbox_servers=2, rate="2/s", duration="20m"))
    both = pd.concat([result.summary_frame(), other.summary_frame()], ignore_index=True)
    assert both.shape[0] == 2
    assert list(both["delivered"]) == [result.summary()["delivered"], other.summary()["delivered"]]
    # nested figures are flat columns; a Hub the second run lacks is missing there, not an error
    assert both.loc[0, "utilisation_by_server.HUB2"] == result.summary()["utilisation_by_server"]["HUB2"]
    assert pd.isna(both.loc[1, "utilisation_by_server.HUB2"])
    assert not any(isinstance(v, (dict, list)) for v in both.iloc[0].tolist())


def test_flatten_joins_keys_and_lists():
    assert flatten({"a": 1, "b": {"c": 2, "d": {"e": 3}}, "f": ["x", "y"]}) == {
        "a": 1,
        "b.c": 2,
        "b.d.e": 3,
        "f": "x; y",
    }


CATEGORICAL = {
    "messages": ["origin_server", "origin_site", "destination_server", "destination_site", "status", "path"],
    "queues": ["server", "queue", "delivery_type", "state"],
    "throughput": ["server"],
    "in_flight": ["origin_server", "held_by", "state"],
    "load": ["server"],
    "tracking_raw": ["server", "role", "event_id", "source", "recipient_status", "client_hostname",
                     "server_hostname", "connector_id"],
}  # fmt: skip


def test_server_site_queue_event_and_connector_columns_are_categorical(result):
    for table, columns in CATEGORICAL.items():
        frame = getattr(result, table)
        for column in columns:
            assert isinstance(frame[column].dtype, pd.CategoricalDtype), (table, column)


def test_categorical_tracking_columns_cost_a_byte_a_row(result):
    raw = result.tracking_raw
    rows = len(raw)
    assert rows > 5000
    for column in CATEGORICAL["tracking_raw"]:
        # hand calculation: int8 codes (under 128 categories) plus the categories themselves, against 8 bytes
        # a row for a pointer alone in an object column
        categories = raw[column].cat.categories
        assert len(categories) < 128
        assert raw[column].memory_usage(deep=True, index=False) < rows * 1 + 200 * len(categories) + 1000, column


def test_clock_columns_stand_beside_the_seconds(result):
    start = datetime(2026, 1, 5, tzinfo=timezone.utc)  # start_date's default, start_of_day 0
    assert result.start == start
    m = result.messages
    columns = list(m.columns)
    assert columns.index("submitted_clock") == columns.index("submitted_at") + 1
    expected = pd.Timestamp("2026-01-05") + pd.to_timedelta(m["submitted_at"].round(3), unit="s")  # UTC, no zone
    assert (m["submitted_clock"] == expected).all()
    delivered = m["status"] == "delivered"
    assert m.loc[~delivered, "delivered_clock"].isna().all()
    q = result.queues
    assert (q["clock"] - pd.Timestamp("2026-01-05")).dt.total_seconds().to_numpy() == pytest.approx(
        q["time"].to_numpy()
    )
    assert result.load["clock"].iloc[1] == pd.Timestamp("2026-01-05 00:05")  # 5-minute bins


def test_clock_follows_start_of_day_and_date():
    faulted = one_site(duration="30m", rate="1/s", start_date="2026-03-02", record="summary",
                       faults=[{"server": "HUB1", "down_at": "10m", "up_at": "20m"}])  # fmt: skip
    faulted["workload"]["start_of_day"] = "9h30m"
    windows = shared_run(faulted).fault_windows
    assert windows.loc[0, "start_clock"] == pd.Timestamp("2026-03-02 09:40")
    assert windows.loc[0, "end_clock"] == pd.Timestamp("2026-03-02 09:50")


def test_printed_summary_never_uses_scientific_notation(result):
    summary = dict(result.summary())
    for key in ("latency_p50_s", "latency_p90_s", "latency_p99_s", "latency_max_s", "peak_latency_p99_s"):
        summary[key] = 3240.4
    summary["peak_latency_p50_s"], summary["peak_latency_p95_s"] = 0.000412, 1.5e9
    text = format_summary(summary)
    assert not re.search(r"\d[eE][+-]?\d", text), text
    assert "3,240s (54m)" in text and "0.412ms" in text and "1,500,000,000s" in text


def test_partial_summary_is_marked(result):
    summary = {**result.summary(), "partial": True}
    assert "PARTIAL" in format_summary(summary).splitlines()[0]
    assert "PARTIAL" not in format_summary(result.summary()).splitlines()[0]
    assert "partial" not in result.summary() and not result.partial
    assert np.isfinite(result.summary()["latency_p99_s"])
