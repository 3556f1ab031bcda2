# Cython declarations for sim/model/roles/mailbox.py (the compiled core: sim/model/compiled.py): its messages are typed.
from sim.model.message cimport Message
