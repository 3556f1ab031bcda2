# Cython declarations for sim/model/resources.py (the compiled core: sim/model/compiled.py).

cdef class Cpu:
    cdef public object env, waiting
    cdef public Py_ssize_t cores, busy
    cdef public double area, t_last, area_at_warmup


cdef class Pool:
    cdef public Py_ssize_t capacity, free
    cdef public object waiters, name
