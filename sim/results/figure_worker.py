"""The figures of `exsim run --out`, drawn by a process forked before the run.

Why: the figures cost a fixed second or two (matplotlib's import, its font and text-layout caches, then the
drawing), whatever the run's size. A worker forked before the run pays the import and warms the caches on the
second core while the model runs on the first; after the run it gets the record (pickled, without the
tracking log and the hop rows, which no figure reads) and draws the figures while this process writes the
tables. The figures are the same: the worker builds `Results` from the same record.

Decision: fork (Linux only, like sim.results.saving); where forking is not possible `start()` returns None
and `Results.save` draws the figures as before. An error in the worker is raised here, its traceback the cause.
"""

from __future__ import annotations

import dataclasses
import io
import multiprocessing
import signal
import time
import traceback
from pathlib import Path

from ..formats.messages import HOPS_RECORD, MESSAGE_INFO_RECORD
from ..formats.record import RunRecord
from ..formats.tracking_events import RecordedTracking
from .saving import ChildTraceback, can_fork


class FigureWorker:
    """A forked process that warms matplotlib now and draws a run's figures when handed its record."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end,), name="exsim-figures", daemon=True)
        self._process.start()
        child_end.close()
        self._handed = False

    @classmethod
    def start(cls) -> FigureWorker | None:
        """A worker, or None where this process may not fork (the figures are then drawn as before)."""
        return cls() if can_fork() else None

    def draw(self, record: RunRecord, folder: Path) -> None:
        """Hand over the run: the worker draws every figure into `folder` (collect them with `wait`)."""
        slim = dataclasses.replace(record, tracking_recorded=RecordedTracking(), message_info=MESSAGE_INFO_RECORD.empty(),
                                   hops=HOPS_RECORD.empty())  # fmt: skip
        self._connection.send((slim, str(folder)))
        self._handed = True

    def wait(self) -> float:
        """Wait for the figures; the seconds the worker spent drawing them. Raises the worker's error."""
        try:
            status, payload = self._connection.recv()
        except EOFError:
            status, payload = "died", None
        finally:
            self.close()
        if status == "died":
            raise RuntimeError(f"the process drawing figures stopped without a word (exit {self._process.exitcode})")
        if status == "error":
            error, text = payload
            raise error from ChildTraceback(text)
        return payload

    def close(self) -> None:
        """Stop the worker (it exits by itself once it has drawn; an unused one is told to stop)."""
        if not self._handed and self._process.is_alive():
            try:
                self._connection.send(None)
            except OSError:
                pass
        self._connection.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def warm() -> None:
    """Import matplotlib and save a small figure with text and a legend as PNG, so fonts, layout and the PNG
    writer are loaded and cached."""
    from matplotlib.figure import Figure

    from .plots import faults, time_series, topology  # noqa: F401  (their imports too)

    figure = Figure(figsize=(4, 3), layout="constrained")
    ax = figure.subplots()
    ax.plot([0, 1], [0, 1], label="warm")
    ax.set_xlabel("time")
    ax.legend()
    figure.savefig(io.BytesIO(), format="png", dpi=110)  # the PNG writer too


def _serve(connection) -> None:
    """The worker: warm up, wait for a record, draw its figures, report the seconds it took or the error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides (a clean stop)
    try:
        warm()
        try:
            job = connection.recv()
        except EOFError:  # the parent stopped before the run ended (bad input, an error): nothing to draw
            return
        if job is None:
            return
        record, folder = job
        start = time.perf_counter()
        from .results import Results

        Results(record).save_figures(Path(folder))
        connection.send(("ok", time.perf_counter() - start))
    except BaseException as error:  # reported to the parent, which raises it
        text = traceback.format_exc()
        try:
            connection.send(("error", (error, text)))
        except Exception:
            connection.send(("error", (RuntimeError(f"{type(error).__name__}: {error}"), text)))
    finally:
        connection.close()
