"""Shared scenario builders for the tests: small organisations written as plain mappings."""

from __future__ import annotations

import copy
import functools
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
LOG_FIELDS = ("date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,"
              "event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,"
              "recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,"
              "message-info")  # fmt: skip
"""The #Fields line of an Exchange 2007 tracking log, written out by hand (not taken from sim)."""
ZERO_STAGES = {
    name: "0s" for name in ("store_driver_submit", "smtp_receive", "categorizer", "store_driver_deliver", "smtp_send")
}


def one_site(hubs=2, mailbox_servers=1, rate="2/s", duration="2h", **extra) -> dict:
    """One AD site with `hubs` Hubs and `mailbox_servers` Mailbox servers in fixed-rate Poisson mode."""
    scenario = {
        "name": "test",
        "duration": duration,
        "seed": 5,
        "sites": [
            {
                "name": "A",
                "hubs": [{"name": f"HUB{i + 1}"} for i in range(hubs)],
                "mailbox_servers": [{"name": f"MBX{i + 1}", "mailboxes": 100} for i in range(mailbox_servers)],
            }
        ],
        "workload": {"rate": rate, "recipients": {"dist": "constant", "mean": 1}, "size": "10KB"},
    }
    scenario.update(copy.deepcopy(extra))
    return scenario


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@functools.lru_cache(maxsize=32)
def _run(scenario_json: str, seed: int | None):
    return sim.run(json.loads(scenario_json), seed=seed)


def shared_run(scenario: dict, seed: int | None = None):
    """sim.run, once per identical (scenario, seed) for the whole session: tests that only read a result
    share it. A test must not change the tables it reads (copy a DataFrame before adding columns)."""
    return _run(json.dumps(scenario, sort_keys=True), seed)


def _station_row(job: tuple) -> pd.Series:
    scenario, seed, queue = job
    return sim.run(scenario, seed).stations.set_index("queue").loc[queue]


def station_rows(scenario, seeds, queue: str) -> list[pd.Series]:
    """The station-table row of `queue` in one run per seed, the runs shared between two forked processes:
    statistical tests need many long replications, and the machine has two cores."""
    jobs = [(scenario, seed, queue) for seed in seeds]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_station_row, jobs))
