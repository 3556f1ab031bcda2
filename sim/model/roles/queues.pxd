# Cython declarations for sim/model/roles/queues.py (the compiled core: sim/model/compiled.py): its messages are typed.
from sim.model.message cimport Message
from sim.model.station cimport Station
