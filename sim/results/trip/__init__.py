"""One message's trip through the organisation: `journey` (its hops and moves), `reasons` (built from a run's
record, with why each move happened), `layout` (where each server sits), worded by sim.results.trace, drawn by
`figure` and played by `html`."""
