"""`exsim run --out` against the same run without `--out`, in one process: what writing a run's files costs.

    python benchmarks/bench_outputs.py                                    # colocated-hub; target ratio <= 1.3
    python benchmarks/bench_outputs.py --scenario scenarios/quickstart.yaml --repeat 3
    python benchmarks/bench_outputs.py --format parquet                   # tables as Parquet
    python benchmarks/bench_outputs.py --mailboxes 30000                  # bench_scale's 5-site day instead

Each round calls `sim.cli.main(["run", SCENARIO, "--quiet"])` and `sim.cli.main([... "--out", DIR])` (the
order alternates between rounds), with the summary they print sent to nowhere, and times both whole calls:
load, run, summary, and with `--out` every file (`Results.save`). The phases of writing are the seconds of
each job of `Results.save` (a table, the tracking logs, a figure) and the process that ran it (this one or
the forked child), from the DEBUG log of `sim.results.saving`. Imports of `sim` are not timed; matplotlib's
is, on the first run that draws figures. The verdict uses the median ratio. The script always exits 0.

Each round also times the same two commands as whole `exsim` processes (imports included, as the issue timed
`exsim run` at 4.6 s and 15.5 s): a second, milder ratio, printed beside the first; the verdict stays on the first.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROCESS_START = time.perf_counter()
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sim  # noqa: E402
import sim.cli  # noqa: E402
from sim.results.results import Results  # noqa: E402

IMPORTED = time.perf_counter()
TARGET = 1.3
DEFAULT = Path(__file__).resolve().parent.parent / "scenarios" / "colocated-hub.yaml"


class Phases(logging.Handler):
    """Collects the job times `sim.results.saving` logs at DEBUG."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def timed_save():
    """Wrap Results.save to time it (the rest of `exsim run --out` is the run itself)."""
    seconds: list[float] = []
    original = Results.save

    def save(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - start)

    Results.save = save
    return seconds


def cli(argv: list[str]) -> float:
    """Wall seconds of one `exsim` call, its printed summary discarded."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        status = sim.cli.main(argv)
    if status:
        print(f"  WARNING: exsim {' '.join(argv)} exited {status}")
    return time.perf_counter() - start


def scale_scenario_file(mailboxes: int) -> str:
    """bench_scale's organisation (5 sites, 24 h, tracking log on) as a scenario file, for outputs at scale."""
    import yaml

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_scale import scale_scenario

    path = Path(tempfile.mkdtemp(prefix="bench-outputs-scale-")) / f"scale-{mailboxes}.yaml"
    path.write_text(yaml.safe_dump(scale_scenario(mailboxes), sort_keys=False))
    return str(path)


def process(argv: list[str]) -> float:
    """Wall seconds of `exsim` as a process of its own: start-up and imports included, output discarded."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sim", *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        print(f"  WARNING: exsim {' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return time.perf_counter() - start


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(DEFAULT), help="scenario file (default colocated-hub)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the verdict uses the median ratio")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv", help="table format for --out")
    parser.add_argument("--mailboxes", type=int, help="bench_scale's 5-site organisation with this many mailboxes")
    args = parser.parse_args(argv)
    if args.mailboxes:
        args.scenario = scale_scenario_file(args.mailboxes)

    phases = Phases()
    logging.getLogger("sim.results.saving").addHandler(phases)
    logging.getLogger("sim.results.saving").setLevel(logging.DEBUG)
    saves = timed_save()
    print(
        f"bench_outputs: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, sim from "
        f"{os.path.dirname(sim.__file__)}; import of sim {IMPORTED - PROCESS_START:.2f} s (not timed)"
    )
    from sim.model.compiled import describe

    print(f"  scenario {args.scenario}, tables as {args.format}, {describe()}")
    ratios, whole = [], []
    for round_ in range(args.repeat):
        folder = Path(tempfile.mkdtemp(prefix="bench-outputs-"))
        plain_argv = ["run", args.scenario, "--quiet"]
        out_argv = [*plain_argv, "--out", str(folder), *(["--format", args.format] if args.format != "csv" else [])]
        phases.lines.clear()
        if round_ % 2 == 0:
            plain, out = cli(plain_argv), cli(out_argv)
        else:
            out, plain = cli(out_argv), cli(plain_argv)
        ratios.append(out / plain)
        print(
            f"  round {round_ + 1}: without --out {plain:.2f} s, with --out {out:.2f} s "
            f"(save {saves[-1]:.2f} s, {size_mb(folder):,.0f} MB written): ratio {out / plain:.2f}"
        )
        for line in phases.lines:
            print(f"    {line}")
        shutil.rmtree(folder, ignore_errors=True)
        if round_ % 2 == 0:
            plain, out = process(plain_argv), process(out_argv)
        else:
            out, plain = process(out_argv), process(plain_argv)
        whole.append(out / plain)
        print(f"    as whole processes: without --out {plain:.2f} s, with --out {out:.2f} s: ratio {out / plain:.2f}")
        shutil.rmtree(folder, ignore_errors=True)
    ratio = statistics.median(ratios)
    runs = f" (median of {len(ratios)}: {', '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""
    print(
        f"RESULT outputs: ratio {ratio:.2f}{runs} (target <= {TARGET}): {'PASS' if ratio <= TARGET else 'FAIL'}; "
        f"as whole processes {statistics.median(whole):.2f}"
    )
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
