"""Every table has one declaration (sim.formats) and holds to it: the DataFrames Results exposes and the columns
the RunRecord keeps have exactly their declared columns, in the declared order, of the declared types, so a new
column added in one room only (the recorder, the record, the results) fails here."""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
import subprocess
import sys
from functools import cached_property
from struct import Struct

import numpy as np
import pandas as pd
import pytest

import sim
from sim.formats import declare
from sim.formats.counters import COUNTERS
from sim.formats.declare import Column, Table
from sim.formats.events import (
    FAULT_WINDOWS,
    FAULT_WINDOWS_RECORD,
    PRESSURE,
    PRESSURE_EVENTS_RECORD,
    QUEUE_EVENTS,
    QUEUE_EVENTS_RECORD,
)
from sim.formats.frames import as_frame, conforms
from sim.formats.messages import (
    HOPS,
    HOPS_RECORD,
    IN_FLIGHT,
    IN_FLIGHT_RECORD,
    MESSAGE_INFO_RECORD,
    MESSAGES,
    MESSAGES_RECORD,
)
from sim.formats.queue_state import QUEUE_VIEW
from sim.formats.queues import (
    ARRIVALS,
    CATEGORIZED_RECORD,
    LOAD,
    QUEUES,
    SAMPLE_PEAKS_RECORD,
    SAMPLES_RECORD,
    THROUGHPUT,
)
from sim.formats.record import RunRecord
from sim.formats.routes import DECISIONS, ROUTES
from sim.formats.stations import SERVERS, STATIONS
from sim.formats.tracking_events import TRACK_EVENTS_RECORD, TRACKING_RAW, TRACKING_RECORD
from sim.formats.tracking_fields import TRACKING_LOG
from sim.model import recorder
from sim.results.results import Results

EXPOSED = {
    "messages": MESSAGES, "hops": HOPS, "queues": QUEUES, "stations": STATIONS, "servers": SERVERS,
    "throughput": THROUGHPUT, "in_flight": IN_FLIGHT, "routes": ROUTES, "decisions": DECISIONS,
    "queue_events": QUEUE_EVENTS, "pressure": PRESSURE, "fault_windows": FAULT_WINDOWS, "load": LOAD,
    "arrivals": ARRIVALS, "tracking_raw": TRACKING_RAW, "tracking_log": TRACKING_LOG, "counters": COUNTERS,
}  # fmt: skip
"""Every table Results exposes, and its declaration."""
RECORDED = {
    "messages": MESSAGES_RECORD, "hops": HOPS_RECORD, "in_flight": IN_FLIGHT_RECORD,
    "message_info": MESSAGE_INFO_RECORD, "samples": SAMPLES_RECORD, "sample_peaks": SAMPLE_PEAKS_RECORD,
    "categorized": CATEGORIZED_RECORD, "queue_events": QUEUE_EVENTS_RECORD, "pressure_events": PRESSURE_EVENTS_RECORD,
    "fault_windows": FAULT_WINDOWS_RECORD, "stations": STATIONS, "server_stats": SERVERS, "routes": ROUTES,
    "decisions": DECISIONS,
}  # fmt: skip
"""Every table the RunRecord keeps as columns, and its declaration."""

RUNS = {
    "faults, hops and tracking": ("scenarios/site-link-down.yaml", {"record": "hops", "duration": "2h30m"}),
    "back pressure": ("scenarios/back-pressure.yaml", {"duration": "1h30m", "drain": "30m"}),
    "Edges and domains": ("scenarios/edge-internet.yaml", {"duration": "1h", "warmup": "10m"}),
    "nothing kept": ("scenarios/quickstart.yaml", {"duration": "40m", "record": "summary", "tracking_log": False}),
}


@pytest.fixture(scope="module", params=list(RUNS))
def result(request) -> Results:
    path, overrides = RUNS[request.param]
    return sim.run(path, overrides=overrides)


def test_the_declarations_cover_every_table_results_expose_and_the_record_keeps():
    tables = {name for name, value in vars(Results).items() if isinstance(value, cached_property) and name[0] != "_"}
    assert tables == set(EXPOSED)  # a new table of Results needs a declaration here and in sim.formats
    columns = {field.name for field in dataclasses.fields(RunRecord) if field.type == "Columns"}
    assert columns == set(RECORDED)


def test_every_table_results_expose_has_exactly_its_declared_columns_and_types(result):
    shown = [name for name in EXPOSED if name != "hops" or result.scenario.record == "hops"]  # else NotRecorded
    problems = [line for name in shown for line in conforms(getattr(result, name), EXPOSED[name])]
    assert problems == []


def test_the_get_queue_view_has_its_declared_columns(result):
    assert conforms(result.queue_view(result.end_time / 2), QUEUE_VIEW) == []


