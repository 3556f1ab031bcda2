"""Where runs execute, behind one interface: serially, on local processes, or on a Dask cluster.

Every executor takes the same module-level function and the same tasks and yields the rows as runs
finish (in completion order; the sweep sorts them), so one code path serves all three and the same
seeds give the same tables. The process pool is made with the spawn context locally
(`multiprocessing.get_context("spawn")`): no global multiprocessing state is changed, and it works
from Jupyter because the function lives in the installed package. The Dask executor connects to a
scheduler (`tcp://HOST:8786`) or starts a LocalCluster of worker processes on loopback (`local`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

Run = Callable[[Any], dict]


class SerialExecutor:
    """Runs in this process, one after another: the reference the others must match."""

    name = "serial"

    def map(self, function: Run, tasks: Iterable) -> Iterator[dict]:
        """Rows of `function(task)`, as each finishes."""
        for task in tasks:
            yield function(task)

    def close(self) -> None:
        """Nothing to release."""


class ProcessExecutor:
    """A pool of `workers` local processes made with the spawn context."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def map(self, function: Run, tasks: Iterable) -> Iterator[dict]:
        """Rows as runs finish; at most 2 x workers runs are queued at once, so tasks are not all pickled up front."""
        pending = set()
        tasks = iter(tasks)
        try:
            for task in tasks:
                pending.add(self.pool.submit(function, task))
                if len(pending) >= 2 * self.workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (future.result() for future in done)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        """Stop the processes; runs not started are cancelled."""
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Runs on a Dask distributed cluster: an existing scheduler's address, or `local` for a LocalCluster."""

    name = "dask"

    def __init__(self, address: str, workers: int | None = None) -> None:
        from distributed import Client, LocalCluster

        self.cluster = None
        if address == "local":
            self.cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None)  # fmt: skip
            address = self.cluster.scheduler_address
        self.client = Client(address, set_as_default=False)

    def map(self, function: Run, tasks: Iterable) -> Iterator[dict]:
        """Rows as runs finish on the cluster's workers."""
        from distributed import as_completed

        futures = [self.client.submit(function, task, pure=False) for task in tasks]
        try:
            for future in as_completed(futures, loop=self.client.loop):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster if this executor started it."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


Executor = SerialExecutor | ProcessExecutor | DaskExecutor


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """Dask when an address (or `local`) is given, else processes for workers > 1, else serial."""
    if dask:
        return DaskExecutor(dask, workers)
    if workers and workers > 1:
        return ProcessExecutor(workers)
    return SerialExecutor()
