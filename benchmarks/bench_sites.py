"""The same workload over 3 and 30 AD sites: messages per second should stay flat as sites are added.

    python benchmarks/bench_sites.py                    # N = 3, 10, 30; PASS if 30 sites is within 20% of 3
    python benchmarks/bench_sites.py --repeat 3         # medians of 3 rounds (use this on a noisy machine)
    python benchmarks/bench_sites.py --sites 3,30 --variant active3 --tracking on

Routing decisions are computed once per (source site, destination) and cached (sim/topology.py,
sim/routing.py; a Hub keeps its next hop per destination Mailbox server in a list), so the cost of a
routing decision must not grow with the number of sites. The script builds, in one process, the same
total workload over N AD sites and compares messages per wall second.

Organisation for each N: sites Site01..SiteNN in a ring plus N // 3 seeded random cross links, seeded
random costs (1-100), latencies (5-60 ms) and bandwidths; every site has 2 Hubs (default settings) and
one Mailbox server. Workload (fixed-rate mode): the total rate (default 50/s) split evenly over the
sending Mailbox servers, 1 recipient per message drawn uniformly over all mailboxes, 50 KB messages,
default stage times, `record: messages`, tracking log off (and on, with `--tracking on|both`).
`duration` = messages / total rate (so about the same number of messages for each N), `drain: 10m`.

Variants (`--variant`):
- uniform: 30,000 mailboxes split evenly over the N sites. A recipient is in another site with
  probability 1 - 1/N (67% at 3 sites, 97% at 30), and a cross-site message costs 3 more events
  (SMTP relay, SMTP Receive, a second categorization) than a local one. So part of any drop in
  messages/s is more work per message, not dearer routing: compare events/message and µs/event.
- active3: the same 30,000 mailboxes and all the mail in 3 sites spread around the ring; the other
  N - 3 sites have their 2 Hubs and an empty Mailbox server, so every Hub still has a remote delivery
  queue toward every site. Every message does exactly the work it does at N = 3 (67% cross-site),
  so this isolates the cost of a larger organisation at equal work per message.

The schema cannot hold the cross-site share constant while every site sends and receives: recipients
are uniform over all mailboxes and every sending server sends at the same `workload.rate`, so with
senders spread evenly the share is 1 - 1/N whatever the mailbox counts (README.md says more).

Wall time covers building the `Model`, `simulation.run()` (which hands over the record) and `summary()`;
loading (validating) the scenario is printed separately, and imports are not timed. The script
always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time

PROCESS_START = time.perf_counter()
# `sim` comes from the installed (editable) package or PYTHONPATH, so a modified copy can be A/B tested;
# the repository root is only a fallback.
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import timed_run  # noqa: E402

import sim  # noqa: E402

IMPORTED = time.perf_counter()

TOLERANCE = 0.20  # msgs/s at the most sites within 20% of msgs/s at the fewest
N_MESSAGES = 100_000
TOTAL_RATE = 50.0  # messages/s over the whole organisation
TOTAL_MAILBOXES = 30_000
HUBS_PER_SITE = 2
TOPOLOGY_SEED = 7


def site_name(i: int) -> str:
    return f"Site{i + 1:02d}"


def site_links(n_sites: int, seed: int = TOPOLOGY_SEED) -> list[dict]:
    """A ring (a chain for 2 sites) plus n // 3 random cross links, with seeded costs, latencies, bandwidths."""
    rng = random.Random(seed * 1000 + n_sites)
    pairs = [(i, (i + 1) % n_sites) for i in range(n_sites if n_sites > 2 else n_sites - 1)]
    existing = {frozenset(p) for p in pairs}
    candidates = [(a, b) for a in range(n_sites) for b in range(a + 2, n_sites) if frozenset((a, b)) not in existing]
    pairs += rng.sample(candidates, min(n_sites // 3, len(candidates)))
    return [
        {
            "sites": [site_name(a), site_name(b)],
            "cost": rng.randint(1, 100),
            "latency": f"{rng.randint(5, 60)}ms",
            "bandwidth": rng.choice(["10Mbps", "45Mbps", "100Mbps"]),
        }
        for a, b in pairs
    ]


def active_sites(n_sites: int, variant: str) -> list[int]:
    """Indexes of the sites that hold mailboxes (and so send and receive mail)."""
    if variant == "uniform" or n_sites <= 3:
        return list(range(n_sites))
    return [0, n_sites // 3, 2 * n_sites // 3]


def sites_scenario(
    n_sites: int,
    n_messages: int = N_MESSAGES,
    variant: str = "uniform",
    tracking: bool = False,
    total_rate: float = TOTAL_RATE,
    record: str = "messages",
) -> dict:
    active = active_sites(n_sites, variant)
    boxes = TOTAL_MAILBOXES // len(active)
    sites = []
    for i in range(n_sites):
        name = site_name(i)
        sites.append(
            {
                "name": name,
                "hubs": [{"name": f"{name}-HUB{h + 1}"} for h in range(HUBS_PER_SITE)],
                "mailbox_servers": [{"name": f"{name}-MBX1", "mailboxes": boxes if i in active else 0}],
            }
        )
    return {
        "name": f"bench-sites: {n_sites} sites ({variant})",
        "duration": n_messages / total_rate,
        "drain": "10m",
        "seed": 1,
        "record": record,
        "tracking_log": tracking,
        "sites": sites,
        "site_links": site_links(n_sites),
        "workload": {
            "rate": f"{total_rate / len(active)}/s",  # per sending Mailbox server
            "recipients": {"dist": "constant", "mean": 1},
            "size": "50KB",
        },
    }


def run_sites(n_sites: int, **kwargs) -> dict:
    run = timed_run(sites_scenario(n_sites, **kwargs))
    model, summary, events = run["model"], run["summary"], run["events"]
    generated = summary["messages_generated"]
    submissions = sum(hub.submissions for hub in model.hubs.values())
    categorized = sum(hub.categorized for hub in model.hubs.values())
    route = model.topology.route.cache_info()
    wall = run["wall_s"] - run["load_s"]  # build + run + summary, as before
    out = {
        "sites": n_sites,
        "load_s": run["load_s"],
        "build_s": run["build_s"],
        "run_s": run["run_s"],
        "summary_s": run["summary_s"],
        "wall_s": wall,
        "generated": generated,
        "delivered": summary["delivered"],
        "lost": summary["lost"],
        "in_queue_at_end": summary["in_queue_at_end"],
        "events": events,
        "events_per_msg": events / max(generated, 1),
        "msgs_per_s": generated / wall,
        "us_per_event": wall / events * 1e6,
        # one recipient per message and no hub sites: a second categorization is a message that crossed sites
        "cross_site": (categorized - submissions) / max(generated, 1),
        "stations": len(model.stations),
        "routes_computed": route.misses,
        "route_lookups": route.hits + route.misses,
        "latency_mean_s": summary["latency_mean_s"],
    }
    del model, run
    gc.collect()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", default="3,10,30", help="comma-separated site counts (default 3,10,30)")
    parser.add_argument("-n", "--messages", type=int, default=N_MESSAGES)
    parser.add_argument("--rate", type=float, default=TOTAL_RATE, help="total messages/s (default 50)")
    parser.add_argument("--variant", default="both", choices=["uniform", "active3", "both"])
    parser.add_argument(
        "--tracking",
        default="both",
        choices=["off", "on", "both"],
        help="tracking_log setting(s) to run (the verdict uses off)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds; figures are medians over rounds")
    args = parser.parse_args(argv)
    counts = [int(x) for x in args.sites.split(",")]
    variants = ["uniform", "active3"] if args.variant == "both" else [args.variant]
    trackings = {"off": [False], "on": [True], "both": [False, True]}[args.tracking]

    print(
        f"bench_sites: ~{args.messages:,} messages at {args.rate:g}/s total, {TOTAL_MAILBOXES:,} mailboxes, "
        f"{HUBS_PER_SITE} Hubs per site, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"import of sim {IMPORTED - PROCESS_START:.2f} s (not timed); sim from {os.path.dirname(sim.__file__)}"
    )
    configs = [(v, t) for v in variants for t in trackings]
    runs: dict[tuple, list[dict]] = {}
    for round_ in range(args.repeat):
        # alternate the order of N between rounds so heap growth and warm caches favour neither
        order = counts if round_ % 2 == 0 else counts[::-1]
        for variant, tracking in configs:
            for n in order:
                r = run_sites(n, n_messages=args.messages, variant=variant, tracking=tracking, total_rate=args.rate)
                runs.setdefault((variant, tracking, n), []).append(r)
                print(
                    f"  [{round_ + 1}] {variant:7s} tracking {'on ' if tracking else 'off'} {n:2d} sites: "
                    f"{r['generated']:,} msgs in {r['wall_s']:.2f} s (build {r['build_s']:.2f}, run {r['run_s']:.2f}, "
                    f"summary {r['summary_s']:.3f}; load {r['load_s']:.2f} not timed) = {r['msgs_per_s']:,.0f} msgs/s; "
                    f"{r['events_per_msg']:.2f} events/msg, {r['us_per_event']:.2f} µs/event; "
                    f"cross-site {r['cross_site']:.1%}; lost {r['lost']}",
                    flush=True,
                )
                if r["lost"] or r["in_queue_at_end"]:
                    print(f"  WARNING: lost {r['lost']}, in queue at end {r['in_queue_at_end']}: not comparable")

    med = statistics.median
    verdicts = []
    for variant, tracking in configs:
        label = f"{variant}, tracking_log {'on' if tracking else 'off'}"
        print(f"\n{label} (medians of {args.repeat} round{'s' if args.repeat > 1 else ''}):")
        print(
            f"  {'sites':>5} {'msgs':>8} {'wall s':>7} {'msgs/s':>8} {'events/msg':>10} {'µs/event':>9} "
            f"{'events/s':>9} {'cross':>6} {'stations':>8} {'routes':>6} {'lookups':>7}"
        )
        rows = {}
        for n in counts:
            rs = runs[(variant, tracking, n)]
            row = {
                k: med([r[k] for r in rs])
                for k in ("wall_s", "msgs_per_s", "events_per_msg", "us_per_event", "cross_site", "generated")
            }
            row["events_per_s"] = 1e6 / row["us_per_event"]
            rows[n] = row
            r0 = rs[0]
            print(
                f"  {n:>5} {row['generated']:>8,.0f} {row['wall_s']:>7.2f} {row['msgs_per_s']:>8,.0f} "
                f"{row['events_per_msg']:>10.2f} {row['us_per_event']:>9.2f} {row['events_per_s']:>9,.0f} "
                f"{row['cross_site']:>6.1%} {r0['stations']:>8} {r0['routes_computed']:>6} {r0['route_lookups']:>7}"
            )
        lo, hi = min(counts), max(counts)
        if lo == hi:
            continue
        ratio = rows[hi]["msgs_per_s"] / rows[lo]["msgs_per_s"]
        ev_ratio = rows[hi]["events_per_s"] / rows[lo]["events_per_s"]
        ok = abs(ratio - 1) <= TOLERANCE
        print(
            f"  {hi} vs {lo} sites: msgs/s ratio {ratio:.3f} ({'within' if ok else 'NOT within'} {TOLERANCE:.0%}); "
            f"events/message ratio {rows[hi]['events_per_msg'] / rows[lo]['events_per_msg']:.3f}; "
            f"events/s ratio {ev_ratio:.3f}"
        )
        if not tracking or len(trackings) == 1:
            what = (
                "uniform: more mail crosses sites at more sites"
                if variant == "uniform"
                else "active3: equal work per message"
            )
            verdicts.append(
                f"RESULT sites ({label}; {what}): {rows[lo]['msgs_per_s']:,.0f} msgs/s at {lo} sites, "
                f"{rows[hi]['msgs_per_s']:,.0f} at {hi}; ratio {ratio:.3f} (target within "
                f"{TOLERANCE:.0%}): {'PASS' if ok else 'FAIL'}"
            )
    print()
    for line in verdicts:
        print(line)
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
