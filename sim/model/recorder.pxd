# Cython declarations for sim/model/recorder.py (the compiled core: sim/model/compiled.py): its messages are typed.
from sim.model.message cimport Message