def test_every_table_the_record_keeps_has_exactly_its_declared_columns_and_types(result):
    record = result.record
    problems = []
    for name, table in [*RECORDED.items(), ("tracking()", TRACKING_RECORD)]:
        columns = record.tracking().columns if name == "tracking()" else getattr(record, name)
        if tuple(columns) != table.names:
            problems.append(f"{name}: {list(columns)}, declared {list(table.names)}")
        lengths = {len(values) for values in columns.values()}
        problems += [f"{name}: columns of {sorted(lengths)} rows"] if len(lengths) > 1 else []
        problems += [f"{name}.{c.name}: {columns[c.name].dtype}, declared {c.dtype}" for c in table.columns
                     if columns[c.name].dtype != declare.NUMPY[c.dtype]]  # fmt: skip
    assert problems == []


def test_the_recorders_row_layouts_are_the_declarations():
    assert recorder.MESSAGE_INTS + recorder.MESSAGE_FLOATS == MESSAGES_RECORD.names
    assert recorder.PEAK_INTS == SAMPLE_PEAKS_RECORD.names
    assert MESSAGES_RECORD.struct("int64").format == "8q" and MESSAGES_RECORD.struct("float64").format == "3d"
    assert TRACK_EVENTS_RECORD.struct("int32").size == 5 * 4  # 28 bytes an event with its time
    ints, floats = Struct("8q").pack(*range(1, 9)), Struct("3d").pack(1.5, 2.5, 3.5)
    columns = MESSAGES_RECORD.from_blocks({"int64": np.frombuffer(ints * 2, np.int64),
                                           "float64": np.frombuffer(floats * 2, np.float64)})  # fmt: skip
    assert list(columns) == list(MESSAGES_RECORD.names)
    assert columns["reason"].tolist() == [8, 8] and columns["finished_at"].tolist() == [3.5, 3.5]


def _toy() -> Table:
    return Table("toy", "one thing", [
        Column("name", "text", "", "what it is called"), Column("size", "int64", "bytes", "how big"),
        Column("at", "float64", "s", "when"), Column("clock", "datetime64[ms]", "UTC", "at's clock", seconds="at"),
        Column("kind", "category", "", "what kind"), Column("spare", "float64", "", "a maybe", optional=True),
    ])  # fmt: skip


def test_a_column_in_one_room_only_is_refused():
    toy, start = _toy(), pd.Timestamp("2026-01-05", tz="UTC").to_pydatetime()
    good = {"name": ["a"], "size": [1], "at": [2.0], "kind": pd.Categorical(["x"]), "spare": [0.5]}
    frame = as_frame(toy, good, start)
    assert list(frame.columns) == list(toy.names) and frame["clock"].tolist() == [pd.Timestamp("2026-01-05 00:00:02")]
    with pytest.raises(ValueError, match=r"\['spare'\] are declared but not given"):
        as_frame(toy, {k: v for k, v in good.items() if k != "spare"}, start)
    with pytest.raises(ValueError, match=r"\['extra'\] given but not declared"):
        as_frame(toy, {**good, "extra": [1]}, start)
    with pytest.raises(TypeError, match="toy.size: float64, where int64 is declared"):
        as_frame(toy, {**good, "size": [1.0]}, start)
    empty = as_frame(toy, {name: [] for name in good}, start)
    assert conforms(empty, toy) == []
    with pytest.raises(ValueError, match=r"\['extra'\] given but not declared"):
        toy.row({"name": "a", "size": 1, "at": 2.0, "kind": "x", "extra": 3})
    row = toy.row({"kind": "x", "at": 2.0, "name": "a", "size": 1, "clock": None})
    assert list(row) == list(toy.names) and math.isnan(row["spare"])  # ordered; the optional column is NaN


def _declared_tables() -> list[Table]:
    package = importlib.import_module("sim.formats")
    modules = [importlib.import_module(f"sim.formats.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    return list({id(v): v for module in modules for v in vars(module).values() if isinstance(v, Table)}.values())


def test_every_declared_column_says_its_type_unit_and_meaning():
    tables = _declared_tables()
    assert len(tables) >= 30
    vocabulary = {"int64", "Int64", "int32", "float64", "text", "category", "datetime64[ms]", "datetime64[us, UTC]",
                  "list[text]"}  # fmt: skip
    for table in tables:
        assert table.meaning, table.name
        for column in table.columns:
            assert column.dtype in vocabulary and column.meaning and isinstance(column.unit, str), column
            assert not column.seconds or table[column.seconds].unit == "s", column


def test_the_model_reads_the_declarations_without_loading_pandas():
    """The declarations are numpy only (sim.formats.declare); the DataFrame half (sim.formats.frames) is the
    results'. A process that only runs the model stays as light as before the declarations."""
    probe = (
        "import sys, sim.model.simulation, sim.model.snapshot; print('pandas' in sys.modules, 'pyarrow' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["False", "False"], done.stderr[-2000:]


def test_calibrate_reads_only_fields_the_tracking_log_declares():
    from sim.calibrate.tally import USED_FIELDS
    from sim.formats.tracking_fields import FIELDS

    assert set(USED_FIELDS) <= set(FIELDS)
