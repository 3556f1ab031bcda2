"""The SimPy environment exsim runs on, and its one fast way to schedule a callback.

Everything that relies on SimPy's internals (its event heap `_queue`, the id counter `_eid`, and the
fields `step()` reads) lives here, so a SimPy upgrade has one place to check. Semantics are SimPy's
own: `Environment.run` is `simpy.Environment.run` with `step()` inlined (one Python frame less per
event), and `call_later` pushes the lightest object `step()` can process instead of a `Timeout`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event


class Completion:
    """A scheduled callback: exactly the fields `step()` reads (callbacks, _ok, _value), nothing more."""

    __slots__ = ("callbacks", "_value", "_ok")

    def __init__(self, callbacks: list, value: Any) -> None:
        self.callbacks = callbacks
        self._value = value
        self._ok = True


def call_later(
    env: simpy.Environment, delay: float, callback: Callable[[Completion], None], value: Any = None
) -> Completion:
    """Run `callback(event)` after `delay`, with `event._value` = value; returns the event (a cancel token)."""
    event = Completion([callback], value)
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), event))
    return event


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector for a run, restoring its state afterwards.

    A run keeps hundreds of thousands of small records alive (rows, messages, tracking events); each
    full collection scans all of them, which measured at up to 40% of a day's run. The model makes no
    reference cycles that outlive a message (a copy and its completion event drop each other when the
    service ends), so reference counting frees everything in time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Environment(simpy.Environment):
    """simpy.Environment with the step() of its run loop inlined."""

    def run(self, until: float | Event | None = None) -> Any:
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self.now:
                    raise ValueError(f"until ({at}) must be greater than the current simulation time")
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self.now)
            elif until.callbacks is None:
                return until.value
            until.callbacks.append(StopSimulation.callback)
        queue = self._queue
        try:
            while True:
                try:
                    self._now, _, _, event = heappop(queue)
                except IndexError:
                    raise EmptySchedule from None
                callbacks, event.callbacks = event.callbacks, None
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:
                    event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                    self.schedule(event, -1)
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
        except StopSimulation as exc:
            return exc.args[0]
        except EmptySchedule:
            if until is not None:
                assert not until.triggered
                raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}')
        return None
