"""Figures come back as matplotlib Figures built from the results; save() and the CLI write files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import one_site
from matplotlib.figure import Figure

import sim
from sim.cli import main


@pytest.fixture(scope="module")
def result() -> sim.Results:
    return sim.run(one_site(hubs=2, mailbox_servers=2, rate="2/s", duration="1h", sample_interval="5m"))


def test_throughput_figure_plots_each_hub(result):
    fig = result.figure("throughput")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1  # one site: its total on the same panel, no panel of its own
    lines = [line for line in fig.axes[0].get_lines() if not line.get_label().startswith("site")]
    assert sorted(line.get_label() for line in lines) == ["HUB1", "HUB2"]
    # each Hub categorizes half of 4 msg/s: about 7,200 per hour after the first interval
    values = np.concatenate([line.get_ydata()[1:] for line in lines])
    assert 5000 < values.mean() < 9500


def test_latency_figure_is_a_cdf_with_percentiles_marked(result):
    fig = result.figure("latency")
    ax = fig.axes[1]  # beside latency over time
    cdf = ax.get_lines()[0]
    y = cdf.get_ydata()
    assert y[-1] == pytest.approx(1.0) and np.all(np.diff(y) >= 0)
    labels = [t.get_text() for t in ax.texts]
    assert any(text.startswith("p50") for text in labels) and any(text.startswith("p99") for text in labels)
    p99 = result.summary()["latency_p99_s"]
    assert any(line.get_xdata()[0] == pytest.approx(p99) for line in ax.get_lines()[1:])


def test_cdf_points_keep_every_step_of_a_small_sample():
    from sim.results.plots.time_series import cdf_points

    x, share = cdf_points(np.array([0.1, 0.2, 0.2, 0.5]), limit=10)
    assert x.tolist() == [0.1, 0.2, 0.2, 0.5] and share.tolist() == [0.25, 0.5, 0.75, 1.0]


def test_cdf_points_of_a_large_sample_stay_within_one_step_of_the_full_cdf():
    from sim.results.plots.time_series import cdf_points

    values = np.sort(np.random.default_rng(3).lognormal(-2.0, 1.0, 100_000))
    x, share = cdf_points(values, limit=500)
    assert len(x) <= 500 and (x[0], share[0]) == (values[0], 1e-5) and (x[-1], share[-1]) == (values[-1], 1.0)
    full = np.arange(1, len(values) + 1) / len(values)  # the share at every step
    assert np.max(np.abs(np.interp(values, x, share) - full)) <= 1 / 500


def test_queue_and_utilisation_figures(result):
    queues = result.figure("queues")
    assert queues.axes[0].get_ylabel() == "messages in queue"
    bars = result.figure("utilisation").axes[0].patches
    assert len(bars) == 2
    util = result.summary()["utilisation_by_server"]
    assert sorted(b.get_width() for b in bars) == pytest.approx(sorted(v * 100 for v in util.values()))


def test_unknown_figure_is_refused(result):
    with pytest.raises(ValueError, match="unknown figure"):
        result.figure("pie")


def test_save_writes_tables_summary_and_plots(result, tmp_path):
    result.save(tmp_path)
    for name in (
        "summary.json",
        "scenario.json",
        "messages.csv",
        "stations.csv",
        "queues.csv",
        "throughput.csv",
        "throughput.png",
        "latency.png",
        "queues.png",
        "utilisation.png",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["lost"] == 0 and summary["delivered"] == result.summary()["delivered"]
    messages = pd.read_csv(tmp_path / "messages.csv")
    assert len(messages) == len(result.messages)


def test_library_never_calls_pyplot_show():
    package = Path(sim.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "matplotlib.pyplot" not in text and "import pyplot" not in text, path
        assert ".show()" not in text, path


def test_exsim_run_prints_summary_and_writes_out(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps(one_site(rate="1/s", duration="10m")))  # JSON is YAML
    code = main(["run", str(scenario), "--out", str(tmp_path / "out"), "--seed", "3", "--set", "workload.rate=2/s"])
    out = capsys.readouterr().out
    assert code == 0
    assert "lost (must be 0)" in out and "delivered" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["seed"] == 3
    assert 900 < summary["messages_generated"] < 1500  # 2/s for 600 s, from the --set
    assert (tmp_path / "out" / "latency.png").exists()


def test_python_dash_m_sim_works(root):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(root / "scenarios" / "quickstart.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "AD site Seattle" in done.stdout and "SEA-HUB1" in done.stdout
