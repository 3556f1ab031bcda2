"""A result is plain data: it pickles, round-trips, travels without the model, and its size is its arrays."""

from __future__ import annotations

import pickle
import pickletools
import subprocess
import sys
from dataclasses import fields

import numpy as np
import pandas as pd
from conftest import one_site, shared_run

import sim
from sim.formats.record import RunRecord


def tracked() -> dict:
    scenario = one_site(hubs=2, mailbox_servers=2, rate="3/s", duration="20m", record="hops")
    scenario["workload"]["recipients"] = {"dist": "geometric", "mean": 2}
    return scenario


def test_a_result_pickles_and_round_trips():
    result = shared_run(tracked())
    copy = pickle.loads(pickle.dumps(result))
    assert copy.summary() == result.summary()
    for table in ("messages", "hops", "queues", "stations", "servers", "throughput", "tracking_log", "in_flight"):
        pd.testing.assert_frame_equal(getattr(copy, table), getattr(result, table), check_exact=True)  # bit for bit
    assert copy.record.versions == result.record.versions and "simpy" in copy.record.versions


def test_the_pickle_holds_no_model_object():
    """Only the record's own classes and plain data: nothing from sim.model (SimPy, stations, messages)."""
    stream = pickle.dumps(shared_run(tracked()))
    names = {arg for op, arg, _ in pickletools.genops(stream) if op.name in ("GLOBAL", "STACK_GLOBAL") and arg}
    strings = [arg for op, arg, _ in pickletools.genops(stream) if isinstance(arg, str)]
    modules = {text for text in strings if text.startswith("sim.")} | {n.split(" ")[0] for n in names}
    assert not any(module.startswith(("sim.model", "simpy")) for module in modules), modules
    assert "sim.formats.record" in modules


def test_pickled_size_is_dominated_by_arrays():
    result = shared_run(tracked())
    record = result.record
    record.tracking()  # the events as columns, as they are pickled
    arrays = 0
    for field in fields(RunRecord):
        value = getattr(record, field.name)
        if isinstance(value, np.ndarray):
            arrays += value.nbytes
        elif isinstance(value, dict):
            arrays += sum(v.nbytes for v in value.values() if isinstance(v, np.ndarray))
    table = record.tracking()
    arrays += sum(v.nbytes for v in table.columns.values()) + table.recipients.nbytes
    size = len(pickle.dumps(result))
    assert arrays > 0.9 * size, (arrays, size)


def test_results_need_no_model_to_be_read(tmp_path):
    """A pickled result opens in a process that never runs a simulation, and its tables and figures work."""
    path = tmp_path / "result.pickle"
    path.write_bytes(pickle.dumps(shared_run(tracked())))
    code = (
        "import pickle, sys; r = pickle.loads(open(sys.argv[1], 'rb').read()); "
        "assert r.summary()['lost'] == 0; r.figure('latency'); r.figure('queues'); "
        "print(len(r.messages), len(r.tracking_log))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows, events = map(int, done.stdout.split())
    assert rows == len(shared_run(tracked()).messages) and events > rows


def test_every_recipient_still_held_at_the_end_is_listed_with_its_place():
    scenario = one_site(hubs=1, rate="3/s", duration="30m", faults=[{"server": "HUB1", "down_at": "20m"}])
    result = sim.run(scenario)
    held = result.in_flight
    assert len(held) == result.summary()["in_queue_at_end"] > 0
    places = set(zip(held["held_by"], held["state"]))
    stopped = {(f"HUB1\\{queue}", "Suspended") for queue in ("StoreDriverSubmission", "Submission", "MBX1")}
    assert places <= stopped | {("MBX1\\Outbox", "Retry")}
    assert ("MBX1\\Outbox", "Retry") in places  # submitted while the only Hub was down
