"""The three-site Edge scenario over one business day: wall time, messages/s and peak memory.

    python benchmarks/bench_edge.py                      # the scenario as written (tracking log on)
    python benchmarks/bench_edge.py --tracking-log off   # the same without the message tracking log
    python benchmarks/bench_edge.py --repeat 3           # medians of 3 runs in this process

The scenario is benchmarks/scenarios/three-sites-edge.yaml: Seattle, Denver (a hub site) and London;
two Edges subscribed to Seattle; 8,000 mailboxes sending 10 messages a day on the business-day curve,
20% of recipients at two Internet domains (out through the Edges), and 1,000 inbound Internet messages
an hour through the Edges' anti-spam agents. 24 h plus 1 h of drain: about 105,000 messages.

Wall time covers loading the scenario, building the Model, running it and computing the summary
(as bench_day.py); imports are printed separately and not timed. Peak memory is the process's
ru_maxrss, so run one tracking-log setting per process (the default). The verdict is on `lost`, which
must be 0; for reference, bench_day.py's targets (under 5 s, under 1 GB) are checked too. The script
always exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

PROCESS_START = time.perf_counter()
# `sim` comes from the installed (editable) package or PYTHONPATH, so a modified copy can be A/B tested;
# the repository root is only a fallback.
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import max_rss_mb, timed_run  # noqa: E402

import sim  # noqa: E402

IMPORTED = time.perf_counter()
SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios", "three-sites-edge.yaml")
TARGET_WALL_S = 5.0
TARGET_MEMORY_MB = 1024.0


def run_edge(path: str = SCENARIO, overrides: dict | None = None) -> dict:
    run = timed_run(path, overrides)
    scenario, model, results, summary = run["scenario"], run["model"], run["results"], run["summary"]
    # where the mail went: the relays each message needed, counted on the queues
    relays: dict[str, int] = {}
    for station in model.stations:
        if station.delivery_type.startswith("Smtp") or station.delivery_type.endswith("ConnectorDelivery"):
            relays[station.delivery_type] = relays.get(station.delivery_type, 0) + station.arrivals
    out = {
        **{key: run[key] for key in ("wall_s", "load_s", "build_s", "run_s", "summary_s", "events")},
        "summary": summary,
        "tracking_log": scenario.tracking_log,
        "record": scenario.record,
        "tracking_rows": model.recorder.tracking_events,
        "relays": relays,
        "hub_sites": [site.name for site in scenario.sites if site.hub_site],
    }
    del model, results, run
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=SCENARIO, help="scenario YAML (default: the three-site Edge day)")
    parser.add_argument("--tracking-log", choices=["on", "off"], help="override tracking_log (default: as written)")
    parser.add_argument("--repeat", type=int, default=1, help="runs in this process; figures are medians")
    args = parser.parse_args(argv)
    overrides = {} if args.tracking_log is None else {"tracking_log": args.tracking_log == "on"}

    rss_before = max_rss_mb()
    runs = []
    for i in range(args.repeat):
        r = run_edge(args.scenario, overrides)
        runs.append(r)
        if args.repeat > 1:
            print(f"  run {i + 1}: wall {r['wall_s']:.2f} s", flush=True)
    rss_after = max_rss_mb()
    r = runs[0]
    s = r["summary"]
    wall = statistics.median(x["wall_s"] for x in runs)
    gen = s["messages_generated"]
    print(
        f"bench_edge: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; import of sim "
        f"{IMPORTED - PROCESS_START:.2f} s (not timed); sim from {os.path.dirname(sim.__file__)}"
    )
    print(
        f"  scenario: {os.path.relpath(args.scenario)} ({s['scenario']}); hub sites {r['hub_sites']}; "
        f"record: {r['record']}, tracking_log: {r['tracking_log']}"
    )
    print(
        f"  messages generated {gen:,} ({s['internet_messages_generated']:,} from the Internet), recipients "
        f"{s['recipients_total']:,}: delivered {s['delivered']:,}, NDR {s['ndr']:,}, rejected {s['rejected']:,}, "
        f"in queue at end {s['in_queue_at_end']}, lost {s['lost']}"
    )
    print("  rejected by agent (recipients): " + ", ".join(f"{k} {v:,}" for k, v in s["rejected_by"].items()))
    print("  relays (messages queued): " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["relays"].items())))
    label = (
        ""
        if args.repeat == 1
        else f" (median of {args.repeat}; runs " + ", ".join(f"{x['wall_s']:.2f}" for x in runs) + ")"
    )
    print(
        f"  wall {wall:.2f} s{label} (load {r['load_s']:.2f} + build {r['build_s']:.2f} + run {r['run_s']:.2f} + "
        f"summary {r['summary_s']:.3f}) = {gen / wall:,.0f} messages/s; {r['events']:,} events "
        f"({r['events'] / max(gen, 1):.2f}/message); tracking log rows {r['tracking_rows']:,}"
    )
    print(f"  mean latency of delivered recipients {s['latency_mean_s']:.2f} s, p99 {s['latency_p99_s']:.2f} s")
    print(f"  peak memory (ru_maxrss) {rss_after:,.0f} MB; {rss_before:,.0f} MB before the run (imports)")
    if s["lost"]:
        print("  WARNING: lost is not 0: the model lost recipients")
    fits = wall < TARGET_WALL_S and rss_after < TARGET_MEMORY_MB
    print(
        f"RESULT edge: lost {s['lost']} (must be 0): {'PASS' if s['lost'] == 0 else 'FAIL'}; {wall:.2f} s, "
        f"peak {rss_after:,.0f} MB ({'within' if fits else 'NOT within'} bench_day's < {TARGET_WALL_S:g} s, "
        f"< {TARGET_MEMORY_MB:,.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
