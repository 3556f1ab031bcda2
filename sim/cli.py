"""The `exsim` command (also `python -m sim`).

Exit status: 0 success, 2 bad input (one clear line per problem on stderr, no traceback), 1 an
internal error; `exsim audit` also exits 1 when it finds an open relay or clear-text Basic authentication.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from .capacity.commands import OptionError, capacity_options, cmd_compare, cmd_size, cmd_sweep
from .scenario.errors import ScenarioError

PORT_MAP = "2525=25,2587=587"
"""`exsim smtpd --port-map`'s default, sim.smtp.wire.DEFAULT_PORT_MAP written out (the smtp package is imported by
the command alone, so `exsim --help` stays quick; a test holds the two equal)."""


FORCE_HELP = "run even when the estimate exceeds the memory available, the process limit or the time bound"


class UsageError(Exception):
    """A command-line mistake that the user can fix."""


def _parse_sets(pairs: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        path, sep, value = pair.partition("=")
        if not sep or not path.strip():
            raise UsageError(f"--set {pair!r}: write it as PATH=VALUE, e.g. --set workload.profile=heavy")
        overrides[path.strip()] = value
    return overrides


def _load(args):
    from .scenario.loading import load_scenario

    return load_scenario(args.scenario, _parse_sets(getattr(args, "set", None) or []))


def _guard(scenario, args, writes_files: bool = False, announce: bool = False) -> None:
    """The estimate of messages, memory and time before a run: refuse (exit 2) a run past the memory available,
    the process limit (ulimit -v) or the time bound (sim.capacity.estimate), unless --force."""
    from .capacity.estimate import estimate

    found = estimate(scenario, writes_files)
    reasons = found.refusals()
    if reasons and not args.force:
        raise UsageError(
            f"{args.scenario}: this run would need {' and '.join(reasons)}: {found.describe()}; shorten duration, lower "
            "mailboxes, use --record summary or tracking_log: false, or add --force to run anyway"
        )
    if announce and not args.quiet:
        print(f"exsim: {found.describe()}; Ctrl-C stops and keeps what finished", file=sys.stderr)


def cmd_run(args) -> int:
    """`exsim run`: run a scenario, print its summary, write its files with --out (and report.html with --report).

    Ctrl-C stops the run cleanly: one line on stderr, the summary and files of what finished (partial), exit 130.
    """
    scenario = _load(args)  # first: a mistake in the file is reported before pandas and the model load
    from .formats.clock import start_of
    from .results.figure_worker import FigureWorker
    from .results.report import format_summary
    from .scenario.units import format_duration

    if args.record:
        scenario = scenario.model_copy(update={"record": args.record})
    if args.report and not args.out:
        args.out = f"out/{Path(args.scenario).stem}"
    if args.format and not args.out:
        raise UsageError(f"--format {args.format}: it says how --out writes the tables; add --out DIR")
    from .terminal import run_watched

    workers = []  # the figure worker, started once the guard lets the run go: it warms matplotlib meanwhile
    before = lambda: (_guard(scenario, args, bool(args.out), True), workers.append(args.out and FigureWorker.start()))
    result = run_watched(scenario, args.seed, args.quiet, before=before)
    worker = workers[0] if workers else None
    if result.partial:
        clock = start_of(scenario) + timedelta(seconds=result.end_time)
        print(f"exsim: interrupted at {clock:%H:%M:%S} simulated ({format_duration(result.end_time)} of "
              f"{format_duration(scenario.end_time)}); what finished is below, marked partial", file=sys.stderr)  # fmt: skip
    summary = result.summary()
    print(format_summary(summary))
    if args.out:
        folder = result.save(args.out, format=args.format or "csv", figures=worker)
        written = "Tables, summary.json, perfmon counters (perfmon/SERVER.csv) and plots"
        if args.report:
            from .results.report_html import write_report

            write_report(result, folder)
            written += ", report.html"
        print(f"\n{written} written to {folder}/" + (" (partial)" if result.partial else ""))
    return 130 if result.partial else 0 if summary["lost"] == 0 else 1


def cmd_validate(args) -> int:
    """Check a scenario, print its topology and assumptions, then any Receive connector warnings (exit 0)."""
    from .capacity.ratios import ratio_lines
    from .exchange.receive.warnings import receive_warnings
    from .exchange.topology import Topology
    from .results.report import format_topology

    scenario = _load(args)
    print(format_topology(scenario, Topology(scenario)))
    print("\n".join(ratio_lines(scenario)))
    warnings = receive_warnings(scenario)
    if warnings:
        print("\nWarnings (Exchange accepts these without a word; check they mean what you meant):")
        for warning in warnings:
            print(f"  {warning.path}: {warning.message}")
    return 0


def cmd_trace(args) -> int:
    """`exsim trace`: one message's journey, hop by hop, and why; with --html, also the page that plays it."""
    from .results.trace import trace
    from .runner import run

    scenario = _load(args).model_copy(update={"record": "hops"})
    _guard(scenario, args)
    result = run(scenario, args.seed)
    try:
        print(trace(result, args.message))
    except KeyError as error:
        raise UsageError(f"--message {args.message}: {error.args[0]}") from None
    if args.html is not None:
        from .results.trip.html import write_trip_html

        page = args.html or f"out/trace-{Path(args.scenario).stem}-{args.message}.html"
        print(f"\nThe trip, animated: {write_trip_html(result, args.message, page)}")
    return 0


