# Cython declarations for sim/model/message.py (the compiled core: sim/model/compiled.py). Times are C doubles.

cdef class Message:
    cdef public object id, sender, origin, recipients, path, token, done, next_hub, verdict, internal_id
    cdef public object waiting, delayed, poison, crashes, session
    cdef public double size, kb, submitted_at, queued_at, started_at, core_at
