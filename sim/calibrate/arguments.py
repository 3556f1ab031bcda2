"""`exsim calibrate`'s options: declared here, beside the workflow they feed, so the command line module stays a
thin dispatcher (sim/cli.py adds the subcommand and calls `add_arguments` and `options`)."""

from __future__ import annotations

import argparse


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give the number of logical processors, a whole number from 1")
    return value


def add_arguments(calibrate: argparse.ArgumentParser) -> None:
    """The options of `exsim calibrate`."""
    add = calibrate.add_argument
    add("logdir", nargs="+", help="folders of tracking logs, one subfolder per server")
    add("--out", required=True, metavar="SCENARIO.yaml", help="where to write the scenario")
    add("--report", metavar="REPORT.html", help="also write a report (runs the scenario to compare)")
    add("--sites", metavar="SITES.csv", help="server,site lines: the AD site of each server")
    add("--anonymise", action="store_true", help="pseudonyms for server and site names")
    add("--strict", action="store_true", help="stop at the first malformed line (exit 2)")
    add("--timezone", default="UTC", help="the organisation's time zone, e.g. Europe/London")
    add("--no-run", action="store_true", help="with --report: do not run the scenario")
    add("--seed", type=int, help="root seed of the run for the report")
    add("--perfmon", action="append", default=[], metavar="COUNTERS.csv",
        help="Performance Monitor log of the Hubs as CSV (relog LOG.blg -f csv -o COUNTERS.csv); repeatable: "
             "the stage costs come from their CPU per message")  # fmt: skip
    add("--cores", type=_positive, metavar="N",
        help="logical processors of each Hub, when the counter log has only \\Processor(_Total)")  # fmt: skip


def options(args: argparse.Namespace, progress: bool) -> dict:
    """The keyword arguments of sim.calibrate.workflow.run_calibration from the parsed options."""
    return dict(paths=args.logdir, out=args.out, report=args.report, sites=args.sites, anonymise=args.anonymise,
                strict=args.strict, timezone=args.timezone, run=not args.no_run, seed=args.seed, progress=progress,
                perfmon=args.perfmon, cores=args.cores)  # fmt: skip
