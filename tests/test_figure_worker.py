"""`exsim run --out` draws its figures in a worker forked before the run (sim.results.figure_worker): the same
files as drawn in this process, and a worker never handed a run goes away quietly."""

from __future__ import annotations

import pytest
from conftest import one_site, shared_run

from sim.results.figure_worker import FigureWorker
from sim.results.saving import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="the worker is forked (Linux)")


def test_the_worker_draws_the_same_figures_and_writes_the_same_tables(tmp_path):
    worker = FigureWorker.start()  # before the run, as exsim run does
    result = shared_run(one_site(rate="1/s", duration="30m"))
    here, there = tmp_path / "here", tmp_path / "there"
    result.save(here)
    result.save(there, figures=worker)
    names = sorted(p.relative_to(here) for p in here.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(there) for p in there.rglob("*") if p.is_file())
    assert any(name.suffix == ".png" for name in names)
    for name in names:
        assert (here / name).read_bytes() == (there / name).read_bytes(), name


def test_a_worker_never_handed_a_run_stops():
    worker = FigureWorker.start()
    worker.close()
    assert not worker._process.is_alive()
