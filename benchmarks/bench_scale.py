"""Organisation scale: a realistic day at 10,000, 30,000 and 100,000 mailboxes against two SimPy yardsticks.

    python benchmarks/bench_scale.py                # 10k, 30k, 100k mailboxes
    python benchmarks/bench_scale.py --big          # and 300k
    python benchmarks/bench_scale.py --sizes 10000  # one size

The organisation: 5 AD sites in a ring (cost 10), each with 3 Hubs of default settings (4 cores,
every stage) and 5 Mailbox servers sharing the site's mailboxes (100,000 mailboxes: 4,000 each);
average profile, business-day curve, 24 h from midnight, default record level (`messages`) and the
tracking log on (the defaults). Every size runs in a fresh process, so each peak memory is its own:
the child first runs the toy SimPy yardstick (`baseline_simpy.run_baseline`, 200,000 messages, 3.3
station passes a message), then the day, then the same-work yardstick (`baseline_day_simpy.run_day`:
the same day, stages, distributions and arrivals written in idiomatic SimPy, 7.9 passes a message), and
reports
- messages per second: messages generated / wall time (build, run and summary; imports and loading
  not timed), and its ratio to each yardstick's messages per second measured in the same process;
- that the same-work yardstick does the same work: messages, station passes per message by stage and
  mean latency beside exsim's (within a few percent);
- peak memory: the day's own peak resident memory (the kernel's counter, VmHWM, reset just before the day),
  and bytes per message: (that peak - resident memory just before the day) / messages generated. Before
  the day, ten hours of the same organisation with 250 mailboxes imports every module the run uses
  (pandas, pyarrow...) and fills their caches, so "before" is the memory after imports.

Targets (issue 23, "Performance on the same work"): at 10,000 and 100,000 mailboxes >= 3x the same-work
yardstick, <= 1 KB per message, and bytes per message at 10,000 and 100,000 mailboxes within 20% of each
other (memory linear in messages). The toy's ratio is printed beside it (issue 11 asked 1.0x of it, which
compared 7.9 passes a message with 3.3). The script always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_RATIO = 3.0  # against the same-work yardstick
SAME_WORK_TOLERANCE = 0.05  # messages, passes per message and mean latency within 5% of exsim's
TARGET_BYTES = 1024.0
LINEAR_TOLERANCE = 0.20
SITES, HUBS, MAILBOX_SERVERS = 5, 3, 5


def scale_scenario(mailboxes: int) -> dict:
    """The 5-site organisation with `mailboxes` spread evenly over its 25 Mailbox servers."""
    per_server = mailboxes // (SITES * MAILBOX_SERVERS)
    sites = [{"name": f"Site{s + 1}", "hubs": [{"name": f"S{s + 1}-HUB{h + 1}"} for h in range(HUBS)],
              "mailbox_servers": [{"name": f"S{s + 1}-MBX{m + 1}", "mailboxes": per_server}
                                  for m in range(MAILBOX_SERVERS)]}
             for s in range(SITES)]  # fmt: skip
    links = [{"sites": [f"Site{s + 1}", f"Site{(s + 1) % SITES + 1}"], "cost": 10} for s in range(SITES)]
    return {"name": f"bench-scale: {mailboxes:,} mailboxes over {SITES} sites", "duration": "24h", "seed": 1,
            "sites": sites, "site_links": links,
            "workload": {"profile": "average", "diurnal": "business-day"}}  # fmt: skip


def _status_kib(field: str) -> int:
    """A figure of /proc/self/status in KiB (VmRSS: resident now; VmHWM: the peak since the last reset)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def _reset_peak() -> bool:
    """Start the kernel's peak-resident counter (VmHWM) again from now; False where Linux does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def child(mailboxes: int) -> dict:
    """One size, in this (fresh) process: the yardstick, a small warm-up day, then the measured day."""
    import gc
    import resource

    sys.path.insert(0, HERE)
    from baseline_day_simpy import run_day
    from baseline_simpy import run_baseline
    from common import timed_run

    baseline = run_baseline(200_000)
    warmup = scale_scenario(SITES * MAILBOX_SERVERS * 10)
    timed_run({**warmup, "duration": "10h"})  # every module the day uses is imported, its caches filled
    gc.collect()
    exact = _reset_peak()  # the peak is then the day's own, not the yardstick's or the warm-up's
    resident_before = _status_kib("VmRSS") * 1024
    run = timed_run(scale_scenario(mailboxes))
    run_events = run["events"]
    peak = _status_kib("VmHWM") * 1024 if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    summary = run["summary"]
    generated = summary["messages_generated"]
    wall = run["wall_s"] - run["load_s"]
    stations = run["results"].stations
    passes = stations.groupby(_stage_of(stations))["arrivals"].sum() / max(generated, 1)
    del run
    gc.collect()
    same = run_day(mailboxes)  # after the day, so its memory is not in the day's figure
    return {
        "mailboxes": mailboxes, "generated": generated, "recipients": summary["recipients_total"],
        "lost": summary["lost"], "wall_s": wall, "msgs_per_s": generated / wall, "events": run_events,
        "baseline_msgs_per_s": baseline["msgs_per_s"], "peak_mb": peak / 2**20,
        "bytes_per_msg": (peak - resident_before) / max(generated, 1),
        "mean_latency_s": summary["latency_mean_s"], "passes": {k: float(v) for k, v in passes.items() if v},
        "same": {k: same[k] for k in ("messages", "msgs_per_s", "passes", "mean_latency_s", "wall_s")},
    }  # fmt: skip


def _stage_of(stations):
    """Each station's stage as the same-work yardstick names it (a delivery queue by its delivery type)."""
    by_type = stations.delivery_type.isin(["MapiDelivery", "SmtpRelayToRemoteAdSite"])
    return stations.station.where(~by_type, stations.delivery_type)


