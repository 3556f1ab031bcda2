"""Writing a run's files in two processes: the jobs (a table, the tracking logs, a figure) are shared between
this process and one forked child, each taking the next job when it is free.

Why: drawing the figures costs a fixed second or two of matplotlib whatever the run, and writing the tables
and tracking logs a time that grows with the run; a second core does one while the first does the other, so
`exsim run --out` costs little more than the run itself (issue 11).

Decision: the child is forked (Linux only: fork is unsafe on macOS and missing on Windows) so it shares the
result without pickling it; it writes only the files of the jobs it takes, and its errors are raised in this
process, with the child's traceback as their cause. Where fork is not available, or this process may not
have children (a daemonic worker), the jobs run here, one after another, in the same order.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from ..formats.csvtext import write_frame

log = logging.getLogger(__name__)

TABLE_FORMATS = ("csv", "parquet")
"""How `Results.save` writes tables: CSV (the default) or Parquet."""


@dataclass(frozen=True)
class Job:
    """One file (or folder of files) to write: a name for logs and errors, and the call that writes it."""

    name: str
    write: Callable[[], object]


class FigureDrawer(Protocol):
    """What draws a run's figures in another process (sim.results.figure_worker.FigureWorker)."""

    def draw(self, record, folder: Path) -> None:
        """Hand over the run's record: its figures go into `folder`."""

    def wait(self) -> float:
        """Wait until they are drawn; the seconds it took."""


class ChildTraceback(Exception):
    """The traceback of an error raised in the child process, attached as the cause of the error re-raised here."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"\n\nIn the child process that wrote files:\n{self.text}"


def write_table(table: pd.DataFrame, folder: Path, name: str, format: str = "csv") -> Path:
    """One table as `folder/name.csv` (byte for byte what `to_csv(index=False)` writes, vectorised) or
    `folder/name.parquet`."""
    if format not in TABLE_FORMATS:
        raise ValueError(f"unknown table format {format!r}; choose one of {', '.join(TABLE_FORMATS)}")
    path = Path(folder) / f"{name}.{format}"
    if format == "parquet":
        table.to_parquet(path, index=False)
    else:
        write_frame(table, path)
    return path


def can_fork() -> bool:
    """Whether jobs may be shared with a forked child here: Linux, and a process allowed to have children."""
    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def run_jobs(jobs: Sequence[Job], concurrent: bool = True) -> dict[str, float]:
    """Run every job once, shared with a forked child when `concurrent` and `can_fork()`, else here in order.
    Jobs are taken in list order by whichever process is free, so put the longest first. Returns the seconds
    each job took (logged at DEBUG on this module's logger, with the process that ran it). The first error of
    either process is raised here once both have stopped (the child's with its traceback as the cause)."""
    if not concurrent or len(jobs) < 2 or not can_fork():
        return _serial(jobs)
    context = multiprocessing.get_context("fork")
    taken = context.Value("i", 0)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(jobs, taken, sender), name="exsim-save", daemon=True)
    child.start()
    sender.close()
    try:
        seconds = log_seconds(_take(jobs, taken), "parent")
    except BaseException:
        child.terminate()
        child.join()
        raise
    try:
        status, payload = receiver.recv()
    except EOFError:
        status, payload = "died", None
    finally:
        receiver.close()
        child.join()
    if status == "died":
        raise RuntimeError(f"the child process writing files stopped without a word (exit code {child.exitcode})")
    if status == "error":
        error, text = payload
        raise error from ChildTraceback(text)
    return {**seconds, **log_seconds(payload, "child")}


def _serial(jobs: Sequence[Job]) -> dict[str, float]:
    """Every job here, in order."""
    return log_seconds({job.name: _timed(job) for job in jobs}, "this process")


def _take(jobs: Sequence[Job], taken) -> dict[str, float]:
    """Take the next job not yet taken by either process until none is left; the seconds each took."""
    seconds = {}
    while True:
        with taken.get_lock():
            index = taken.value
            taken.value += 1
        if index >= len(jobs):
            return seconds
        seconds[jobs[index].name] = _timed(jobs[index])


def _timed(job: Job) -> float:
    """Run one job; the seconds it took."""
    start = time.perf_counter()
    job.write()
    return time.perf_counter() - start


def log_seconds(seconds: dict[str, float], who: str) -> dict[str, float]:
    """Log each job's time at DEBUG, saying which process ran it (the child logs nothing itself)."""
    for name, elapsed in seconds.items():
        log.debug("%s: %.3f s (%s)", name, elapsed, who)
    return seconds


def _child(jobs: Sequence[Job], taken, sender) -> None:
    """The forked child: take jobs until none is left, then report their times or the first error."""
    try:
        sender.send(("ok", _take(jobs, taken)))
    except BaseException as error:  # reported to the parent, which raises it
        text = traceback.format_exc()
        try:
            sender.send(("error", (error, text)))
        except Exception:  # an error that does not pickle: its text still does
            sender.send(("error", (RuntimeError(f"{type(error).__name__}: {error}"), text)))
    finally:
        sender.close()
