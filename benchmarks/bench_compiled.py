"""The compiled-core question: builds the model with Cython three ways and times each against pure Python.

    python benchmarks/bench_compiled.py              # 3 builds, 2 workloads, 3 interleaved rounds
    python benchmarks/bench_compiled.py --repeat 5 --workloads day

Builds (each into a temporary folder, loaded through EXSIM_COMPILED_DIR; sim/model/build.py):
- `untyped-binding`: the modules as they are, no `.pxd`, Cython 3's default directives (`binding=True`:
  every method a Python function object), which is what `cythonize -3` over the sources gives;
- `untyped`: the same with `binding=False` (methods as C methods);
- `typed`: with the `.pxd` files (cdef classes Message, Station, Cpu, Pool): the compiled core shipped.
Workloads, each run in a fresh process (build the Model, run it, summary; imports not timed):
- `network`: bench_network's toy scenario (60,000 messages, record: messages, no tracking log);
- `day`: bench_scale's day at 10,000 mailboxes (tracking log on, every stage).
Rounds interleave the builds; each figure is the median CPU time of the process (`time.process_time`, so
other work on a shared machine weighs less than in wall time), and each row checks that the build gives the
same messages and mean latency as pure Python. The script always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILDS = {"untyped-binding": {"typed": False, "directives": {"binding": True}},
          "untyped": {"typed": False, "directives": {}}, "typed": {"typed": True, "directives": {}}}  # fmt: skip
TARGET = 1.3  # a compiled build pays when it runs the day at least 1.3x faster


def child(workload: str) -> dict:
    """One timed run of `workload` in this process, with whichever build EXSIM_* selects."""
    sys.path.insert(0, str(HERE))
    import sim
    from sim.model.compiled import describe
    from sim.model.simulation import run

    if workload == "network":
        from bench_network import network_scenario

        raw = network_scenario(60_000)[0]
    else:
        from bench_scale import scale_scenario

        raw = scale_scenario(10_000)
    scenario = sim.load_scenario(raw)
    cpu, wall = time.process_time(), time.perf_counter()
    model = sim.Model(scenario)
    summary = sim.Results(run(model)).summary()
    return {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "build": describe(),
            "messages": summary["messages_generated"], "latency": summary["latency_mean_s"]}  # fmt: skip


def timed(workload: str, env: dict) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", workload], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workloads", default="network,day")
    parser.add_argument("--builds", default=",".join(BUILDS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    try:
        import Cython
    except ImportError:
        print("RESULT compiled core: Cython is not installed (pip install -e '.[compiled]'): not measured")
        return 0
    from sim.model.build import build

    workloads, names = args.workloads.split(","), args.builds.split(",")
    print(f"bench_compiled: Python {sys.version.split()[0]}, Cython {Cython.__version__}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="exsim-bench-compiled-") as work:
        envs = {"pure Python": {**os.environ, "EXSIM_PURE": "1"}}
        for name in names:
            folder = Path(work) / name
            seconds = build(folder, typed=BUILDS[name]["typed"], directives=BUILDS[name]["directives"])
            print(f"  built {name}: {seconds:.0f} s")
            envs[name] = {**os.environ, "EXSIM_COMPILED_DIR": str(folder)}
            envs[name].pop("EXSIM_PURE", None)
        results: dict[tuple[str, str], list[dict]] = {}
        for round_ in range(args.repeat):
            order = list(envs) if round_ % 2 == 0 else list(reversed(envs))
            for workload in workloads:
                for name in order:
                    results.setdefault((workload, name), []).append(timed(workload, envs[name]))
        print(f"  {'workload':<8} {'build':<17} {'CPU s (median)':>14} {'speed-up':>8}  rounds; same results")
        for workload in workloads:
            base = statistics.median(r["cpu_s"] for r in results[(workload, "pure Python")])
            reference = results[(workload, "pure Python")][0]
            for name in envs:
                runs = results[(workload, name)]
                cpu = statistics.median(r["cpu_s"] for r in runs)
                same = all(r["messages"] == reference["messages"] and r["latency"] == reference["latency"]
                           for r in runs)  # fmt: skip
                loaded = all(("compiled" in r["build"]) == (name != "pure Python") for r in runs)
                rounds = ", ".join(f"{r['cpu_s']:.2f}" for r in runs)
                print(f"  {workload:<8} {name:<17} {cpu:>14.2f} {base / cpu:>7.2f}x  "
                      f"{rounds}; {'same' if same else 'DIFFERENT'}"
                      f"{'' if loaded else ' (build not loaded!)'}")  # fmt: skip
        if "day" in workloads and "typed" in envs:
            base = statistics.median(r["cpu_s"] for r in results[("day", "pure Python")])
            speed = base / statistics.median(r["cpu_s"] for r in results[("day", "typed")])
            print(f"RESULT compiled core (typed) on the 10,000-mailbox day: {speed:.2f}x pure Python "
                  f"(pays from {TARGET}x): {'PASS' if speed >= TARGET else 'FAIL'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
