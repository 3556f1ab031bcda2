"""The optional compiled core (sim/model/compiled.py): never loaded over an edited source, and when built, the
bundled scenarios' golden digests unchanged under it (the pure-Python package, which the rest of the suite runs
in a fresh clone, is the reference)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.model import compiled

ROOT = Path(__file__).resolve().parent.parent


def _fake_build(folder: Path, **changes) -> None:
    """A manifest as `make compiled` writes it (extension files empty: check() never loads them)."""
    folder.mkdir(exist_ok=True)
    modules = {}
    for module in compiled.MODULES:
        name = f"sim.model.{module}{compiled.abi_tag()}"
        (folder / name).write_bytes(b"")
        modules[module] = {"digest": compiled.digest(module), "file": name}
    manifest = {"abi": compiled.abi_tag(), "cython": "3", "modules": modules, **changes}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _checked(folder: Path, monkeypatch) -> tuple:
    monkeypatch.setattr(compiled, "OUTPUT", folder)
    monkeypatch.setattr(compiled, "MANIFEST", folder / "manifest.json")
    return compiled.check()


def test_an_up_to_date_build_is_used(tmp_path, monkeypatch):
    _fake_build(tmp_path)
    files, why = _checked(tmp_path, monkeypatch)
    assert why == "" and set(files) == {f"sim.model.{m}" for m in compiled.MODULES}


def test_no_build_a_stale_build_or_another_pythons_build_is_never_loaded(tmp_path, monkeypatch):
    assert _checked(tmp_path / "none", monkeypatch) == (None, "no compiled core built (make compiled)")
    _fake_build(tmp_path, abi=".cpython-39-x86_64-linux-gnu.so")
    assert "this Python needs" in _checked(tmp_path, monkeypatch)[1]
    _fake_build(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["modules"]["station"]["digest"] = "0" * 64  # built from an older station.py or station.pxd
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    stale = "sim/model/station.py (or .pxd) changed since the compiled core was built"
    assert _checked(tmp_path, monkeypatch) == (None, stale)


def test_a_source_edited_after_the_build_runs_pure_python_and_says_so(tmp_path):
    _fake_build(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["modules"]["roles.hub"]["digest"] = "0" * 64
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    env = {**os.environ, "EXSIM_COMPILED_DIR": str(tmp_path)}
    env.pop("EXSIM_PURE", None)
    done = subprocess.run([sys.executable, "-m", "sim", "--version"], env=env, capture_output=True, text=True)
    assert done.returncode == 0
    shown = " ".join(done.stdout.split())  # argparse wraps it to the terminal
    assert "pure-Python model (sim/model/roles/hub.py (or .pxd) changed since the compiled core was built)" in shown
    assert "compiled core not used" in done.stderr


def _cython_or_skip() -> None:
    try:
        import Cython  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must build the compiled core: Cython is missing (pip install -e '.[test]')")
        pytest.skip("Cython is not installed")


def test_the_compiled_core_gives_the_golden_digests(tmp_path):
    """Build it (-O0 on one core: the same results, a quicker build), then run tests/test_scenarios.py in a
    process that loads it."""
    _cython_or_skip()
    from sim.model.build import build

    build(tmp_path / "build", jobs=1, optimise=False)
    env = {**os.environ, "EXSIM_COMPILED_DIR": str(tmp_path / "build")}
    for name in ("EXSIM_PURE", "PYTEST_XDIST_WORKER", "EXSIM_UPDATE_GOLDEN"):  # compared with, never written
        env.pop(name, None)
    check = "import sim.model.compiled as c, sim.model.station as s; print(c.describe(), s.__file__)"
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True)
    assert done.stdout.startswith("compiled model") and str(tmp_path / "build") in done.stdout, done.stderr
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", "tests/test_scenarios.py"],
                          env=env, cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
