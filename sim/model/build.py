"""Build the optional compiled core: `python -m sim.model.build` (or `make compiled`); needs Cython 3 and a C compiler.

Each module of `sim.model.compiled.MODULES` is compiled by Cython in pure-Python mode (its `.py` unchanged,
typed by the `.pxd` beside it where there is one), in a temporary folder; the extensions and a manifest of the
sources' digests then replace `sim/model/_compiled/` whole, so a half-finished build is never loaded.
`--untyped` leaves the `.pxd` files out (Cython over plain Python objects), for bench_compiled.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .compiled import HERE, MODULES, OUTPUT, PACKAGE, abi_tag, digest, sources

DIRECTIVES = {"language_level": 3, "binding": False}
"""Cython's directives. `binding=False`: methods are C methods, not Python function objects (a call less
work). Bounds checks, negative indices (`msg.path[-2]`) and division keep Python's semantics (the defaults)."""


def build(output: Path = OUTPUT, typed: bool = True, directives: dict | None = None, jobs: int = 0,
          optimise: bool = True) -> float:  # fmt: skip
    """Compile MODULES into `output` (replaced whole); return the seconds it took. `optimise=False` compiles
    with -O0 (about three times quicker to build, the same results: for tests, which check results, not speed)."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    start = time.perf_counter()
    root = HERE.parent.parent
    with tempfile.TemporaryDirectory(prefix="exsim-build-") as work:
        tree = Path(work) / "src"
        # the digests first, then the copy compiled: a source edited meanwhile makes the build stale, never a
        # build of an older source filed under a newer digest
        digests = {module: digest(module) for module in MODULES}
        _copy_tree(root, tree, typed)
        flags = [] if optimise else ["-O0"]  # after Python's own flags, so it wins
        extensions = [Extension(f"{PACKAGE}.{m}", [str(tree / "sim" / "model" / Path(*m.split(".")).with_suffix(".py"))],
                                extra_compile_args=flags) for m in MODULES]  # fmt: skip
        modules = cythonize(extensions, compiler_directives={**DIRECTIVES, **(directives or {})}, quiet=True,
                            nthreads=jobs or os.cpu_count() or 1, build_dir=str(Path(work) / "c"),
                            include_path=[str(tree)])  # fmt: skip
        dist = Distribution({"ext_modules": modules, "script_name": "build", "script_args": []})
        command = dist.get_command_obj("build_ext")
        command.build_lib, command.build_temp = str(Path(work) / "lib"), str(Path(work) / "tmp")
        command.parallel = jobs or os.cpu_count() or 1
        command.ensure_finalized()
        command.run()
        staging = Path(work) / "out"
        staging.mkdir()
        manifest = {"abi": abi_tag(), "python": sys.version.split()[0], "cython": cython_version(), "typed": typed,
                    "modules": {}}  # fmt: skip
        for module in MODULES:
            built = Path(command.get_ext_fullpath(f"{PACKAGE}.{module}"))
            name = f"{PACKAGE}.{module}{abi_tag()}"
            shutil.copy2(built, staging / name)
            manifest["modules"][module] = {"digest": digests[module], "file": name}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(staging, output)
    return time.perf_counter() - start


def cython_version() -> str:
    """The version of the Cython that builds."""
    import Cython

    return Cython.__version__


def _copy_tree(root: Path, tree: Path, typed: bool) -> None:
    """The package's sources as Cython should see them (with or without the .pxd files)."""
    ignore = shutil.ignore_patterns("_compiled", "__pycache__", *(() if typed else ("*.pxd",)))
    shutil.copytree(root / "sim", tree / "sim", ignore=ignore)
    for module in MODULES:  # the digests are of the sources on disk: check the copy is of them
        for path in sources(module):
            copied = tree / path.relative_to(root)
            if path.suffix == ".pxd" and not typed:
                continue
            assert copied.read_bytes() == path.read_bytes(), copied


def main(argv: list[str] | None = None) -> int:
    """Build the compiled core and say where it went."""
    parser = argparse.ArgumentParser(prog="python -m sim.model.build", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where the extensions go (default {OUTPUT})")
    parser.add_argument("--untyped", action="store_true", help="leave the .pxd files out")
    parser.add_argument("--jobs", type=int, default=0, help="parallel compiles (default: every core)")
    args = parser.parse_args(argv)
    try:
        import Cython  # noqa: F401
    except ImportError:
        print("the compiled core needs Cython 3: pip install -e '.[compiled]'", file=sys.stderr)
        return 2
    seconds = build(args.output, typed=not args.untyped, jobs=args.jobs)
    print(f"compiled {len(MODULES)} modules of sim.model into {args.output} in {seconds:.0f} s "
          f"({'typed' if not args.untyped else 'untyped'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
