"""Get-Queue at an instant, exactly: the scenario replayed to that instant and its live queues read.

The instant's rule is the end of a run's (sim.model.simulation): the state after every event due before
the instant; events due exactly at it are not processed. A run is deterministic for its scenario and
seed, so the replay reaches the same state the recorded run passed through, whichever way that run was
sliced; it records nothing (record: summary, no tracking log), which changes no event.

Decision: a replay rather than a log of every queue change. Status (Active or Ready) and MessageCount
change at every service, so an exact record would cost two entries per station pass (about 16 bytes
each, some 280 bytes a message on the 10,000-mailbox day, where 1 KB is the budget) and time on the hot
path of every run, for a view asked of few runs; the replay costs nothing until it is asked for, then
at most one run to the instant (less when instants are asked in order: it goes on from the last one).
"""

from __future__ import annotations

from ..formats.queue_state import QueueState
from ..scenario.schema import Scenario
from .engine import cyclic_gc_paused
from .organisation import Model
from .station import RETRY


class Replay:
    """One scenario and seed, run forward to each instant asked for; an earlier instant starts it again."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario.model_copy(update={"record": "summary", "tracking_log": False})
        self.seed = seed
        self.model: Model | None = None

    def queues_at(self, at: float) -> list[QueueState]:
        """Every queue and stage the model had made by `at` seconds, in the order they were made, as Get-Queue
        would show them at that instant (0 is the start: before any event)."""
        if self.model is None or at < self.model.env.now:
            self.model = Model(self.scenario, self.seed)
            self.model.start()
        env = self.model.env
        if at > env.now:
            with cyclic_gc_paused():
                env.run(until=at)
        return [state_of(station) for station in self.model.stations]


def state_of(station) -> QueueState:
    """What Get-Queue shows of one live station now."""
    status = station.state
    return QueueState(station.identity, station.name, station.delivery_type, station.next_hop, status,
                      station.length, station.last_error, station.next_retry_at if status == RETRY else None)  # fmt: skip
