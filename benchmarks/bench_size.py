"""`exsim size` against one `exsim run` of the same scenario, side by side, and the answer against the exhaustive one.

    python benchmarks/bench_size.py              # README's example: capacity-10k, --failures 1 --workers 2
    python benchmarks/bench_size.py --repeat 3   # medians of 3 rounds, interleaved (use on a noisy machine)
    python benchmarks/bench_size.py --no-check   # skip the exhaustive reference (it takes a minute or two)
    python benchmarks/bench_size.py --levers     # also each lever alone turned off, in this process

Both are timed as whole processes, as a user waits for them (imports and the process pool's start-up
included): `exsim run scenarios/capacity-10k.yaml --quiet`, then the README's
`exsim size scenarios/capacity-10k.yaml --slo latency_p99_s=60 --slo max_queue=250 --failures 1 --workers 2`,
interleaved round by round. Target (issue 19): size at most 4x the run. Then the same sizing runs
exhaustively (every combination of Hubs down, the scenario's whole window, every replication: no lever)
and the two answers must be the same. With --levers, the sizing runs in this process on a 2-process pool
with all levers, then with each one left out (sim.capacity.size.LEVERS), each timed. It always exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = os.path.join(ROOT, "scenarios", "capacity-10k.yaml")
SLOS = {"latency_p99_s": 60.0, "max_queue": 250.0}
TARGET_RATIO = 4.0
EXSIM = os.path.join(os.path.dirname(sys.executable), "exsim")


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return time.perf_counter() - start, done.stdout


def answers(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("Answer:")]


def sizing_answers(levers: frozenset[str]) -> list[str]:
    """The README's sizing in this process on a 2-process pool, with these levers."""
    import sim
    from sim.capacity.executors import ProcessExecutor
    from sim.capacity.size import size

    scenario = sim.load_scenario(SCENARIO)
    executor = ProcessExecutor(2)
    try:
        found = []
        for site in scenario.sites:
            parameter = f"sites.{site.name}.hub_count"
            sizing = size(scenario, parameter, list(range(2, 13)), SLOS, failures=1, executor=executor,
                          progress=False, levers=levers)  # fmt: skip
            found.append(f"Answer: {parameter} = {sizing.answer}")
        return found
    finally:
        executor.close()


def each_lever() -> None:
    from sim.capacity.size import LEVERS

    for label, levers in [
        ("all levers", LEVERS),
        *((f"without {lever}", LEVERS - {lever}) for lever in sorted(LEVERS)),
    ]:
        start = time.perf_counter()
        found = sizing_answers(levers)
        print(f"{label:>22}: {time.perf_counter() - start:6.1f} s  {'; '.join(found)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-check", action="store_true", help="skip the exhaustive reference")
    parser.add_argument("--levers", action="store_true", help="time the sizing with each lever turned off")
    args = parser.parse_args()
    run_cmd = [EXSIM, "run", SCENARIO, "--quiet"]
    size_cmd = [EXSIM, "size", SCENARIO, *(f"--slo={k}={v:g}" for k, v in SLOS.items()), "--failures", "1",
                "--workers", "2", "--quiet"]  # fmt: skip
    runs, sizes, found = [], [], []
    for round_ in range(args.repeat):
        run_s, _ = timed(run_cmd)
        size_s, out = timed(size_cmd)
        runs.append(run_s)
        sizes.append(size_s)
        found = answers(out)
        print(f"round {round_ + 1}: exsim run {run_s:.2f} s, exsim size {size_s:.2f} s, ratio {size_s / run_s:.2f}",
              flush=True)  # fmt: skip
    ratio = statistics.median(sizes) / statistics.median(runs)
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"\nRESULT exsim size / exsim run (medians of {args.repeat}): {ratio:.2f}x, target <= {TARGET_RATIO:g}x: "
          f"{verdict}")  # fmt: skip
    print("size's answers:", "; ".join(found))
    if not args.no_check:
        start = time.perf_counter()
        reference = sizing_answers(frozenset())
        same = "the same" if reference == found else "DIFFERENT"
        print(f"exhaustive answers ({time.perf_counter() - start:.0f} s): {'; '.join(reference)}: {same}")
    if args.levers:
        each_lever()


if __name__ == "__main__":
    main()