def cmd_queues(args) -> int:
    """`exsim queues`: every queue at an instant, as Exchange's Get-Queue lists them (the scenario run up to it)."""
    from .formats.clock import start_of
    from .results.instant import seconds_at
    from .results.report import format_queue_view
    from .runner import queue_view

    scenario = _load(args).model_copy(update={"record": "summary", "tracking_log": False})
    try:
        seconds_at(args.at, start_of(scenario), scenario.end_time)  # a bad --at says so before any run
    except ValueError as error:
        raise UsageError(f"--at {args.at}: {error}") from None
    _guard(scenario, args)
    print(format_queue_view(queue_view(scenario, args.at, args.seed)))
    return 0


def cmd_audit(args) -> int:
    """Print the Receive connector audit; exit 1 when a finding is FAIL (WARN and NOTE do not fail it)."""
    from .smtp.audit import audit

    report = audit(_load(args))
    print(report.format())
    return 1 if report.failed else 0


def cmd_schema(args) -> int:
    """`exsim schema`: the JSON Schema (draft 2020-12) of scenario files, for editors: quantities carry patterns,
    so an editor flags `duration: 30 parsecs` as the loader would."""
    from .scenario.schema import Scenario

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **Scenario.model_json_schema()}
    print(json.dumps(schema, indent=2))
    return 0


def cmd_smtpd(args) -> int:
    """Serve one modelled server's Receive connectors over real SMTP on loopback (sim.smtp.endpoint)."""
    import asyncio

    from .smtp.serving import Endpoint, configure_logging, plan_listeners, serve_forever
    from .smtp.wire import DEFAULT_LISTEN, OPTIONAL_LISTEN, parse_port_map

    try:
        port_map = parse_port_map(args.port_map)
        listeners = plan_listeners(args.listen or list(DEFAULT_LISTEN), port_map)
    except ValueError as error:
        raise UsageError(str(error)) from None
    scenario = _load(args)
    optional = () if args.listen else OPTIONAL_LISTEN
    try:
        endpoint = Endpoint(scenario, args.server, listeners, args.out, client_ip=args.client_ip, optional=optional)
    except KeyError as error:
        raise UsageError(f"--server {args.server}: {error.args[0]}") from None
    except ValueError as error:
        raise UsageError(f"--client-ip {args.client_ip}: {error}") from None
    configure_logging()
    try:
        asyncio.run(serve_forever(endpoint))
    except OSError as error:
        if error.filename:
            raise
        raise UsageError(
            f"cannot listen on {', '.join(args.listen or DEFAULT_LISTEN)}: {error.strerror or error}"
        ) from None
    return 0


def cmd_calibrate(args) -> int:
    """`exsim calibrate`: a scenario (and a report) from message tracking logs (and performance counters)."""
    from .calibrate import CalibrationError
    from .calibrate.arguments import options
    from .calibrate.workflow import run_calibration

    try:
        outcome = run_calibration(**options(args, progress=sys.stderr.isatty()))
    except CalibrationError as error:
        raise UsageError(f"calibrate: {error}") from None
    print("\n".join(outcome.summary()))
    return 0


