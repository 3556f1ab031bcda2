"""Examples in the docs that run as tests: `exsim` commands with their output, and scenario files.

Two directives, each shown as a reader expects and turned into a doctest that Sphinx's doctest builder
runs (`make docs-test`, tests/test_docs.py):

- ``exsim-console``: a shell command and the output it prints, e.g.::

      ```{exsim-console}
      $ exsim validate scenarios/quickstart.yaml
      Quickstart - one site, two Hubs: valid
      ...
      ```

  The page shows the block as a console session; the test runs the same command line in-process
  (`sim.cli.main`) and compares what it prints on stdout with the lines shown (`...` stands for any
  text, and runs of spaces count as one). A non-zero exit status is a last line ``[exit status N]``.

- ``exsim-scenario NAME``: a scenario file shown as YAML; the test writes it as NAME in the examples'
  folder and loads it with `sim.load_scenario`, so a snippet that stops validating fails the build.
  Later examples may name the file (``$ exsim validate NAME``).

The examples run in one folder made for the build (`workdir`), holding a link to the repository's
scenarios/, so `scenarios/quickstart.yaml` reads as in the README and files an example writes never land
in the repository.
"""

from __future__ import annotations

import atexit
import contextlib
import doctest
import io
import os
import shlex
import shutil
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.directives.code import container_wrapper
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = {doctest.ELLIPSIS: True, doctest.NORMALIZE_WHITESPACE: True}
_WORKDIR: list[Path] = []


def workdir() -> Path:
    """The examples' folder (made once per process, removed at exit), with scenarios/ linked in."""
    if not _WORKDIR:
        folder = Path(tempfile.mkdtemp(prefix="exsim-docs-"))
        (folder / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _WORKDIR.append(folder)
    return _WORKDIR[0]


def enter_workdir() -> None:
    """Make the examples' folder the current one: the doctest builder's own process, never a library's."""
    os.chdir(workdir())


def exsim(command: str) -> None:
    """Run `exsim COMMAND` in-process and print its stdout (and its exit status when not 0)."""
    from sim.cli import main

    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        status = main(shlex.split(command))
    if status:
        print(stderr.getvalue(), end="")
        print(f"[exit status {status}]")


def write_scenario(name: str, text: str) -> None:
    """Write a scenario example as `name` in the examples' folder and check that it loads."""
    import sim

    path = workdir() / name
    path.write_text(text, encoding="utf-8")
    try:
        sim.load_scenario(path)
    except sim.ScenarioError as error:
        print(error)


def _test_node(shown: str, language: str, test: str) -> nodes.literal_block:
    node = nodes.literal_block(shown, shown, testnodetype="doctest", groups=["default"])
    node["language"] = language
    node["test"] = test
    node["options"] = dict(OPTIONS)
    return node


def _want(lines: list[str]) -> str:
    return "".join(f"{line if line.strip() else '<BLANKLINE>'}\n" for line in lines)


class ExsimConsole(SphinxDirective):
    """A ``$ exsim ...`` command and its output: shown as a console session, run as a doctest."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        """Check the block's shape, then make the node the page shows and the doctest builder runs."""
        lines = list(self.content)
        if not lines or not lines[0].startswith("$ exsim "):
            raise self.error("exsim-console: the first line must be '$ exsim COMMAND'")
        command = lines[0][len("$ exsim ") :]
        test = f">>> exsim({command!r})\n{_want(lines[1:])}"
        node = _test_node("\n".join(lines), "console", test)
        self.set_source_info(node)
        return [node]


class ExsimScenario(SphinxDirective):
    """A scenario file: shown as YAML with its name, written and loaded by the doctest."""

    has_content = True
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Make the YAML block, captioned with the file name, whose doctest writes and validates it."""
        name = self.arguments[0]
        text = "\n".join(self.content) + "\n"
        node = _test_node(text.rstrip("\n"), "yaml", f">>> write_scenario({name!r}, {text!r})\n")
        self.set_source_info(node)
        return [container_wrapper(self, node, name)]


DOCTEST_SETUP = "from exsim_examples import enter_workdir, exsim, write_scenario\nenter_workdir()\n"
"""Run before every doctest group (conf.py's doctest_global_setup)."""


def setup(app: Sphinx) -> dict:
    """Register the two directives."""
    app.add_directive("exsim-console", ExsimConsole)
    app.add_directive("exsim-scenario", ExsimScenario)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
