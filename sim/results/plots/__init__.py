"""The figures built from Results, each a matplotlib Figure (never pyplot): `time_series` (throughput, queues,
utilisation over the run), `latency`, `faults` (mail held by queue status), `topology` (sites, links and
servers) and `capacity` (sweeps and sizing). Imported by name, so `import sim` stays light."""
