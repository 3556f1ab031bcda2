"""Figures worth a slide (issue 10): the scenario in every title, clock time, 15-minute throughput with site
totals, queues as the most per 5 minutes grouped by server with outages shaded, utilisation over time with a
threshold, latency by destination site, a richer topology, and figure(name, ax=...)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import ROOT, shared_run
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from test_faults import chain

import sim
from sim.results.plots.topology import topology
from sim.results.results import FIGURES


@pytest.fixture(scope="module")
def result():
    return shared_run(chain())  # Seattle - Denver - London, the Denver-London link down from 10 to 40 minutes


def _texts(fig: Figure) -> str:
    return "\n".join([fig.get_suptitle()] + [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center")]
                     + [t.get_text() for ax in fig.axes for t in ax.texts])  # fmt: skip


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_names_the_scenario_and_reads_clock_time(result, name):
    fig = result.figure(name)
    assert "chain" in _texts(fig)
    if name not in ("topology", "latency"):  # latency's axis is seconds of latency, not time of day
        ax = fig.axes[-1]
        fig.canvas.draw()  # the start is 2026-01-05 00:00 UTC: ticks read 00:15, 00:30, ...
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and all(re.fullmatch(r"\d\d:\d\d", label) for label in labels), labels
        assert "00:30" in labels and "clock time (UTC)" in ax.get_xlabel()


@pytest.mark.parametrize("name", FIGURES)
def test_figure_draws_into_the_users_axes(result, name):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert result.figure(name, ax=right) is fig
    assert len(fig.axes) == 2 and not left.has_data() and (right.has_data() or right.texts)


def test_throughput_is_in_15_minute_bins_with_a_total_per_site(result):
    hubs, sites = result.figure("throughput").axes
    by_hub = {line.get_label(): line for line in hubs.get_lines()}
    assert sorted(by_hub) == ["DEN-HUB1", "LON-HUB1", "SEA-HUB1"]
    x = by_hub["SEA-HUB1"].get_xdata()
    assert np.allclose(np.diff(x), 0.25) and x[0] == pytest.approx(0.125)  # bin midpoints, hours
    # hand check: every message is born in Seattle at 1/s, so SEA-HUB1 categorizes about 3,600 an hour
    assert 3000 < np.mean(by_hub["SEA-HUB1"].get_ydata()[:4]) < 4200
    totals = {line.get_label(): line.get_ydata() for line in sites.get_lines()}
    assert set(totals) == {"site Seattle (total)", "site Denver (total)", "site London (total)"}
    assert totals["site Seattle (total)"] == pytest.approx(by_hub["SEA-HUB1"].get_ydata())  # one Hub a site


def test_queues_are_the_most_per_5_minutes_by_server_with_the_outage_shaded(result):
    fig = result.figure("queues")
    panels = {next(t.get_text() for t in ax.texts): ax for ax in fig.axes}
    assert "DEN-HUB1" in panels  # the queue at the point of failure
    london = next(line for line in panels["DEN-HUB1"].get_lines() if line.get_label() == "London")
    q = result.queues
    samples = q[q["queue"] == "DEN-HUB1\\London"]
    bins = np.maximum(np.floor((samples["time"] - 1e-9) / 300), 0)  # a sample closes the minute before it
    expected = samples.groupby(bins)["max_length"].max().to_numpy()  # the most held since the previous sample
    assert london.get_ydata()[:-1] == pytest.approx(expected)
    assert len(london.get_xdata()) - 1 == len(expected) < len(samples) / 4  # 5-minute bins of 1-minute samples
    shaded = [p for p in panels["DEN-HUB1"].patches if isinstance(p, Rectangle) and p.get_label().startswith("down")]
    assert [(round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6)) for p in shaded] == [
        (round(10 / 60, 6), round(40 / 60, 6))
    ]
    assert panels["DEN-HUB1"].get_ylabel() == "messages in queue"


def test_utilisation_over_time_with_a_threshold_line(result):
    fig = result.figure("utilisation")
    bars, over_time = fig.axes
    lines = {line.get_label(): line for line in over_time.get_lines()}
    assert lines["planning threshold 70%"].get_ydata()[0] == 70
    load = result.load[result.load["server"] == "SEA-HUB1"]
    assert lines["SEA-HUB1"].get_ydata() == pytest.approx(load["core_utilisation"].to_numpy() * 100)
    assert len(bars.patches) == 3


def test_latency_by_destination_site(result):
    over_time, overall, by_site = result.figure("latency").axes
    labels = [line.get_label() for line in by_site.get_lines()]
    m = result.messages
    m = m[(m["status"] == "delivered") & (m["submitted_at"] >= result.scenario.warmup)]
    sites = sorted(m["destination_site"].unique())
    assert sorted(label.split(":")[0] for label in labels) == sites == ["Denver", "London", "Seattle"]
    # London's mail waited out the link's 30-minute outage; Denver's never waited (zero-time stages)
    london = np.percentile(m.loc[m["destination_site"] == "London", "latency_s"], 99)
    denver = np.percentile(m.loc[m["destination_site"] == "Denver", "latency_s"], 99)
    assert london > 600 > 60 > denver


def test_topology_draws_servers_by_role_edges_link_details_and_what_was_down(result):
    texts = _texts(result.figure("topology"))
    assert "Hub: DEN-HUB1" in texts and "Mailbox: LON-MBX1 (100)" in texts
    assert "DOWN 00:10-00:40" in texts  # the Denver-London link, in clock time
    capacity = topology(sim.load_scenario(ROOT / "scenarios" / "capacity-10k.yaml"))
    ax = capacity.axes[0]
    assert "Edge: EDGE1" in _texts(capacity)
    details = [t.get_text() for t in ax.texts if t.get_gid() == "site-link-detail"]
    assert details == ["80ms, 10 Mbps"]
    faulted = shared_run({**chain(), "faults": [{"server": "DEN-HUB1", "down_at": "5m", "up_at": "15m"}]})
    assert "Hub: DEN-HUB1  DOWN 00:05-00:15" in _texts(faulted.figure("topology"))
