"""Every notebook in notebooks/ runs top to bottom against the current API (issue 10), so none can drift.

Notebooks are stored without outputs (a test checks) and executed with nbclient in a fresh kernel whose
working folder is notebooks/. They run two at a time (each kernel is a process of its own); each has a bound suited to CI.
"""

from __future__ import annotations

import base64
import io
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import nbformat
import pytest
from matplotlib.image import imread
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
BOUND_S = 60  # per notebook, kernel start included; each takes 4 to 15 s on the 2-core development machine
FIGURE_TEXT = re.compile(r"<\w*Figure size \d+x\d+ with \d+ Axes>")
"""How a matplotlib Figure prints when Jupyter has no picture of it."""


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


def _pictures(cell) -> list[tuple[str, bytes | None]]:
    """(text/plain, PNG bytes or None) of each displayed value of a cell that is a figure."""
    shown = [out for out in cell.outputs if out.output_type in ("execute_result", "display_data")]
    figures = [out for out in shown if FIGURE_TEXT.search(out.data.get("text/plain", "")) or "image/png" in out.data]
    return [(out.data.get("text/plain", ""), base64.b64decode(out.data["image/png"]) if "image/png" in out.data
             else None) for out in figures]  # fmt: skip


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_figure_a_notebook_shows_is_a_picture(path, runs):
    """Issue 22.1: a figure exsim returns shows as an image/png, never as `<Figure size ... with 3 Axes>`."""
    executed, _ = runs[path].result()
    pictures = [picture for cell in executed.cells if cell.cell_type == "code" for picture in _pictures(cell)]
    assert pictures, f"{path.name} shows no figure"
    for text, png in pictures:
        assert png is not None, f"{path.name}: a figure shown as text only: {text}"
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = imread(io.BytesIO(png))[..., :3]
        assert pixels.shape[0] > 200 and pixels.shape[1] > 400, pixels.shape  # a figure, not an icon
        assert (pixels.mean(axis=2) < 0.9).mean() > 0.01 and pixels.std() > 0.05  # something is drawn


def _outputs(executed, needle: str) -> str:
    """The text of every output of the code cells whose source holds `needle`."""
    texts = []
    for cell in executed.cells:
        if cell.cell_type == "code" and needle in cell.source:
            for out in cell.outputs:
                texts.append(out.get("text", "") + out.get("data", {}).get("text/plain", "")
                             + out.get("data", {}).get("text/html", ""))  # fmt: skip
    return "\n".join(texts)


def _book(runs, stem: str):
    return runs[next(path for path in NOTEBOOKS if path.stem.startswith(stem))].result()[0]


def test_01_reads_the_tracking_log_in_time_order_and_draws_a_trip(runs):
    book = _book(runs, "01")
    trail = _outputs(book, 'sort_values("date-time"')
    events = re.findall(r"\b(SUBMIT|RECEIVE|TRANSFER|DELIVER)\b", trail.split("<table")[0])
    assert events and events[0] == "SUBMIT", events  # SUBMIT first, as it happened
    assert "trace_figure" in " ".join(cell.source for cell in book.cells)
    words = " ".join(cell.source for cell in book.cells if cell.cell_type == "markdown")
    assert "the queue of each Hub" not in words  # the old text, over a utilisation figure


def test_02_shows_each_reason_whole_and_paths_between_sites(runs):
    book = _book(runs, "02")
    routes = _outputs(book, "three.routes")
    assert "stops at hub site Denver" in routes and "..." not in routes and "…" not in routes
    decisions = _outputs(book, "shared.decisions")
    assert "chosen by rule 2 (most specific address space)" in decisions and "..." not in decisions
    between = _outputs(book, 'between["path"].value_counts()')
    paths = re.findall(r"(\S+>\S+)", between)
    assert paths and all({p.split(">")[0][:3], p.split(">")[-1][:3]} == {"SEA", "LON"} for p in paths), paths
    hubs = _outputs(book, 'str.count("HUB")')
    assert re.search(r"^2\s+\d+", hubs, flags=re.M) and not re.search(r"^[13]\s+\d+", hubs, flags=re.M)
