"""The one queueing building block: a FIFO queue with a thread limit, served on shared cores.

A station keeps its own FIFO (a deque) and a count of busy threads, and schedules exactly one event per
service, the completion; the callback starts the next message and hands this one on. That is how
Exchange itself works (fixed thread limits such as MaxConcurrentMailboxDeliveries), and it runs about
3.5x faster than a SimPy process per message (benchmarks/README.md). A stage of zero time costs
no event: the message is handed straight on.

Three things may bound a service: the station's own `limit` (threads), a `Pool` of threads shared by
several stations, and a `Cpu` whose cores every stage of a server shares. A message first waits for a
thread, then, holding it, for a core; the two waits are kept apart, and the service time is the time
drawn, on a core. The time-weighted statistics (mean queue length, messages waiting, busy threads and cores)
are areas under the curve, but they are not updated at each state change: an area is the sum over messages of
the time each spent in that state, so it follows from the waits and service times already summed per message,
plus the partial times of the messages still held, counted only when the totals are read
(sim.model.statistics.totals).

The queue length (Get-Queue's MessageCount: waiting, in service or set aside until a retry timer) only grows
where a message is put in or back: there a station keeps the most it held, and had waiting, since the last
queue sample (`close_interval`), so the largest queue length in any window is exact, for a comparison a put.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator

from .deadlines import Deadlines
from .engine import Environment
from .message import Message
from .resources import Cpu, Pool

ACTIVE, READY, RETRY, SUSPENDED = "Active", "Ready", "Retry", "Suspended"
UNBOUNDED = 1_000_000
"""The limit of a stage with no thread limit of its own (SMTP Receive, the anti-spam chain)."""
COUNTERS = ("arrivals", "requeued", "returned", "restarts", "deferrals", "starts", "completions", "expired",
            "resubmitted", "unserved")  # fmt: skip
"""Services run to the end are completions + returned + deferrals: a service ends in exactly one of them.
A message leaves the queue in exactly one way: completed (handed on), expired or resubmitted; `unserved`
counts those that left the waiting line without a service (expired while waiting, resubmitted)."""
KEPT = ("thread_wait", "core_wait", "service_sum", "left_wait", "abandoned", "aside_time")
"""The sums kept as messages move: waits and core times, the waits of messages that left unserved (expiry,
resubmission), core time of services abandoned by a stop, time set aside (deferred) until a retry or expiry."""


class Station:
    """A FIFO queue served by up to `limit` concurrent threads, each service on one of the server's cores."""

    __slots__ = (
        "env", "_serve", "_on_done", "sid", "server", "name", "identity", "delivery_type", "limit", "pool", "cpu",
        "on_done", "hop_log", "queue", "busy", "in_service", "stopped", "retrying", "open", "pool_waiting", "zero",
        "_plain", "_inline", "_draw", "_per_kb", "_per_rcpt", "baseline", "fast_start", "aside",
        "peak_length", "peak_waiting", "carry_length", "carry_waiting", "max_length", "max_waiting",
        "deadlines", "owner", "next_hop", "last_error", "next_retry_at", "events",
        *COUNTERS, *KEPT,
    )  # fmt: skip

    def __init__(
        self, env: Environment, server: str, name: str, delivery_type: str, limit: int, service,
        on_done: Callable[[Message], None], *, cpu: Cpu | None = None, pool: Pool | None = None,
        hop_log: Callable | None = None,
    ) -> None:  # fmt: skip
        self.env = env
        self._serve = env.serve
        self._on_done = self._done  # bound once: one service, one event, no new method object
        self.sid = -1  # the recorder's id, set when the station is registered
        self.server = server
        self.name = name
        self.identity = f"{server}\\{name}"  # as Queue Viewer shows it
        self.delivery_type = delivery_type
        self.limit = limit
        self.pool = pool
        self.cpu = cpu
        self.on_done = on_done
        self.hop_log = hop_log
        self.queue: deque[Message] = deque()  # waiting for a thread
        self.busy = 0  # threads held: in service, or waiting for a core
        self.in_service: dict[Message, None] = {}  # insertion-ordered, so runs repeat exactly
        self.stopped = False
        self.retrying = False
        self.open = True
        self.pool_waiting = False
        sampler, per_kb, per_rcpt = service
        self.zero = per_kb == 0 and per_rcpt == 0 and getattr(sampler, "value", None) == 0
        self._draw = sampler.next
        self._inline = type(self).service_time is Station.service_time  # _start may compute it in place
        self._plain = per_kb == 0 and per_rcpt == 0 and self._inline
        self._per_kb = per_kb
        self._per_rcpt = per_rcpt
        for counter in COUNTERS:
            setattr(self, counter, 0)
        for total in KEPT:
            setattr(self, total, 0.0)
        self.aside = 0  # messages held but neither waiting nor in service (a DeliveryQueue's deferred ones)
        self.peak_length = self.peak_waiting = 0  # the most held, and waiting, since the previous sample
        self.carry_length = self.carry_waiting = 0  # the same over the part of that interval before warm-up
        self.max_length = self.max_waiting = 0  # the same since warm-up, up to the previous sample
        self.baseline: tuple | None = None  # every COUNTER and SUM at warm-up (None: all zero)
        self.fast_start = self.FAST_START
        self.deadlines: Deadlines | None = None  # set by the server that owns it
        self.owner = None  # the Transport server it belongs to
        self.next_hop = ""  # Get-Queue's NextHopDomain
        self.last_error = ""  # Get-Queue's LastError
        self.next_retry_at = None  # Get-Queue's NextRetryTime (seconds), while in Retry
        self.events: Callable | None = None  # the recorder's queue_event, when status changes are kept

    FAST_START = True  # False where _try_start has its own checks (RelayStation)

    # -- flow -----------------------------------------------------------------------------------
    def put(self, msg: Message) -> None:
        """A message arrives; it starts at once if a thread is free, else waits FIFO."""
        now = self.env.now
        msg.queued_at = now
        self.arrivals += 1
        queue = self.queue
        if self.open:
            if self.zero:
                msg.started_at = msg.core_at = now
                self.starts += 1
                self.completions += 1
                if self.hop_log is not None:
                    self.hop_log(msg, self, now)
                self.on_done(msg)
                return
            if not queue and self.busy < self.limit and self.fast_start:
                pool = self.pool
                if pool is None or pool.free > 0:
                    if pool is not None:
                        pool.free -= 1
                    self._start(msg, now)  # no wait: skip the deque round trip and the _try_start loop
                    held = len(self.in_service) + self.aside  # the queue length: nothing waits
                    if held > self.peak_length:
                        self.peak_length = held
                    return
        queue.append(msg)
        if self.deadlines is not None:
            self.deadlines.waiting(msg)
        if self.open:
            self._try_start()
        waiting = len(queue)
        if waiting > self.peak_waiting:
            self.peak_waiting = waiting
        held = waiting + len(self.in_service) + self.aside  # not busy: a relay's thread outlives its message
        if held > self.peak_length:
            self.peak_length = held

    def requeue(self, msg: Message) -> None:
        """A deferred message tries again: it waits in line like an arrival, but counts as a retry."""
        self.requeued += 1
        self.arrivals -= 1  # put() counts every entry as an arrival
        self.put(msg)

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
            msg = queue.popleft()
            msg.waiting = None
            now = self.env.now
            self.thread_wait += now - msg.queued_at
            self._start(msg, now)

    def _start(self, msg: Message, now: float) -> None:
        """Take a thread (its wait is already counted); then a core if one is free, else wait holding the thread."""
        self.busy += 1
        self.in_service[msg] = None
        self.starts += 1
        msg.started_at = now
        if self._plain:
            duration = self._draw()
        elif self._inline:  # service_time, inlined (the same expression, so the same float)
            duration = self._draw() + self._per_kb * msg.kb + self._per_rcpt * len(msg.recipients)
        else:
            duration = self.service_time(msg)
        cpu = self.cpu
        if cpu is not None:
            if cpu.busy >= cpu.cores:
                msg.token = None
                cpu.waiting.append((self, msg, duration))
                return
            cpu.area += cpu.busy * (now - cpu.t_last)
            cpu.t_last = now
            cpu.busy += 1
        msg.core_at = now
        self._serve(duration, msg, self._on_done)

    def service_time(self, msg: Message) -> float:
        """Core time for this message: a drawn base plus per-KB and per-recipient work."""
        return self._draw() + self._per_kb * msg.kb + self._per_rcpt * len(msg.recipients)

    def _grant_core(self, msg: Message, duration: float) -> None:
        """A core came free for a message that held a thread waiting for one."""
        now = self.env.now
        self.core_wait += now - msg.started_at
        msg.core_at = now
        self._serve(duration, msg, self._on_done)

    def _done(self, msg: Message) -> None:
        """The service ended (the engine skips one abandoned by stop()): free the thread and core, hand it on."""
        msg.token = None
        now = self.env.now
        self.busy -= 1
        del self.in_service[msg]
        self.completions += 1
        self.service_sum += now - msg.core_at
        cpu = self.cpu
        if cpu is not None:
            cpu.area += cpu.busy * (now - cpu.t_last)
            cpu.t_last = now
            cpu.busy -= 1
            if cpu.waiting:
                station, waiting_msg, duration = cpu.waiting.popleft()
                cpu.busy += 1
                station._grant_core(waiting_msg, duration)
        if self.hop_log is not None:
            self.hop_log(msg, self, now)
        pool = self.pool
        if pool is None:
            if self.queue and self.open:  # _release_slot, in place
                self._try_start()
        elif pool.waiters or self.queue:
            self._release_slot()
        else:
            pool.free += 1  # _release_slot with no station waiting and nothing to start here
        self.on_done(msg)

    def put_back(self, msg: Message) -> None:
        """A served message could not be handed on (its next hop went down): back to the head of the queue.

        Counted as returned, not as a completion.
        """
        self.completions -= 1
        self.returned += 1
        msg.queued_at = self.env.now
        self.queue.appendleft(msg)
        if self.deadlines is not None:
            self.deadlines.waiting(msg)
        self.grew()
        if self.open:
            self._try_start()

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
        if self.deadlines is not None:
            self.deadlines.set_stuck(not self.open)
        if self.open and self.queue:
            self._try_start()

    def stop(self) -> None:
        """The Transport service stopped: work in progress goes back to the head of the queue, to be redone.

        A redone service counts once: as a restart, and as one start when it starts again.
        """
        now = self.env.now
        abandoned = list(self.in_service)
        self.in_service.clear()
        for msg in abandoned:
            if msg.token is None:  # it held a thread waiting for a core
                self.core_wait += now - msg.started_at
            else:  # on a core: the work done so far is lost, but the core was busy
                self.abandoned += now - msg.core_at
            msg.token = None
            msg.queued_at = now
        self.starts -= len(abandoned)
        self.restarts += len(abandoned)
        self.queue.extendleft(reversed(abandoned))
        if self.pool is not None:
            self.pool.free += self.busy
            self.pool_waiting = False
        self.busy = 0
        self.grew()  # as many held as before, more of them waiting
        self.stopped = True
        self.open = False
        if self.deadlines is not None:
            self.deadlines.set_stuck(True)
            for msg in abandoned:
                self.deadlines.waiting(msg)
        self._status_changed("")

    def resume(self) -> None:
        """The Transport service started again."""
        self.stopped = False
        self._set_open()
        self._status_changed("")

    def enter_retry(self, error: str = "", next_retry_at: float | None = None) -> None:
        """The next hop does not answer: nothing leaves until the retry timer fires (Queue Viewer: Retry)."""
        self.retrying = True
        self.open = False
        self.last_error, self.next_retry_at = error or self.last_error, next_retry_at
        if self.deadlines is not None:
            self.deadlines.set_stuck(True)
        self._status_changed(error)

    def leave_retry(self) -> None:
        """The retry timer fired: try the next hop again."""
        self.retrying = False
        self.next_retry_at = None
        self._set_open()
        if not self.retrying:
            self._status_changed("")

    def _status_changed(self, error: str) -> None:
        if self.events is not None:
            self.events(self.env.now, self.sid, self.state, error, self.next_retry_at)

    # -- where messages wait: delay DSNs and expiry (sim.model.deadlines) ------------------------------
    def waiting_messages(self) -> Iterator[Message]:
        """The messages waiting here (not in service)."""
        return iter(self.queue)

    def notify_delay(self, msg: Message) -> None:
        """A message waiting here is DelayNotificationTimeout old: its sender gets a delay DSN."""
        self.owner.delay_dsn(msg)

    def expire(self, msg: Message) -> None:
        """A message waiting here is MessageExpirationTimeout old: out of the queue, into an NDR."""
        self.left_unserved(msg)
        self.expired += 1
        self.owner.expired(msg)

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
        """Messages in the queue, waiting, in service or set aside (Queue Viewer's MessageCount)."""
        return len(self.queue) + len(self.in_service) + self.aside

    def held(self) -> Iterator[Message]:
        """Every message this station holds: waiting, in service or set aside (for the end-of-run accounting)."""
        yield from self.queue
        yield from self.in_service
        yield from self.aside_messages()

    def aside_messages(self) -> Iterable[Message]:
        """Messages held but neither waiting nor in service (a DeliveryQueue's deferred ones, since `queued_at`)."""
        return ()

    # -- statistics (sim.model.statistics reads them) ----------------------------------------------------
    def left_unserved(self, msg: Message) -> None:
        """`msg` leaves the waiting line without a service (expiry, resubmission): its wait still counts."""
        self.queue.remove(msg)
        self.left_wait += self.env.now - msg.queued_at
        self.unserved += 1

    def grew(self) -> None:
        """The queue just grew (outside put, which does this inline): keep the most held and waiting."""
        waiting = len(self.queue)
        if waiting > self.peak_waiting:
            self.peak_waiting = waiting
        held = waiting + len(self.in_service) + self.aside  # not busy: a relay's thread outlives its message
        if held > self.peak_length:
            self.peak_length = held

    def close_interval(self, length: int, waiting: int) -> tuple[int, int]:
        """At a queue sample: the most messages held and waiting at once since the previous sample (the interval
        closed at both ends); the next interval starts from `length` held and `waiting` now."""
        most, most_waiting = self.peak_length, self.peak_waiting
        if most > self.max_length:
            self.max_length = most
        if most_waiting > self.max_waiting:
            self.max_waiting = most_waiting
        self.peak_length, self.peak_waiting = length, waiting
        if self.carry_length:  # the interval began before warm-up: that part counts in the sample, not the table
            most, most_waiting = max(most, self.carry_length), max(most_waiting, self.carry_waiting)
            self.carry_length = self.carry_waiting = 0
        return most, most_waiting
