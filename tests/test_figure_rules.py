"""Figures a trainer would show (issue 22.2): one colour per server in every figure, sites told apart from servers
by more than colour, overlapping lines visible, a panel only where it adds something, no placeholder panel, no
drop to zero in the last bin, and latency over time beside the CDF with fault windows shaded."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import one_site, shared_run
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from test_faults import chain

from sim.results.figure import ExsimFigure
from sim.results.palette import SERVER_COLORS, server_looks


def two_sites(**extra) -> dict:
    """Two sites of two Hubs each, equal load on the Hubs of a site, a site link between them."""
    scenario = one_site(hubs=2, mailbox_servers=1, rate="2/s", duration="1h", **extra)
    london = {"name": "B", "hubs": [{"name": "LON1"}, {"name": "LON2"}],
              "mailbox_servers": [{"name": "LMBX1", "mailboxes": 100}]}  # fmt: skip
    scenario["sites"].append(london)
    scenario["site_links"] = [{"sites": ["A", "B"], "cost": 10}]
    return scenario


@pytest.fixture(scope="module")
def result():
    return shared_run(two_sites())


def _server_colors(fig, servers) -> dict[str, set[str]]:
    """Every colour each server is drawn in, over every line and bar labelled with its name."""
    found: dict[str, set[str]] = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_label() in servers:
                found.setdefault(line.get_label(), set()).add(to_hex(line.get_color()))
        for bar, label in zip(ax.patches, [t.get_text() for t in ax.get_yticklabels()]):
            if label in servers:
                found.setdefault(label, set()).add(to_hex(bar.get_facecolor()))
    return found


def test_one_colour_per_server_in_every_figure(result):
    looks = server_looks(result.scenario)
    hubs = ["HUB1", "HUB2", "LON1", "LON2"]
    seen: dict[str, set[str]] = {}
    for fig in (result.figure("throughput"), result.figure("utilisation"), result.answer()):
        for server, colors in _server_colors(fig, hubs).items():
            seen.setdefault(server, set()).update(colors)
    assert set(seen) == set(hubs)
    assert all(colors == {to_hex(looks[server].color)} for server, colors in seen.items()), seen
    assert len({looks[h].color for h in hubs}) == len(hubs)  # and no two servers share one
    assert to_hex("#d62728") not in {to_hex(c) for c in SERVER_COLORS}  # red stays for faults


def test_sites_are_told_from_servers_by_dashes_and_no_markers_not_only_colour(result):
    hubs_ax, sites_ax = result.figure("throughput").axes
    servers = [line for line in hubs_ax.get_lines() if not line.get_label().startswith("_")]
    sites = [line for line in sites_ax.get_lines() if line.get_label().startswith("site ")]
    assert servers and sites
    assert all(line.get_linestyle() == "-" and line.get_marker() not in ("None", "", None) for line in servers)
    assert all(line.get_linestyle() != "-" and line.get_marker() in ("None", "", None) for line in sites)
    server_colors = {to_hex(c) for c in SERVER_COLORS}
    assert not {to_hex(line.get_color()) for line in sites} & server_colors


def test_two_hubs_with_the_same_load_stay_visible(result):
    lines = {line.get_label(): line for line in result.figure("throughput").axes[0].get_lines()}
    one, two = lines["HUB1"], lines["HUB2"]
    assert np.allclose(one.get_ydata(), two.get_ydata(), rtol=0.2)  # round robin: the same load
    assert one.get_marker() != two.get_marker()
    assert one.get_linewidth() > two.get_linewidth()  # the first drawn wider: its edge shows around the second
    assert one.get_markersize() > two.get_markersize()  # and its markers around the second's


def test_on_a_long_series_each_servers_markers_fall_on_their_own_points():
    from sim.results.palette import Look

    first, second = (Look("#1f77b4", "o", "-", rank).line(points=48) for rank in (0, 1))
    assert first["markevery"] != second["markevery"]


def test_no_per_site_panel_for_one_site_and_one_for_several(result):
    single = shared_run(one_site(hubs=2, duration="30m"))
    assert len(single.figure("throughput").axes) == 1
    assert len(single.figure("latency").axes) == 2  # over time, CDF: no "by destination AD site" for one site
    assert len(result.figure("throughput").axes) == 2
    over_time, cdf, by_site = result.figure("latency").axes
    assert "by destination AD site" in by_site.get_title(loc="left")


def test_no_placeholder_panel_a_line_says_what_is_not_drawn():
    summary_only = shared_run(two_sites(record="summary"))
    fig = summary_only.figure("latency")
    assert len(fig.axes) == 2
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert not any("needs" in text for text in texts)  # no panel that only says what it lacks
    assert "record: messages" in fig.get_supxlabel()


def test_the_last_bin_is_a_rate_not_a_drop_to_zero():
    """50 minutes of mail at a steady 2/s: the last 15-minute bin covers 5 minutes; a 10-minute drain has none."""
    for drain in ("0s", "10m"):
        result = shared_run(one_site(hubs=1, duration="50m", rate="2/s", drain=drain))
        line = next(line for line in result.figure("throughput").axes[0].get_lines() if line.get_label() == "HUB1")
        x, y = line.get_xdata(), line.get_ydata()
        assert x.max() <= 50 / 60 + 1e-9  # nothing drawn in the drain: it is hatched instead
        assert y[-1] > 0.7 * np.mean(y[1:-1]), (drain, y)  # 7,200 an hour, not a fall to zero


def test_the_drain_is_hatched_on_time_axes():
    result = shared_run(one_site(hubs=1, duration="30m", rate="1/s", drain="15m"))
    ax = result.figure("utilisation").axes[1]
    drains = [p for p in ax.patches if p.get_label() == "drain: no new mail"]
    assert len(drains) == 1 and drains[0].get_hatch()


def test_latency_over_time_shows_where_a_failure_happened_with_the_fault_shaded():
    result = shared_run(chain())  # the Denver-London link down from 10 to 40 minutes
    fig = result.figure("latency")
    over_time = fig.axes[0]
    shaded = [p for p in over_time.patches if isinstance(p, Rectangle) and p.get_label().startswith("down")]
    assert [(round(p.get_x(), 4), round(p.get_x() + p.get_width(), 4)) for p in shaded] == [
        (round(10 / 60, 4), round(40 / 60, 4))
    ]
    lines = {line.get_label(): line for line in over_time.get_lines()}
    assert {"p50", "p95", "p99", "slowest recipient"} <= set(lines)
    x, p99 = lines["p99"].get_xdata(), lines["p99"].get_ydata()
    during = (x > 10 / 60) & (x < 40 / 60)
    assert np.nanmax(p99[during]) > 600 > 60 > np.nanmax(p99[x > 45 / 60])  # London's mail waited out the outage


def test_every_figure_shows_itself_in_jupyter(result):
    for fig in (result.figure("latency"), result.answer()):
        assert isinstance(fig, ExsimFigure)
        assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
