# Cython declarations for sim/model/station.py (the compiled core: sim/model/compiled.py).
from sim.model.message cimport Message
from sim.model.resources cimport Cpu, Pool


cdef class Station:
    cdef public object env, _serve, _on_done, server, name, identity, delivery_type, on_done, hop_log
    cdef public object queue, in_service, _draw, baseline, deadlines, owner, next_hop, last_error, next_retry_at
    cdef public object events
    cdef public Pool pool
    cdef public Cpu cpu
    cdef public Py_ssize_t sid, limit, busy, aside, peak_length, peak_waiting, carry_length, carry_waiting
    cdef public Py_ssize_t max_length, max_waiting
    cdef public bint stopped, retrying, open, pool_waiting, zero, _plain, _inline, fast_start
    cdef public double _per_kb, _per_rcpt
    cdef public Py_ssize_t arrivals, requeued, returned, restarts, deferrals, starts, completions, expired
    cdef public Py_ssize_t resubmitted, unserved
    cdef public double thread_wait, core_wait, service_sum, left_wait, abandoned, aside_time

    cpdef put(self, Message msg)
    cpdef _try_start(self)
    cpdef _start(self, Message msg, double now)
    cpdef _grant_core(self, Message msg, double duration)
    cpdef _done(self, Message msg)
    cpdef _release_slot(self)
