"""What figures need of a run's results, as a Protocol: Results provides it, figures never import Results.

So `sim.results.results` may import the figure modules and nothing imports back (no import cycle).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import numpy as np
import pandas as pd

from ..formats.record import RunRecord
from ..scenario.schema import Scenario


class ResultView(Protocol):
    """The tables and figures of one run, as Results offers them."""

    scenario: Scenario
    record: RunRecord
    seed: int

    @property
    def throughput(self) -> pd.DataFrame:
        """Messages categorized per Hub in each sample interval."""

    @property
    def queues(self) -> pd.DataFrame:
        """Queue samples."""

    @property
    def servers(self) -> pd.DataFrame:
        """Per Hub and Edge: core and thread utilisation."""

    @property
    def latencies(self) -> np.ndarray:
        """End-to-end latency of recipients delivered after warm-up."""

    @property
    def fault_windows(self) -> pd.DataFrame:
        """Every time something was down: fault, kind, target, start, end."""

    @property
    def pressure(self) -> pd.DataFrame:
        """Every change of a server's back pressure level."""

    @property
    def hops(self) -> pd.DataFrame:
        """One row per message copy per station (record: hops)."""

    @property
    def stations(self) -> pd.DataFrame:
        """Per station since warm-up."""

    @property
    def queue_events(self) -> pd.DataFrame:
        """Every change of a queue's status, with LastError and NextRetryTime."""

    @property
    def tracking_raw(self) -> pd.DataFrame:
        """The model's tracking events, one row each."""

    end_time: float

    @property
    def start(self) -> datetime:
        """The UTC clock time of simulated second 0."""

    @property
    def messages(self) -> pd.DataFrame:
        """One row per recipient outcome."""

    @property
    def load(self) -> pd.DataFrame:
        """Per 5-minute bin and per Hub or Edge: core utilisation."""

    def summary(self) -> dict:
        """The headline figures."""
