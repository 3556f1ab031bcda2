"""One business day of 10,000 mailboxes: wall time and peak memory of a realistic run.

    python benchmarks/bench_day.py                 # target: under 5 s and under 1 GB peak memory
    python benchmarks/bench_day.py --tracemalloc   # also Python-heap peak (slower: a second, traced run)

One AD site, 4 Mailbox servers of 2,500 mailboxes, 2 Hub Transport servers with default settings;
workload: profile average (10 messages per mailbox per day), diurnal business-day, 24 h from
midnight, no drain; default record level (`messages`) and every other setting at its default.
Wall time covers loading the scenario, building the Model, running it and computing the summary.
The script always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

PROCESS_START = time.perf_counter()
# `sim` comes from the installed (editable) package or PYTHONPATH, so a modified copy can be A/B tested;
# the repository root is only a fallback.
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import max_rss_mb, timed_run  # noqa: E402

TARGET_WALL_S = 5.0
TARGET_MEMORY_MB = 1024.0
IMPORTED = time.perf_counter()


def day_scenario() -> dict:
    return {
        "name": "bench-day: one business day, 10,000 mailboxes",
        "duration": "24h",
        "seed": 1,
        "sites": [
            {
                "name": "HQ",
                "hubs": [{"name": "HQ-HUB1"}, {"name": "HQ-HUB2"}],
                "mailbox_servers": [{"name": f"HQ-MBX{i + 1}", "mailboxes": 2500} for i in range(4)],
            }
        ],
        "workload": {"profile": "average", "diurnal": "business-day"},
    }


def run_day() -> dict:
    run = timed_run(day_scenario())
    return {
        "wall_s": run["wall_s"],
        "summary": run["summary"],
        "events": run["events"],
        "record": run["scenario"].record,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="after the timed run, repeat it under tracemalloc and report the Python-heap peak",
    )
    args = parser.parse_args(argv)

    rss_before = max_rss_mb()
    r = run_day()
    rss_after = max_rss_mb()
    s = r["summary"]
    gen = s["messages_generated"]
    print(
        f"bench_day: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; import of sim "
        f"{IMPORTED - PROCESS_START:.2f} s (not timed)"
    )
    print(f"  scenario: 1 site, 4 x 2,500 mailboxes, 2 default Hubs, 24 h average business-day, record: {r['record']}")
    print(
        f"  messages generated {gen:,}, recipients {s['recipients_total']:,}, delivered {s['delivered']:,}, "
        f"in queue at end {s['in_queue_at_end']}, lost {s['lost']}"
    )
    print(
        f"  wall {r['wall_s']:.2f} s (load + build + run + summary) = {gen / r['wall_s']:,.0f} messages/s; "
        f"{r['events']:,} events ({r['events'] / max(gen, 1):.2f}/message)"
    )
    print(f"  peak memory (ru_maxrss) {rss_after:,.0f} MB; {rss_before:,.0f} MB before the run (imports)")
    if args.tracemalloc:
        import tracemalloc

        gc.collect()
        tracemalloc.start()
        traced = run_day()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  tracemalloc peak (Python heap, second run under tracing, wall {traced['wall_s']:.1f} s): "
            f"{peak / 2**20:,.1f} MB"
        )
    if s["lost"]:
        print("  WARNING: lost is not 0: the model lost recipients")
    ok = r["wall_s"] < TARGET_WALL_S and rss_after < TARGET_MEMORY_MB
    print(
        f"RESULT day: {r['wall_s']:.2f} s (target < {TARGET_WALL_S:g} s), peak {rss_after:,.0f} MB "
        f"(target < {TARGET_MEMORY_MB:,.0f} MB): {'PASS' if ok else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
