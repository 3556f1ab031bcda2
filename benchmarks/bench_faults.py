"""A fault-heavy day against the same day without faults: faults must cost at most 1.5x the wall time.

    python benchmarks/bench_faults.py               # PASS if faulted wall / clean wall <= 1.5
    python benchmarks/bench_faults.py --repeat 3    # medians of 3 rounds (use this on a noisy machine)

Organisation: three AD sites in a chain (Seattle - Denver - London), two Hubs of 4 cores and one
Mailbox server of 4,000 mailboxes each, average profile over a business day (`diurnal:
business-day`, 10 hours from 7:00), drain 1 h, `record: messages`, tracking log off.
Faults in the faulted run: every one of the six Hubs fails at random (whole server, mean time
between failures 1 h, mean time to repair 5 min, from the seed), and the Denver-London link flaps
(down 5 minutes every 30 minutes). Retry timers are scheduled events (a queue in Retry costs one
event per retry, not a polling loop), so the extra work is what the faults cause: retries, mail
waiting and leaving in bursts, failover.

Wall time covers building the Model, running it and the summary; loading is printed apart. Both
runs use the same seed and workload, so they generate the same mail. The script always exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

PROCESS_START = time.perf_counter()
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import timed_run  # noqa: E402

import sim  # noqa: E402

IMPORTED = time.perf_counter()
TARGET = 1.5
SITES = ("Seattle", "Denver", "London")


def day(faults: bool) -> dict:
    """The business day, with or without the fault schedule."""
    sites = [{"name": name, "hubs": [{"name": f"{name[:3].upper()}-HUB{h}", "cores": 4} for h in (1, 2)],
              "mailbox_servers": [{"name": f"{name[:3].upper()}-MBX1", "mailboxes": 4000}]}
             for name in SITES]  # fmt: skip
    scenario = {
        "name": f"bench-faults ({'faults' if faults else 'no faults'})", "duration": "10h", "drain": "1h",
        "seed": 11, "record": "messages", "tracking_log": False, "sites": sites,
        "site_links": [{"sites": ["Seattle", "Denver"]}, {"sites": ["Denver", "London"]}],
        "workload": {"profile": "average", "diurnal": "business-day", "start_of_day": "7h"},
    }  # fmt: skip
    if faults:
        hubs = [hub["name"] for site in sites for hub in site["hubs"]]
        scenario["faults"] = [{"server": hub, "mtbf": "1h", "mttr": "5m"} for hub in hubs] + [
            {"kind": "site_link", "sites": ["Denver", "London"], "every": "30m", "for": "5m", "first_at": "20m"}
        ]
    return scenario


def measure(faults: bool) -> dict:
    run = timed_run(day(faults))
    summary = run["summary"]
    return {
        "wall_s": run["wall_s"] - run["load_s"],
        "load_s": run["load_s"],
        "events": run["events"],
        "generated": summary["messages_generated"],
        "delivered": summary["delivered"],
        "lost": summary["lost"],
        "still_queued": summary["in_queue_at_end"],
        "fault_windows": summary["faults"],
        "p99": summary["latency_p99_s"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the verdict uses medians")
    args = parser.parse_args(argv)
    print(f"bench_faults: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; import of sim "
          f"{IMPORTED - PROCESS_START:.2f} s (not timed); sim from {os.path.dirname(sim.__file__)}")  # fmt: skip
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for round_ in range(args.repeat):
        for faults in (False, True) if round_ % 2 == 0 else (True, False):  # alternate so neither is favoured
            r = measure(faults)
            runs[faults].append(r)
            print(f"  [{round_ + 1}] {'faults   ' if faults else 'no faults'}: {r['generated']:,} messages in "
                  f"{r['wall_s']:.2f} s (load {r['load_s']:.2f} not timed), {r['events']:,} events, "
                  f"{r['fault_windows']} fault windows, delivered {r['delivered']:,}, still queued "
                  f"{r['still_queued']:,}, lost {r['lost']}, p99 latency {r['p99']:.3g} s", flush=True)  # fmt: skip
    clean = statistics.median(r["wall_s"] for r in runs[False])
    faulted = statistics.median(r["wall_s"] for r in runs[True])
    ratio = faulted / clean
    events = statistics.median(r["events"] for r in runs[True]) / statistics.median(r["events"] for r in runs[False])
    print(f"\nevents ratio faults / no faults {events:.3f}")
    print(f"RESULT faults: {faulted:.2f} s with faults, {clean:.2f} s without; ratio {ratio:.3f} "
          f"(target <= {TARGET}): {'PASS' if ratio <= TARGET else 'FAIL'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
