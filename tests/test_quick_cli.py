"""A CLI that answers at once (issue 22.5): `import sim`, `exsim --help` and a missing file load none of pandas,
the model, capacity planning or calibration; the run guard refuses what would not fit the process limit or the
time bound, in one line with exit 2, and `--force` overrides it."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest
from conftest import one_site

from sim.capacity import estimate
from sim.cli import PORT_MAP, main

HEAVY = ("pandas", "numpy", "matplotlib", "networkx", "simpy", "sim.capacity.sweep", "sim.calibrate", "sim.model",
         "sim.results.results", "sim.runner")  # fmt: skip


def _loaded_after(code: str) -> set[str]:
    """The heavy modules loaded in a fresh interpreter after running `code`."""
    probe = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    names = done.stdout.split()
    return {heavy for heavy in HEAVY for name in names if name == heavy or name.startswith(heavy + ".")}


def test_import_sim_loads_nothing_heavy_and_each_name_arrives_on_first_use():
    assert _loaded_after("import sim") == set()
    assert {"pandas", "sim.runner"} <= _loaded_after("import sim\nsim.run")
    assert "sim.calibrate" in _loaded_after("import sim\nassert callable(sim.calibrate)")
    import sim
    from sim.capacity.sweep import Sweep, replicate, sweep

    assert (sim.sweep, sim.replicate, sim.Sweep) == (sweep, replicate, Sweep) and callable(sim.sweep)
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        sim.nothing  # noqa: B018


def test_help_and_a_missing_file_load_nothing_heavy():
    run = "from sim.cli import main\ntry:\n    main({})\nexcept SystemExit:\n    pass"
    assert _loaded_after(run.format(["--help"])) == set()
    assert _loaded_after(run.format(["run", "no-such-scenario.yaml"])) == set()
    assert "pydantic" not in " ".join(_loaded_after(run.format(["run", "no-such-scenario.yaml"])))


def test_the_port_map_default_is_the_endpoints():
    from sim.smtp.wire import DEFAULT_PORT_MAP, parse_port_map

    assert parse_port_map(PORT_MAP) == DEFAULT_PORT_MAP


def _limited(megabytes: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (megabytes * 1024**2, megabytes * 1024**2))

    return limit


def test_a_run_past_the_process_memory_limit_is_refused_in_one_line(root):
    """ulimit -v 1.5 GB: the imports fit, a 1,000-hour quickstart (about 4.6 GB estimated) does not."""
    command = [sys.executable, "-m", "sim", "run", str(root / "scenarios" / "quickstart.yaml"), "--set",
               "duration=1000h"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=_limited(1500))
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and done.stdout == ""
    assert "more memory than the process limit leaves (ulimit -v:" in lines[0] and "--force" in lines[0]


def test_the_process_limit_is_what_remains_under_rlimit_as():
    assert estimate.process_limit() == float("inf") or estimate.process_limit() > 0
    code = "from sim.capacity.estimate import process_limit; print(process_limit())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          preexec_fn=_limited(2000))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert 0 < float(done.stdout) < 2000 * 1024**2


def test_an_absurd_duration_is_refused_with_its_time_estimated(tmp_path, capsys):
    path = tmp_path / "long.yaml"
    path.write_text(json.dumps(one_site(duration="100000h", rate="2/s", record="summary", tracking_log=False)))
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    # one Mailbox server at 2/s for 3.6e8 s: 720 million messages, at 20,000 a second ten hours
    assert "about 720,000,000 messages" in err and "about 10.0 h to run" in err
    assert "more time than the 2.0 h a run may take" in err and "--force" in err


def test_the_time_bound_alone_refuses_and_force_runs_anyway(tmp_path, capsys, monkeypatch):
    found = estimate.estimate(estimate_scenario(), available=float("inf"), limit=float("inf"))
    assert found.seconds == pytest.approx(found.messages / estimate.MESSAGES_PER_SECOND)
    assert found.refusals() == [] and found.fits
    monkeypatch.setattr(estimate, "MAX_RUN_SECONDS", found.seconds / 2)
    assert found.refusals() == [f"more time than the {estimate._time(found.seconds / 2)} a run may take"]
    small = tmp_path / "small.yaml"
    small.write_text(json.dumps(one_site(duration="1m", rate="1/s")))
    monkeypatch.setattr(estimate, "MAX_RUN_SECONDS", 1e-6)
    assert main(["run", str(small), "--quiet"]) == 2
    assert "more time than the 1 s a run may take" in capsys.readouterr().err
    assert main(["run", str(small), "--quiet", "--force"]) == 0


def estimate_scenario():
    import sim

    return sim.load_scenario(one_site(duration="1h", rate="1/s"))
