"""The one queueing building block: a FIFO queue with a concurrency limit, served on shared cores.

A station keeps its own FIFO (a deque) and a count of busy slots, and schedules exactly one event per
service, the completion; the callback starts the next message and hands this one on. That is how
Exchange itself works (fixed thread limits such as MaxConcurrentMailboxDeliveries), and it runs about
3.5x faster than a SimPy process per message (../shared/PERFORMANCE.md). A stage of zero time costs
no event: the message is handed straight on.

Three things may bound a service: the station's own `limit`, a `Pool` of threads shared by several
stations (one Hub's mailbox delivery queues share MaxConcurrentMailboxDeliveries), and a `Cpu` whose
cores every stage of a server shares. Time-weighted statistics are kept as areas under the curve,
updated at each state change, never by polling.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from .engine import Completion, Environment
from .message import Message

ACTIVE, READY, RETRY, SUSPENDED = "Active", "Ready", "Retry", "Suspended"


class Cpu:
    """The cores of one server: service work waits FIFO for a free core."""

    __slots__ = ("env", "cores", "busy", "waiting", "area", "t_last", "area_at_warmup")

    def __init__(self, env: Environment, cores: int) -> None:
        self.env = env
        self.cores = cores
        self.busy = 0
        self.waiting: deque = deque()
        self.area = 0.0  # core-seconds used
        self.t_last = 0.0
        self.area_at_warmup = 0.0

    def touch(self, now: float) -> None:
        self.area += self.busy * (now - self.t_last)
        self.t_last = now

    def reset(self) -> None:
        """The service stopped: every core is freed and queued work abandoned (its stations re-queue it)."""
        self.touch(self.env.now)
        self.busy = 0
        self.waiting.clear()

    def utilisation(self, start: float, now: float) -> float:
        """Mean share of cores busy since `start` (the warm-up end)."""
        self.touch(now)
        span = now - start
        return (self.area - self.area_at_warmup) / (self.cores * span) if span > 0 else 0.0


class Pool:
    """A thread limit shared by several stations; waiting stations are served in turn (no starvation)."""

    __slots__ = ("capacity", "free", "waiters")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.free = capacity
        self.waiters: deque[Station] = deque()


class Station:
    """A FIFO queue served by up to `limit` concurrent workers."""

    __slots__ = (
        "env",
        "server",
        "name",
        "identity",
        "delivery_type",
        "limit",
        "pool",
        "cpu",
        "on_done",
        "hop_log",
        "queue",
        "busy",
        "in_service",
        "stopped",
        "retrying",
        "open",
        "pool_waiting",
        "zero",
        "_plain",
        "_draw",
        "_per_kb",
        "_per_rcpt",
        "_call_later",
        "arrivals",
        "starts",
        "completions",
        "wait_sum",
        "max_length",
        "area_q",
        "area_busy",
        "t_last",
        "baseline",
    )

    def __init__(
        self,
        env: Environment,
        server: str,
        name: str,
        delivery_type: str,
        limit: int,
        service,
        on_done: Callable[[Message], None],
        *,
        cpu: Cpu | None = None,
        pool: Pool | None = None,
        hop_log: Callable | None = None,
    ) -> None:
        self.env = env
        self._call_later = env.call_later
        self.server = server
        self.name = name
        self.identity = f"{server}\\{name}"  # as Queue Viewer shows it
        self.delivery_type = delivery_type
        self.limit = limit
        self.pool = pool
        self.cpu = cpu
        self.on_done = on_done
        self.hop_log = hop_log
        self.queue: deque[Message] = deque()
        self.busy = 0
        self.in_service: dict[Message, None] = {}  # insertion-ordered, so runs repeat exactly
        self.stopped = False
        self.retrying = False
        self.open = True
        self.pool_waiting = False
        sampler, per_kb, per_rcpt = service
        self.zero = per_kb == 0 and per_rcpt == 0 and getattr(sampler, "value", None) == 0
        self._draw = sampler.next
        self._plain = per_kb == 0 and per_rcpt == 0 and type(self).service_time is Station.service_time
        self._per_kb = per_kb
        self._per_rcpt = per_rcpt
        self.arrivals = self.starts = self.completions = 0
        self.wait_sum = 0.0
        self.max_length = 0
        self.area_q = self.area_busy = 0.0
        self.t_last = 0.0
        self.baseline = (0, 0, 0, 0.0, 0.0, 0.0)

    _fast_start = True  # False where _try_start has its own checks (RelayStation)

    # -- flow -----------------------------------------------------------------------------------
    def put(self, msg: Message) -> None:
        """A message arrives; it starts at once if a worker is free, else waits FIFO."""
        now = self.env.now
        msg.queued_at = now
        self.arrivals += 1
        if self.zero and self.open:
            msg.started_at = now
            self.starts += 1
            self.completions += 1
            if self.hop_log is not None:
                self.hop_log(msg, self, now)
            self.on_done(msg)
            return
        dt = now - self.t_last
        queue = self.queue
        if dt:
            self.area_q += len(queue) * dt
            self.area_busy += self.busy * dt
            self.t_last = now
        if not queue and self.open and self.busy < self.limit and self._fast_start:
            pool = self.pool
            if pool is None or pool.free > 0:
                if pool is not None:
                    pool.free -= 1
                self._start(msg)  # no wait: skip the deque round trip and the _try_start loop
                return
        queue.append(msg)
        if self.open:
            self._try_start()
        if len(queue) > self.max_length:
            self.max_length = len(queue)  # messages left waiting

    def _try_start(self) -> None:
        queue = self.queue
        pool = self.pool
        while queue and self.busy < self.limit and self.open:
            if pool is not None:
                if pool.free <= 0:
                    if not self.pool_waiting:
                        self.pool_waiting = True
                        pool.waiters.append(self)
                    return
                pool.free -= 1
            self._start(queue.popleft())

    def _start(self, msg: Message) -> None:
        now = self.env.now
        dt = now - self.t_last
        if dt:
            self.area_q += (len(self.queue) + 1) * dt  # msg was still waiting until now
            self.area_busy += self.busy * dt
            self.t_last = now
        self.busy += 1
        self.in_service[msg] = None
        self.starts += 1
        self.wait_sum += now - msg.queued_at
        msg.started_at = now
        duration = self._draw() if self._plain else self.service_time(msg)
        cpu = self.cpu
        if cpu is not None:
            if cpu.busy >= cpu.cores:
                cpu.waiting.append((self, msg, duration))
                return
            cpu.area += cpu.busy * (now - cpu.t_last)
            cpu.t_last = now
            cpu.busy += 1
        msg.token = self._call_later(duration, self._done, msg)

    def service_time(self, msg: Message) -> float:
        """Core time for this message: a drawn base plus per-KB and per-recipient work."""
        return self._draw() + self._per_kb * msg.kb + self._per_rcpt * len(msg.recipients)

    def _schedule(self, msg: Message, duration: float) -> None:
        msg.token = self.env.call_later(duration, self._done, msg)

    def _done(self, event: Completion) -> None:
        msg = event.value
        if msg.token is not event:
            return  # the service stopped while this was in progress; the message was re-queued
        msg.token = None
        now = self.env.now
        dt = now - self.t_last
        if dt:
            self.area_q += len(self.queue) * dt
            self.area_busy += self.busy * dt
            self.t_last = now
        self.busy -= 1
        del self.in_service[msg]
        self.completions += 1
        cpu = self.cpu
        if cpu is not None:
            cpu.area += cpu.busy * (now - cpu.t_last)
            cpu.t_last = now
            cpu.busy -= 1
            if cpu.waiting:
                station, waiting_msg, duration = cpu.waiting.popleft()
                cpu.busy += 1
                station._schedule(waiting_msg, duration)
        if self.hop_log is not None:
            self.hop_log(msg, self, now)
        if self.pool is None and not self.queue:
            pass  # nothing to start: skip the call
        else:
            self._release_slot()
        self.on_done(msg)

    def finish(self, msg: Message) -> None:
        """Hand a served message on (a hook for stations that check their next hop first)."""
        self.on_done(msg)

    def _release_slot(self) -> None:
        pool = self.pool
        if pool is None:
            if self.queue and self.open:
                self._try_start()
            return
        pool.free += 1
        if pool.waiters:
            if self.queue and not self.pool_waiting and self.open:
                self.pool_waiting = True
                pool.waiters.append(self)
            station = pool.waiters.popleft()
            station.pool_waiting = False
            station._try_start()
        elif self.queue and self.open:
            self._try_start()

    # -- service state --------------------------------------------------------------------------
    def _set_open(self) -> None:
        self.open = not (self.stopped or self.retrying)
        if self.open and self.queue:
            self._try_start()

    def stop(self) -> None:
        """The Transport service stopped: work in progress goes back to the head of the queue."""
        self._touch()
        abandoned = list(self.in_service)
        self.in_service.clear()
        for msg in abandoned:
            msg.token = None
        self.queue.extendleft(reversed(abandoned))
        if self.pool is not None:
            self.pool.free += self.busy
            self.pool_waiting = False
        self.busy = 0
        self.stopped = True
        self.open = False

    def resume(self) -> None:
        """The Transport service started again."""
        self.stopped = False
        self._set_open()

    def enter_retry(self) -> None:
        self.retrying = True
        self.open = False

    def leave_retry(self) -> None:
        self.retrying = False
        self._set_open()

    @property
    def state(self) -> str:
        """Queue Viewer status: Suspended while the service is stopped, Retry, Active or Ready."""
        if self.stopped:
            return SUSPENDED
        if self.retrying:
            return RETRY
        return ACTIVE if self.busy else READY

    @property
    def length(self) -> int:
        """Messages in the queue, waiting or being served (Queue Viewer's MessageCount)."""
        return len(self.queue) + len(self.in_service)

    def recipients_held(self) -> int:
        """Recipients this station holds, for the end-of-run accounting."""
        return sum(len(m.recipients) for m in self.queue) + sum(len(m.recipients) for m in self.in_service)

    # -- statistics -----------------------------------------------------------------------------
    def _touch(self) -> None:
        now = self.env.now
        dt = now - self.t_last
        self.area_q += len(self.queue) * dt
        self.area_busy += self.busy * dt
        self.t_last = now

    def mark_warmup(self) -> None:
        """Start the statistics window here."""
        self._touch()
        self.baseline = (self.arrivals, self.starts, self.completions, self.wait_sum, self.area_q, self.area_busy)

    def stats(self, start: float) -> dict:
        """Counts and time averages since `start` (the warm-up end)."""
        self._touch()
        arrivals, starts, completions, wait_sum, area_q, area_busy = self.baseline
        span = self.env.now - start
        n_starts = self.starts - starts
        return {
            "server": self.server,
            "queue": self.identity,
            "station": self.name,
            "delivery_type": self.delivery_type,
            "limit": self.limit,
            "arrivals": self.arrivals - arrivals,
            "completions": self.completions - completions,
            "mean_wait_s": (self.wait_sum - wait_sum) / n_starts if n_starts else 0.0,
            "mean_queue_length": (self.area_q - area_q) / span if span > 0 else 0.0,
            "mean_busy": (self.area_busy - area_busy) / span if span > 0 else 0.0,
            "utilisation": (self.area_busy - area_busy) / (span * self.limit) if span > 0 and self.limit else 0.0,
            "max_queue_length": self.max_length,
        }
