"""The fast writers write what the slow ones did: CSV byte for byte as pandas' to_csv (the csv module's
QUOTE_MINIMAL), the same files whichever process writes them, and Parquet on request."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.formats.csvtext import write_frame
from sim.formats.isotext import iso_text
from sim.results.saving import Job, run_jobs, write_table


def awkward_frame() -> pd.DataFrame:
    """Every column type a run's tables hold, with the values CSV must quote or spell carefully."""
    texts = ["plain", "a,b", 'say "hi"', "two\nlines", "", "ünïcode", "cr\rhere", None]
    clock = np.array(
        ["2026-01-01T08:00:00.123", "2026-01-01T08:00:01", "NaT", "2026-01-01T23:59:59.999"] * 2, dtype="datetime64[ms]"
    )
    return pd.DataFrame(
        {
            "integer": np.arange(-3, 5, dtype=np.int64),
            "float": [0.1, 3.0, np.nan, 1e-05, 1e16, -0.0, 2.5e-4, 123456.789],
            "boolean": [True, False] * 4,
            "text": pd.Series(texts, dtype=object),
            "string": pd.array(texts, dtype="string"),
            "category": pd.Categorical(["x,y", "z", None, "z", "x,y", "w", "w", None]),
            "clock": clock,
            "clock_seconds": clock.astype("datetime64[s]"),
        }
    )


def test_csv_is_byte_for_byte_what_pandas_writes(tmp_path):
    frame = awkward_frame()
    for terminator in ("\n", "\r\n"):
        fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
        write_frame(frame, fast, terminator)
        frame.to_csv(slow, index=False, lineterminator=terminator)
        assert fast.read_bytes() == slow.read_bytes()


@pytest.mark.parametrize(
    "values",
    [
        ["2026-01-01", "2026-01-02"],  # midnights: the date alone
        ["2026-01-01T08:00:00", "NaT"],  # whole seconds: no fraction
        ["2026-01-01T08:00:00.000123"],  # microseconds: six digits
        ["0999-01-01T08:00:00.500", "2026-01-01T08:00:00"],  # a year of three digits: left to pandas
        ["12000-01-01T08:00:00", "NaT"],  # a year of five digits: left to pandas
    ],
)
@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_clock_columns_take_the_format_pandas_picks(tmp_path, values, unit):
    frame = pd.DataFrame({"at": np.array(values, dtype=f"datetime64[{unit}]"), "n": 1})
    write_frame(frame, tmp_path / "fast.csv")
    frame.to_csv(tmp_path / "slow.csv", index=False)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "slow.csv").read_bytes()


@pytest.mark.parametrize("unit", ["D", "s", "ms", "us", "ns"])
def test_iso_text_is_the_text_numpy_writes(unit):
    rng = np.random.default_rng(7)
    first, last = ("1678-01-01", "2261-12-31") if unit == "ns" else ("1000-01-01", "9999-12-31")
    low, high = (np.datetime64(day, unit).astype(np.int64) for day in (first, last))
    start = np.datetime64("2026-01-05", unit).astype(np.int64)
    for ticks in (
        np.concatenate([rng.integers(low, high, 20_000), [low, high, -1, 0, 1]]),  # sparse: distinct values
        start + np.arange(-3_000, 30_000) * 7,  # a run's dense range, either side of midnight
    ):
        expected = np.datetime_as_string(ticks.astype(f"datetime64[{unit}]"), unit=unit).tolist()
        assert iso_text(ticks, unit, separator="T").to_pylist() == expected
        spaced = [text.replace("T", " ") + "Z" for text in expected]
        assert iso_text(ticks, unit, suffix="Z").to_pylist() == spaced
    assert iso_text(np.array([], dtype=np.int64), unit).to_pylist() == []


def test_a_table_written_as_parquet_reads_back_equal(tmp_path):
    frame = awkward_frame()
    path = write_table(frame, tmp_path, "awkward", "parquet")
    assert path.name == "awkward.parquet"
    back = pd.read_parquet(path)
    for clock in ("clock", "clock_seconds"):  # Parquet keeps seconds as milliseconds: compare as instants
        back[clock], frame[clock] = back[clock].astype("datetime64[ns]"), frame[clock].astype("datetime64[ns]")
    assert back["text"].fillna("<missing>").tolist() == frame["text"].fillna("<missing>").tolist()
    pd.testing.assert_frame_equal(
        back.drop(columns="text"), frame.drop(columns="text"), check_dtype=False, check_categorical=False
    )


def test_jobs_shared_with_a_child_write_every_file_once(tmp_path):
    jobs = [Job(f"f{i}", lambda i=i: (tmp_path / f"f{i}.txt").write_text(str(i))) for i in range(6)]
    seconds = run_jobs(jobs)
    assert sorted(seconds) == [f"f{i}" for i in range(6)]
    assert [(tmp_path / f"f{i}.txt").read_text() for i in range(6)] == [str(i) for i in range(6)]


def test_an_error_in_either_process_is_raised_here(tmp_path):
    def fail() -> None:
        raise ValueError("disk full, say")

    jobs = [Job("slow", lambda: (tmp_path / "a").write_text("a")), Job("broken", fail), Job("c", lambda: None)]
    with pytest.raises(ValueError, match="disk full"):
        run_jobs(jobs)


def test_run_with_format_parquet_writes_the_tables_as_parquet(tmp_path, capsys):
    from sim.cli import main

    scenario = str(Path(__file__).resolve().parent.parent / "scenarios" / "quickstart.yaml")
    status = main(["run", scenario, "--set", "duration=1h", "--quiet", "--out", str(tmp_path), "--format", "parquet"])
    assert status == 0
    for table in ("messages", "stations", "servers", "queues", "throughput", "in_flight"):
        assert (tmp_path / f"{table}.parquet").exists() and not (tmp_path / f"{table}.csv").exists()
    messages = pd.read_parquet(tmp_path / "messages.parquet")
    assert len(messages) > 0 and (messages["status"] == "delivered").any()


def test_format_without_out_is_one_line_and_exit_2(capsys):
    from sim.cli import main

    scenario = str(Path(__file__).resolve().parent.parent / "scenarios" / "quickstart.yaml")
    assert main(["run", scenario, "--format", "parquet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "add --out DIR" in err[0] and "Traceback" not in err[0]