class _Version(argparse.Action):
    """--version: the version and which build of the model runs, found only when asked (--help stays quick)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from .model.compiled import version

        print(version())
        parser.exit()


def _scenario_command(commands, name: str, help: str) -> argparse.ArgumentParser:
    """A subcommand taking a scenario file and --set overrides, as every command but `schema` does."""
    parser = commands.add_parser(name, help=help)
    parser.add_argument("scenario", help="scenario YAML file")
    parser.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a scenario value")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """Every `exsim` command and its options."""
    parser = argparse.ArgumentParser(prog="exsim", description="Simulate Exchange Server 2007 mail transport.")
    parser.add_argument("--version", action=_Version, nargs=0, help="the version and which build of the model runs")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = _scenario_command(commands, "run", help="run a scenario and print its summary")
    run.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    run.add_argument("--out", help="folder for tables (CSV), summary.json, plots (PNG), perfmon counters (relog CSV), "
                     "tracking logs and the protocol logs of Verbose connectors (protocol/SERVER/ProtocolLog/)")  # fmt: skip
    run.add_argument("--format", choices=["csv", "parquet"], help="how --out writes the tables (default csv)")
    run.add_argument("--record", choices=["summary", "messages", "hops"], help="how much to record")
    run.add_argument("--report", action="store_true", help="also write report.html (one self-contained file) into --out "
                     "(default out/SCENARIO)")  # fmt: skip
    run.add_argument("--quiet", action="store_true", help="no progress bar and no estimate line")
    run.add_argument("--force", action="store_true", help=FORCE_HELP)
    run.set_defaults(func=cmd_run)

    validate = _scenario_command(commands, "validate", help="check a scenario and print its topology")
    validate.set_defaults(func=cmd_validate)

    trace = _scenario_command(commands, "trace", help="run a scenario and print one message's journey hop by hop")
    trace.add_argument("--message", type=int, required=True, help="message id (result.messages.message_id)")
    trace.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    trace.add_argument("--html", nargs="?", const="", metavar="FILE", help="also write the trip as an animated, "
                       "self-contained page (default out/trace-SCENARIO-ID.html)")  # fmt: skip
    trace.add_argument("--force", action="store_true", help=FORCE_HELP)
    trace.set_defaults(func=cmd_trace)

    queues = _scenario_command(commands, "queues", help="run a scenario and list every queue at an instant (Get-Queue)")
    queues.add_argument("--at", required=True, help="clock time on the run's first day (10:30, 10:30:30) or time "
                        "from the start (2h30m); the state after every event before it")  # fmt: skip
    queues.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    queues.add_argument("--force", action="store_true", help=FORCE_HELP)
    queues.set_defaults(func=cmd_queues)

    audit = _scenario_command(
        commands,
        "audit",
        help="check every Receive connector for open relay and clear-text Basic authentication (exit 1 if found)",
    )
    audit.set_defaults(func=cmd_audit)

    smtpd = _scenario_command(
        commands,
        "smtpd",
        help="serve one Hub or Edge server's Receive connectors over real SMTP on loopback, for "
        "rehearsal with swaks or openssl s_client",
    )
    smtpd.add_argument("--server", required=True, help="the Hub or Edge Transport server to serve")
    smtpd.add_argument(
        "--listen",
        action="append",
        metavar="ADDRESS:PORT",
        help="loopback address and port to listen on, e.g. 127.0.0.1:2525 or [::1]:2525; repeat for more "
        "(default: 127.0.0.1 and [::1], ports 2525 and 2587)",
    )
    smtpd.add_argument(
        "--port-map",
        default=PORT_MAP,
        metavar="LISTEN=MODELLED,...",
        help="which modelled binding port a listening port stands for (default 2525=25,2587=587; "
        "a port not listed stands for itself)",
    )
    smtpd.add_argument(
        "--client-ip",
        metavar="IP",
        help="pretend every client comes from this IPv4 address (default: the real peer, "
        "127.0.0.1), e.g. to rehearse a Custom connector's remote IP range",
    )
    smtpd.add_argument(
        "--out",
        default="out/smtpd",
        metavar="FOLDER",
        help="folder for accepted messages (.eml), the throwaway CA certificate, partner client certificates "
        "and protocol logs (ProtocolLog/SmtpReceive/; it relays nothing, so it writes no SmtpSend log) "
        "(default out/smtpd)",
    )
    smtpd.set_defaults(func=cmd_smtpd)

    sweep = _scenario_command(commands, "sweep", help="run every combination of varied values, replicated")
    sweep.add_argument("--vary", action="append", metavar="PATH=V1,V2", help="a path and its values (repeat)")
    capacity_options(sweep, 10)
    sweep.add_argument("--out", help="folder for runs.parquet, variants.parquet and one file per finished run")
    sweep.add_argument("--resume", action="store_true", help="finish the sweep in --out: run only what is missing")
    sweep.add_argument("--fail-fast", action="store_true", help="stop at the first run that fails")
    sweep.set_defaults(func=cmd_sweep)

    size = _scenario_command(commands, "size", help="the smallest Hub count (or --vary parameter) meeting objectives")
    size.add_argument("--slo", action="append", required=True, metavar="NAME=VALUE",
                      help="an objective at the busiest hour: latency_p99_s, latency_p95_s, latency_p50_s, "
                      "latency_mean_s, max_queue, utilisation (repeat)")  # fmt: skip
    size.add_argument(
        "--failures", type=int, default=0, help="Hubs of the site down at once, every combination (N-1: 1)"
    )
    size.add_argument("--vary", action="append", metavar="PATH=LOW..HIGH",
                      help="the parameter and its candidates (default: each site's hub_count, 1..12)")  # fmt: skip
    size.add_argument(
        "--out",
        default="out/size",
        help="folder for the candidates table (CSV) and the figure (PNG) (default out/size)",
    )
    capacity_options(size, 5)
    size.set_defaults(func=cmd_size)

    compare = commands.add_parser("compare", help="two run or sweep folders (or scenarios) side by side")
    compare.add_argument("a", help="an exsim run or sweep --out folder, or a scenario file")
    compare.add_argument("b", help="the same for the other side")
    compare.add_argument("--replications", type=int, default=5, help="runs of a scenario side (default 5)")
    compare.add_argument("--seed", type=int, help="root seed of a scenario side's replications")
    compare.set_defaults(func=cmd_compare)

    calibrate = commands.add_parser(
        "calibrate", help="build a scenario (and a report) from Exchange message tracking logs (MSGTRK*.LOG)"
    )
    add = calibrate.add_argument  # declared here, not in sim.calibrate: --help imports nothing heavy
    add("logdir", nargs="+", help="folders of tracking logs, one subfolder per server")
    add("--out", required=True, metavar="SCENARIO.yaml", help="where to write the scenario")
    add("--report", metavar="REPORT.html", help="also write a report (runs the scenario to compare)")
    add("--sites", metavar="SITES.csv", help="server,site lines: the AD site of each server")
    add("--anonymise", action="store_true", help="pseudonyms for server and site names")
    add("--strict", action="store_true", help="stop at the first malformed line (exit 2)")
    add("--timezone", default="UTC", help="the organisation's time zone, e.g. Europe/London")
    add("--no-run", action="store_true", help="with --report: do not run the scenario")
    add("--seed", type=int, help="root seed of the run for the report")
    perfmon = "the Hubs' Performance Monitor log as CSV (relog LOG.blg -f csv -o COUNTERS.csv), repeatable"
    add("--perfmon", action="append", default=[], metavar="COUNTERS.csv", help=perfmon + ": stage costs from it")
    add("--cores", type=int, metavar="N", help="logical processors per Hub, when the log has only Processor(_Total)")
    calibrate.set_defaults(func=cmd_calibrate)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.set_defaults(func=cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad input is one line on stderr and exit status 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as error:
        print(str(error), file=sys.stderr)
        return 2
    except (UsageError, OptionError) as error:
        print(f"exsim: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `exsim validate x.yaml | head -1`
        sys.stderr.close()
        return 0
    except OSError as error:  # e.g. --out names a file, or a folder we may not write
        print(f"exsim: {error.strerror}: {error.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("exsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
