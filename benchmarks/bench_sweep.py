"""A 40-run sweep, serial against a 2-process pool, side by side in one process; memory as runs grow.

    python benchmarks/bench_sweep.py                 # 40 runs (2 variants x 20 replications), serial then --workers 2
    python benchmarks/bench_sweep.py --runs 20       # fewer
    python benchmarks/bench_sweep.py --repeat 3      # medians of 3 rounds (use on a noisy machine)

The scenario is scenarios/quickstart.yaml (10 h from 07:00, 6,000 mailboxes) with `record: summary`
and no tracking log, varying the Hub count (2 or 3): about 0.8 s a run. Each round runs the same sweep (same seeds) serially, then on a
spawn pool of 2 processes (the pool's start-up is included: it is what a user waits for), both writing
their tables to a temporary --out folder, and checks that the two runs tables are identical. The
target is a parallel wall time of at most 0.6x the serial one.

The machine's own parallelism is measured beside it, as a yardstick, before and after each round: a
pure-Python loop run twice in this process, then once in each of 2 spawned processes. On a shared machine whose second core is busy
elsewhere that ratio is near 1.0, and no sweep can beat it; the sweep's ratio is read against it.

Memory: during the serial sweep (runs in this process), the resident set size (from /proc/self/statm)
is read after every run through the sweep's on_run hook. Then a second serial sweep of the same
length (1 h runs) under tracemalloc reads the Python heap after run 10 and after the last run (after a
garbage collection): that is what the program holds, without the allocator's fragmentation that RSS
also shows. Both should stay flat as runs grow, because each run's Results is dropped once its row
is on disk. It always exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pandas as pd  # noqa: E402

import sim  # noqa: E402
from sim.capacity.executors import ProcessExecutor, SerialExecutor  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = os.path.join(ROOT, "scenarios", "quickstart.yaml")
SHORT = {"record": "summary", "tracking_log": False}
TARGET_RATIO = 0.6


def rss_mb() -> float:
    """Resident set size now, in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def one_round(runs: int) -> dict:
    """The same sweep serially and on 2 processes; wall times, identical tables, RSS after each serial run."""
    replications = runs // 2
    vary = {"sites.Seattle.hub_count": [2, 3]}
    rss: list[float] = []
    machine = yardstick()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        serial = sim.sweep(SCENARIO, vary, replications, seed=7, overrides=SHORT, executor=SerialExecutor(),
                           out=os.path.join(folder, "serial"), on_run=lambda row: rss.append(rss_mb()), progress=False)  # fmt: skip
        serial_s = time.perf_counter() - start
        start = time.perf_counter()
        pool = ProcessExecutor(2)
        try:
            pooled = sim.sweep(SCENARIO, vary, replications, seed=7, overrides=SHORT, executor=pool,
                               out=os.path.join(folder, "pool"), progress=False)  # fmt: skip
        finally:
            pool.close()
        pooled_s = time.perf_counter() - start
    pd.testing.assert_frame_equal(serial.runs, pooled.runs)
    assert (serial.runs["status"] == "ok").all() and len(serial.runs) == runs
    machine = (machine + yardstick()) / 2  # before and after: the cores the machine gave during the round
    return {"serial_s": serial_s, "pool_s": pooled_s, "ratio": pooled_s / serial_s, "rss": rss, "machine": machine}


def burn(n: int = 20_000_000) -> int:
    """A pure-Python loop: the yardstick of the cores this machine gives us."""
    total = 0
    for i in range(n):
        total += i
    return total


def yardstick() -> float:
    """Two loops in 2 spawned processes over the same two loops here, both timed: the machine's best ratio."""
    import multiprocessing

    start = time.perf_counter()
    burn()
    burn()
    serial = time.perf_counter() - start
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pool.map(abs, [1, 2])  # started and warm before timing, as the sweep's ratio includes its own start-up
        start = time.perf_counter()
        pool.map(burn, [20_000_000, 20_000_000])
        parallel = time.perf_counter() - start
    return parallel / serial


def python_heap(runs: int) -> tuple[float, float]:
    """Python heap (MB) after run 10 and after the last run of a serial sweep, each after a collection."""
    import gc
    import tracemalloc

    found: list[float] = []

    def measure(row: dict) -> None:
        if row["replication"] + row["variant"] * (runs // 2) + 1 in (10, runs):
            gc.collect()
            found.append(tracemalloc.get_traced_memory()[0] / 2**20)

    tracemalloc.start()
    with tempfile.TemporaryDirectory() as folder:
        sim.sweep(SCENARIO, {"sites.Seattle.hub_count": [2, 3]}, runs // 2, seed=3, overrides={**SHORT, "duration": "1h"},
                  executor=SerialExecutor(), out=folder, on_run=measure, progress=False)  # fmt: skip
    tracemalloc.stop()
    return found[0], found[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="runs in the sweep (even; default 40)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the verdict uses the median ratio")
    args = parser.parse_args()
    print(f"sim from {os.path.dirname(sim.__file__)}; {os.cpu_count()} CPUs; {args.runs} runs per sweep")
    rounds = []
    for index in range(args.repeat):
        found = one_round(args.runs)
        rounds.append(found)
        rss = found["rss"]
        growth = (rss[-1] - rss[len(rss) // 4]) / max(len(rss) - 1 - len(rss) // 4, 1)
        print(f"round {index + 1}: serial {found['serial_s']:.1f} s, 2 processes {found['pool_s']:.1f} s, "
              f"ratio {found['ratio']:.2f}; RSS after run 1 / {len(rss) // 2} / {len(rss)}: "
              f"{rss[0]:.0f} / {rss[len(rss) // 2 - 1]:.0f} / {rss[-1]:.0f} MB ({growth * 1024:+.0f} KB per run "
              f"after the first quarter); runs tables identical; yardstick {found['machine']:.2f}")  # fmt: skip
    machine = statistics.median(r["machine"] for r in rounds)
    print(f"yardstick: a pure-Python loop on 2 processes / serial = {machine:.2f} (1.0: one core free, 0.5: two)")
    early, late = python_heap(args.runs)
    print(f"Python heap after run 10: {early:.2f} MB, after run {args.runs}: {late:.2f} MB "
          f"({(late - early) * 1024 / max(args.runs - 10, 1):+.1f} KB per run)")  # fmt: skip
    ratio = statistics.median(r["ratio"] for r in rounds)
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(
        f"RESULT median ratio (2 processes / serial) {ratio:.2f}, target <= {TARGET_RATIO}: {verdict} "
        f"(the machine's own ratio now: {machine:.2f})"
    )


if __name__ == "__main__":
    main()
