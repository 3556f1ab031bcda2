"""Shared scenario builders for the tests: small organisations written as plain mappings."""

from __future__ import annotations

import copy
import functools
import json
import multiprocessing
import os
import shutil
import subprocess
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


def swaks_missing(tls: bool = False) -> str | None:
    """Why swaks cannot run this test (None when it can): not installed, or, for a test that starts TLS,
    without the Perl TLS module swaks needs (Net::SSLeay, Debian's libnet-ssleay-perl)."""
    if shutil.which("swaks") is None:
        return "swaks is not installed (.ci/run installs it)"
    if tls:
        support = subprocess.run(["swaks", "--support"], capture_output=True, text=True, timeout=30)
        if "TLS supported" not in support.stdout + support.stderr:
            return "swaks has no TLS (apt-get install libnet-ssleay-perl; .ci/run installs it)"
    return None


def require_swaks(tls: bool = False) -> None:
    """Skip a test swaks cannot run here; under CI=true fail instead, so a CI machine missing a piece is loud."""
    why = swaks_missing(tls)
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run this test: {why}")
        pytest.skip(why)


@pytest.fixture
def swaks_tls() -> None:
    """swaks with STARTTLS, or a skip (a failure under CI=true)."""
    require_swaks(tls=True)


@pytest.fixture
def swaks_plain() -> None:
    """swaks without TLS, or a skip (a failure under CI=true)."""
    require_swaks(tls=False)


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
