"""The SimPy environment exsim runs on: the only module that touches SimPy's internals.

Everything that relies on SimPy's internals (its event heap `_queue`, the id counter `_eid`, the
clock `_now`, and the fields `step()` reads) lives here, so a SimPy upgrade has one place to check;
pyproject.toml pins SimPy to the versions the tests run. Semantics are SimPy's own:
`Environment.run` is `simpy.Environment.run` with `step()` inlined (one Python frame less per event),
and `call_later` pushes a `Completion`, a bare callback, instead of a `Timeout`: the loop calls it
directly, with no callback list and no failure check. A message copy in service is its own event
(`serve`): the heap holds the `Message`, so a service costs no event object at all.

The rest of the model reads the clock as `env.now` (a plain attribute here, not SimPy's property)
and schedules with `env.call_later`; generators (fault schedules, samplers) use SimPy's public API.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event

from .message import Message


class Completion:
    """A scheduled callback and the value it carries: the lightest thing on the event heap.

    The run loop calls `callback(self)` itself; it is never a SimPy event (nothing can wait for it).
    """

    __slots__ = ("callback", "value")

    def __init__(self, callback: Callable[[Completion], None], value: Any) -> None:
        self.callback = callback
        self.value = value


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
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
    """simpy.Environment with a plain-attribute clock, a cheap `call_later`, and step() inlined in run()."""

    now: float = 0.0
    """Simulated seconds since the start: a plain attribute (SimPy's `now` is a property over `_now`)."""

    @property
    def _now(self) -> float:  # SimPy's own code reads and writes the clock through this name
        return self.now

    @_now.setter
    def _now(self, value: float) -> None:
        self.now = value

    def call_later(self, delay: float, callback: Callable[[Completion], None], value: Any = None) -> Completion:
        """Run `callback(event)` after `delay`, with `event.value` = value; the event doubles as a cancel token."""
        event = Completion(callback, value)
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), event))
        return event

    def serve(self, delay: float, msg: Message, done: Callable[[Message], None]) -> None:
        """Call `done(msg)` after `delay` unless `msg.token` changes meanwhile (set it to None to cancel).

        The message itself goes on the heap, its token the event id it went with: a stale entry (a service
        abandoned and started again) no longer matches and is skipped.
        """
        msg.token = eid = next(self._eid)
        msg.done = done
        heappush(self._queue, (self.now + delay, NORMAL, eid, msg))

    def events_scheduled(self) -> int:
        """Events scheduled so far, read from SimPy's event-id counter (for benchmarks and tests)."""
        return int(repr(self._eid)[len("count(") : -1])

    def step(self) -> None:
        """Process the next event (SimPy's step, which also knows Completions)."""
        try:
            self.now, _, eid, event = heappop(self._queue)
        except IndexError:
            raise EmptySchedule from None
        if event.__class__ is Message:
            if event.token == eid:
                event.done(event)
            return
        if event.__class__ is Completion:
            event.callback(event)
            return
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def run(self, until: float | Event | None = None) -> Any:
        """SimPy's run loop with step() inlined; events due exactly at `until` are not processed (SimPy's rule)."""
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
                    self.now, _, eid, event = heappop(queue)
                except IndexError:
                    raise EmptySchedule from None
                cls = event.__class__
                if cls is Message:  # most events: a service ends (unless it was abandoned)
                    if event.token == eid:
                        event.done(event)
                    continue
                if cls is Completion:  # no callback list, cannot fail
                    event.callback(event)
                    continue
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
            if until is not None and not until.triggered:
                raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}') from None
        return None
