"""The structure the next engineer relies on: layers, no import cycles, internals in one place, small modules."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
MODULES = sorted(SIM.rglob("*.py"))


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_import_linter_layers_hold():
    """The layers contract in pyproject.toml: imports only go down, function-level ones included."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=SIM.parent, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" in done.stdout and "0 broken" in done.stdout


def test_no_import_cycle():
    """No two modules of sim import each other, even inside functions or under TYPE_CHECKING."""
    graph = grimp.build_graph("sim")
    imports = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            imports.add_edge(module, imported)
    assert imports.number_of_edges() > 100  # the graph was really built
    cycles = list(nx.simple_cycles(imports))
    assert cycles == [], cycles[:5]


@pytest.mark.parametrize(
    "pattern", [r"\._now\b", r"\._queue\b", r"\._eid\b", r"\._value\b", r"from simpy\.(core|events)"]
)
def test_simpy_internals_only_in_the_engine(pattern):
    users = [p.relative_to(SIM).as_posix() for p in MODULES if re.search(pattern, _source(p))]
    assert set(users) <= {"model/engine.py"}, users


def test_aiosmtpd_only_in_the_endpoint():
    users = [p.relative_to(SIM).as_posix() for p in MODULES if re.search(r"^\s*(from|import) (aiosmtpd|asyncio\.sslproto)|"
                                                                         r"from asyncio import sslproto", _source(p), re.M)]  # fmt: skip
    assert users == ["smtp/endpoint.py"]


def test_no_private_name_imported_across_modules():
    offenders = []
    for path in MODULES:
        for node in ast.walk(ast.parse(_source(path))):
            if isinstance(node, ast.ImportFrom):
                offenders += [f"{path.relative_to(SIM)}: {alias.name}" for alias in node.names
                              if alias.name.startswith("_") and alias.name != "__future__"]  # fmt: skip
    assert offenders == []


def test_modules_are_at_most_400_lines():
    long = {p.relative_to(SIM).as_posix(): n for p in MODULES if (n := len(_source(p).splitlines())) > 400}
    assert long == {}


def test_every_public_module_class_and_function_has_a_docstring():
    """Public API documented (ruff's D100-D104 check the same in `make test`; this holds without ruff)."""
    missing = []
    callables = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for path in MODULES:
        tree = ast.parse(_source(path))
        if not ast.get_docstring(tree):
            missing.append(f"{path.relative_to(SIM)}")
        public = [node for node in tree.body if isinstance(node, callables)]
        public += [item for node in tree.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")
                   for item in node.body if isinstance(item, callables)]  # fmt: skip
        missing += [f"{path.relative_to(SIM)}:{node.lineno} {node.name}" for node in public
                    if not node.name.startswith("_") and not ast.get_docstring(node)]  # fmt: skip
    assert missing == []
