"""Sweeps: one code path on serial, process-pool and Dask executors; failures recorded; resume; Hub counts kept."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ZERO_STAGES, one_site

import sim
from sim.capacity.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from sim.capacity.store import SweepFolderError
from sim.capacity.sweep import SweepStopped


def small() -> dict:
    """An M/M/1-like Hub for a few minutes: a run costs tens of milliseconds."""
    scenario = one_site(hubs=1, rate="0.5/s", duration="600s", record="summary", tracking_log=False)
    scenario["sites"][0]["hubs"][0].update(cores=64, categorizer_threads=1)
    scenario["stages"] = {**ZERO_STAGES, "categorizer": {"dist": "exponential", "mean": "1s"}}
    return scenario


VARY = {"sites.A.hubs.HUB1.categorizer_threads": [1, 2], "workload.rate": ["0.5/s", "0.8/s"]}


def test_serial_processes_and_dask_give_identical_runs_tables():
    from distributed import LocalCluster

    serial = sim.sweep(small(), VARY, replications=2, seed=11, executor=SerialExecutor()).runs
    processes = ProcessExecutor(2)
    try:
        pooled = sim.sweep(small(), VARY, replications=2, seed=11, executor=processes).runs
    finally:
        processes.close()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:  # fmt: skip
        dask = DaskExecutor(cluster.scheduler_address)
        try:
            on_dask = sim.sweep(small(), VARY, replications=2, seed=11, executor=dask).runs
        finally:
            dask.close()
    assert len(serial) == 8 and (serial["status"] == "ok").all()
    assert serial["latency_mean_s"].nunique() == 8  # every run is its own
    pd.testing.assert_frame_equal(serial, pooled)
    pd.testing.assert_frame_equal(serial, on_dask)


def test_variants_share_the_replication_seeds():
    runs = sim.sweep(small(), VARY, replications=3, seed=4).runs
    seeds = runs.groupby("variant")["seed"].apply(tuple)
    assert seeds.nunique() == 1 and len(set(seeds.iloc[0])) == 3
    # common random numbers: the same arrivals in every variant of a replication when the rate is the same
    by_rate = runs[runs["workload.rate"] == "0.5/s"].groupby("replication")["messages_generated"].nunique()
    assert (by_rate == 1).all()


def test_a_run_that_raises_is_recorded_and_the_rest_complete():
    result = sim.sweep(small(), {"sites.A.hubs.HUB1.cores": [0, 2]}, replications=2, seed=1)
    runs = result.runs
    failed, ok = runs[runs["variant"] == 0], runs[runs["variant"] == 1]
    assert (failed["status"] == "error").all() and (ok["status"] == "ok").all()
    assert failed["error"].str.contains("sites[0].hubs[0].cores", regex=False).all()
    assert ok["delivered"].gt(0).all()
    errors = result.variants.drop_duplicates("variant").set_index("variant")["errors"]
    assert errors.to_dict() == {0: 2, 1: 0}


def test_fail_fast_stops_the_sweep():
    seen = []
    with pytest.raises(SweepStopped, match="cores"):
        sim.sweep(small(), {"sites.A.hubs.HUB1.cores": [0, 2]}, replications=2, seed=1, fail_fast=True,
                  on_run=seen.append)  # fmt: skip
    assert len(seen) == 1


def test_resume_runs_only_what_is_missing(tmp_path):
    out = tmp_path / "sweep"
    finished = []

    def interrupt(row):
        finished.append(row)
        if len(finished) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.sweep(small(), VARY, replications=2, seed=9, out=out, on_run=interrupt)
    assert len(list((out / "runs").glob("*.parquet"))) == 3
    with pytest.raises(SweepFolderError, match="--resume"):
        sim.sweep(small(), VARY, replications=2, seed=9, out=out)
    with pytest.raises(SweepFolderError, match="different sweep"):
        sim.sweep(small(), VARY, replications=3, seed=9, out=out, resume=True)
    resumed = []
    result = sim.sweep(small(), VARY, replications=2, seed=9, out=out, resume=True, on_run=resumed.append)
    done_first = {(r["variant"], r["replication"]) for r in finished}
    assert len(resumed) == 5 and not done_first & {(r["variant"], r["replication"]) for r in resumed}
    fresh = sim.sweep(small(), VARY, replications=2, seed=9).runs
    pd.testing.assert_frame_equal(result.runs, fresh, check_dtype=False)
    on_disk = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(on_disk, fresh, check_dtype=False)
    variants = pd.read_parquet(out / "variants.parquet")
    assert set(variants["figure"]) >= {"latency_p99_s", "peak_latency_p99_s", "overloaded"}


def test_varying_a_hub_count_keeps_the_hubs_settings():
    base = one_site(hubs=2, duration="10m")
    base["sites"][0]["hubs"] = [{"name": "SEA-HUB1", "cores": 2, "categorizer_threads": 3},
                                {"name": "SEA-HUB2", "cores": 2, "categorizer_threads": 3}]  # fmt: skip
    for path in ("sites.A.hub_count", "sites.A.hubs"):
        hubs = sim.load_scenario(base, {path: 3}).sites[0].hubs
        assert [(h.name, h.cores, h.categorizer_threads) for h in hubs] == [
            ("SEA-HUB1", 2, 3), ("SEA-HUB2", 2, 3), ("SEA-HUB3", 2, 3)]  # fmt: skip
    runs = sim.sweep(base, {"sites.A.hub_count": [1, 3]}, replications=1, seed=2).runs
    assert (runs["status"] == "ok").all()
    assert runs["sites.A.hub_count"].tolist() == [1, 3]


def test_a_figure_against_a_varied_parameter_has_one_line_and_band_per_other_variant():
    result = sim.sweep(small(), VARY, replications=3, seed=5)
    fig = result.figure("peak_latency_p99_s", x="workload.rate")
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(ax.collections) == 2  # categorizer_threads 1 and 2: a line and a band each
    means = result.variants[(result.variants["figure"] == "peak_latency_p99_s")]
    first = means[means["sites.A.hubs.HUB1.categorizer_threads"] == 1].sort_values("workload.rate")["mean"]
    assert list(ax.lines[0].get_ydata()) == pytest.approx(list(first))
    with pytest.raises(ValueError, match="no figure 'nonsense'"):
        result.figure("nonsense")
