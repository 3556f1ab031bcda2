"""The optional compiled core: the hot modules of sim.model built with Cython, never shadowing an edited source.

The pure-Python package is the reference and runs everywhere. `make compiled` (`python -m sim.model.build`)
compiles the modules in MODULES with Cython 3 in pure-Python mode: the `.py` files as they are, typed by the
`.pxd` files beside them (cdef classes for Message, Station, Cpu and Pool). The extensions go into
`sim/model/_compiled/`, not beside the sources, so Python's own import never finds them; a manifest there
records a digest of every source they were built from.

When `sim.model` is imported, `activate()` compares those digests with the sources on disk. Only when
every one matches (and the extensions were built for this Python) does it put a finder on `sys.meta_path`
that loads the compiled modules; if any source changed since the build, it loads none of them (a typed
module needs its typed neighbours) and says so once on stderr. `EXSIM_PURE=1` always runs pure Python.
`exsim --version` says which build runs (`describe()`).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = Path(os.environ.get("EXSIM_COMPILED_DIR") or HERE / "_compiled")  # another build: bench_compiled.py
MANIFEST = OUTPUT / "manifest.json"
PACKAGE = "sim.model"
MODULES = ("message", "resources", "station", "engine", "sources", "deadlines", "retry", "submission",
           "connections", "backpressure", "workload", "recorder", "roles.categorizer", "roles.queues",
           "roles.relay", "roles.mailbox", "roles.hub", "roles.transport")  # fmt: skip
"""The modules compiled, relative to sim.model: every one a message passes through on its way."""

_state = {"build": "pure Python", "why": "no compiled core built (make compiled)"}


def sources(module: str) -> list[Path]:
    """The files a compiled module is built from: its `.py`, and its `.pxd` where there is one."""
    base = HERE / Path(*module.split("."))
    return [path for path in (base.with_suffix(".py"), base.with_suffix(".pxd")) if path.exists()]


def digest(module: str) -> str:
    """The digest of a module's sources, as the manifest keeps it."""
    hasher = hashlib.sha256()
    for path in sources(module):
        hasher.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def abi_tag() -> str:
    """What an extension must have been built for: this interpreter's extension suffix."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


class _Finder:
    """Loads the listed sim.model modules from their compiled extensions."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(self, fullname: str, path=None, target=None):
        """The extension's spec for a compiled module; None (the usual import) for every other."""
        file = self.files.get(fullname)
        if file is None:
            return None
        return importlib.util.spec_from_file_location(fullname, file)


def check() -> tuple[dict[str, Path] | None, str]:
    """(extension files by module name, '') when the compiled core is usable; else (None, why not)."""
    if not MANIFEST.exists():
        return None, "no compiled core built (make compiled)"
    try:
        manifest = json.loads(MANIFEST.read_text())
    except (OSError, ValueError):
        return None, f"unreadable {MANIFEST}"
    if manifest.get("abi") != abi_tag():
        return None, f"compiled for {manifest.get('abi')}, this Python needs {abi_tag()} (make compiled)"
    files = {}
    for module in MODULES:
        entry = manifest.get("modules", {}).get(module)
        if entry is None:
            return None, f"{module} is not in the compiled core (make compiled)"
        if entry["digest"] != digest(module):
            return None, f"sim/model/{module.replace('.', '/')}.py (or .pxd) changed since the compiled core was built"
        file = OUTPUT / entry["file"]
        if not file.exists():
            return None, f"{file} is missing (make compiled)"
        files[f"{PACKAGE}.{module}"] = file
    return files, ""


def activate() -> None:
    """Load the compiled core for the modules of sim.model not yet imported, if it is built and up to date."""
    if os.environ.get("EXSIM_PURE"):
        _state.update(build="pure Python", why="EXSIM_PURE is set")
        return
    if any(isinstance(finder, _Finder) for finder in sys.meta_path):
        return
    files, why = check()
    if files is None:
        _state.update(build="pure Python", why=why)
        if MANIFEST.exists():  # built once, now stale or for another Python: never load it silently
            print(f"exsim: compiled core not used: {why}; running pure Python", file=sys.stderr)
        return
    sys.meta_path.insert(0, _Finder(files))
    cython = json.loads(MANIFEST.read_text()).get("cython", "?")
    _state.update(build="compiled", why=f"Cython {cython}, {len(files)} modules")


def describe() -> str:
    """Which build of the model runs, and why: for `exsim --version` and the benchmarks."""
    if _state["build"] == "compiled":
        return f"compiled model ({_state['why']})"
    return f"pure-Python model ({_state['why']})"


def version() -> str:
    """`exsim --version`: the version, the Python, and which build of the model runs (cheap: no model imported)."""
    from importlib.metadata import version as installed

    return f"exsim {installed('exsim')} (Python {sys.version.split()[0]}): {describe()}"
