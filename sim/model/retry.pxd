# Cython declarations for sim/model/retry.py (the compiled core: sim/model/compiled.py): its messages are typed.
from sim.model.message cimport Message
