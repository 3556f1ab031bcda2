"""What `exsim run` shows and does on a terminal: a progress bar in simulated clock time with messages per
second, Ctrl-C that stops cleanly and keeps what finished, and the size estimate before a run.

The bar is drawn only when stderr is a terminal (never into a pipe or a log file); Ctrl-C works either way.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .scenario.schema import Scenario

if TYPE_CHECKING:
    from .results.results import Results


class Interrupt:
    """Ctrl-C (SIGINT) as a request to stop at the next slice of simulated time, while the `with` block runs.

    The first Ctrl-C sets `requested`: the run stops between two events, so the record is consistent and
    its accounting balances. A second Ctrl-C raises KeyboardInterrupt at once, for a user who will not wait.
    Outside the main thread (where signals cannot be caught) it does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _size() -> tuple[int, int]:
    """The terminal's (columns, rows); 80 x 24 where it reports 0 (tqdm draws nothing on a terminal of size 0)."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except OSError:
        return 80, 24
    return size.columns or 80, size.lines or 24


class RunProgress:
    """A tqdm bar over simulated time: the simulated clock, messages per second of wall time, time left.

    Call it between slices of simulated time with (now, messages so far); it redraws at most 5 times a second.
    """

    def __init__(self, scenario: Scenario, start: datetime, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start, self.end = start, scenario.end_time
        self.name = scenario.name if len(scenario.name) <= 24 else scenario.name[:23] + "…"
        self.bar = None
        self._began = self._drawn = time.monotonic()
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=round(self.end), desc=self.name, leave=False, file=sys.stderr,
                            ncols=_size()[0], nrows=_size()[1], mininterval=0.2,
                            bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")  # fmt: skip

    def __call__(self, now: float, messages: int) -> None:
        """Move the bar to `now` simulated seconds, with `messages` generated so far."""
        if self.bar is None:
            return
        wall = time.monotonic()
        if wall - self._drawn < 0.2 and now < self.end:
            return
        self._drawn = wall
        rate = messages / max(wall - self._began, 1e-9)
        clock = self.start + timedelta(seconds=now)
        self.bar.desc = f"{self.name}: {clock:%a %H:%M} simulated, {rate:,.0f} msg/s"
        self.bar.update(round(now) - self.bar.n)

    def close(self) -> None:
        """Take the bar off the terminal."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_watched(scenario: Scenario, seed: int | None, quiet: bool, before: Callable[[], None]) -> Results:
    """Run with a progress bar on a terminal; Ctrl-C stops at the next slice and the result is partial.

    `before` (the size guard, which prints the estimate) is called once Ctrl-C is handled, just before the run."""
    from .formats.clock import start_of
    from .runner import run

    with Interrupt() as interrupt:
        before()
        bar = RunProgress(scenario, start_of(scenario), enabled=sys.stderr.isatty() and not quiet)

        def watch(now: float, messages: int) -> bool:
            bar(now, messages)
            return interrupt.requested

        try:
            return run(scenario, seed, watch=watch)
        finally:
            bar.close()
