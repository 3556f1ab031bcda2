"""Every notebook in notebooks/ runs top to bottom against the current API (issue 10), so none can drift.

Notebooks are stored without outputs (a test checks) and executed with nbclient in a fresh kernel whose
working folder is notebooks/. They run two at a time (each kernel is a process of its own); each has a bound suited to CI.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
BOUND_S = 60  # per notebook, kernel start included; each takes 4 to 15 s on the 2-core development machine


def test_the_five_teaching_notebooks_are_there():
    assert [path.stem[:2] for path in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


def _execute(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """The notebook as stored, executed top to bottom in a fresh kernel; with the seconds it took."""
    book = nbformat.read(path, as_version=4)
    began = time.monotonic()
    executed = nbformat.from_dict(book)
    NotebookClient(
        executed, timeout=BOUND_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return executed, time.monotonic() - began


@pytest.fixture(scope="module")
def runs() -> dict[Path, Future]:
    """Every notebook executed, two at a time (each kernel is its own process, so two cores share the work)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {path: pool.submit(_execute, path) for path in NOTEBOOKS}
        wait(futures.values())
    return futures


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs_and_runs_top_to_bottom(path, runs):
    book = nbformat.read(path, as_version=4)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code), "clear the outputs"
    assert not any("class " in cell.source or "import simpy" in cell.source for cell in code)  # no model code
    executed, seconds = runs[path].result()  # an error in a cell is raised here (nbclient's CellExecutionError)
    assert seconds < BOUND_S
    errors = [
        out for cell in executed.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"
    ]
    assert not errors
    assert all(cell.execution_count for cell in executed.cells if cell.cell_type == "code")  # every cell ran
