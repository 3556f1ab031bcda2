"""The SimPy world: the engine, the queueing station, the server roles, sources of mail, faults, the recorder."""