def same_work_lines(size: int, r: dict) -> str:
    """exsim's work beside the same-work yardstick's: messages, passes per message by stage, mean latency."""
    same = r["same"]
    figures = [
        ("messages", r["generated"], same["messages"]),
        ("mean latency s", r["mean_latency_s"], same["mean_latency_s"]),
        ("passes/msg", sum(r["passes"].values()), sum(same["passes"].values())),
    ]
    figures += [(f"  {stage}", r["passes"].get(stage, 0.0), share) for stage, share in same["passes"].items()]
    worst = max(abs(b / a - 1) for _, a, b in figures if a)
    lines = [f"  same work at {size:,} mailboxes: exsim against the same-work yardstick"]
    lines += [f"    {name:<26} {a:>12,.4f} {b:>12,.4f} {b / a - 1:>+7.1%}" for name, a, b in figures if a]
    verdict = "PASS" if worst <= SAME_WORK_TOLERANCE else "FAIL"
    lines.append(f"RESULT same work at {size:,} mailboxes: largest difference {worst:.1%} (within "
                 f"{SAME_WORK_TOLERANCE:.0%}): {verdict}")  # fmt: skip
    return "\n".join(lines)


def build_label() -> str:
    """Which build of sim runs (pure Python, or the compiled core)."""
    from sim.model.compiled import describe

    return describe()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,30000,100000", help="mailbox counts, comma-separated")
    parser.add_argument("--big", action="store_true", help="also 300,000 mailboxes")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    sizes = [int(x) for x in args.sizes.split(",")] + ([300_000] if args.big else [])
    print(f"bench_scale: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {build_label()}; one fresh process "
          "per size")  # fmt: skip
    print(f"  {'mailboxes':>9} {'messages':>9} {'wall s':>7} {'msgs/s':>8} {'same-work':>9} {'ratio':>6} "
          f"{'toy':>7} {'ratio':>6} {'events/msg':>10} {'peak MB':>8} {'B/msg':>6} lost")  # fmt: skip
    rows = {}
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True, text=True)
        if done.returncode:
            print(f"  {size:>9,} failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")
            continue
        r = rows[size] = json.loads(done.stdout.strip().splitlines()[-1])
        r["toy_ratio"] = r["msgs_per_s"] / r["baseline_msgs_per_s"]
        r["ratio"] = r["msgs_per_s"] / r["same"]["msgs_per_s"]
        print(f"  {size:>9,} {r['generated']:>9,} {r['wall_s']:>7.2f} {r['msgs_per_s']:>8,.0f} "
              f"{r['same']['msgs_per_s']:>9,.0f} {r['ratio']:>5.2f}x {r['baseline_msgs_per_s']:>7,.0f} "
              f"{r['toy_ratio']:>5.2f}x {r['events'] / r['generated']:>10.2f} {r['peak_mb']:>8,.0f} "
              f"{r['bytes_per_msg']:>6,.0f} {r['lost']}", flush=True)  # fmt: skip
    for size, r in rows.items():
        print(same_work_lines(size, r))
    for size in (10_000, 100_000):
        if size in rows:
            r = rows[size]
            speed = r["ratio"] >= TARGET_RATIO
            print(f"RESULT scale speed: {size:,} mailboxes at {r['ratio']:.2f}x the same-work yardstick's messages/s "
                  f"(target >= {TARGET_RATIO}x; the toy's ratio {r['toy_ratio']:.2f}x): {'PASS' if speed else 'FAIL'}")  # fmt: skip
    if 100_000 in rows:
        r = rows[100_000]
        memory = r["bytes_per_msg"] <= TARGET_BYTES
        print(f"RESULT scale memory: {r['bytes_per_msg']:,.0f} bytes per message above imports "
              f"(target <= {TARGET_BYTES:,.0f}): {'PASS' if memory else 'FAIL'}")  # fmt: skip
    if 10_000 in rows and 100_000 in rows:
        small, large = rows[10_000]["bytes_per_msg"], rows[100_000]["bytes_per_msg"]
        linear = abs(large / small - 1) <= LINEAR_TOLERANCE
        print(f"RESULT scale linear memory: {small:,.0f} B/msg at 10,000 mailboxes, {large:,.0f} at 100,000 "
              f"(within {LINEAR_TOLERANCE:.0%}): {'PASS' if linear else 'FAIL'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
