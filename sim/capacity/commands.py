"""The capacity commands behind `exsim sweep`, `exsim size` and `exsim compare`: options in, reports out.

sim.cli builds the parsers and maps `OptionError` (a mistake in the options the user can fix) to one
line on stderr and exit status 2, as for every other command.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


class OptionError(ValueError):
    """A command-line mistake in a capacity command, naming the option and the fix."""


def _load(args):
    from ..scenario.loading import load_scenario

    sets = {}
    for pair in getattr(args, "set", None) or []:
        path, sep, value = pair.partition("=")
        if not sep or not path.strip():
            raise OptionError(f"--set {pair!r}: write it as PATH=VALUE, e.g. --set workload.profile=heavy")
        sets[path.strip()] = value
    return load_scenario(args.scenario, sets)


def _values(text: str, option: str) -> list:
    """V1,V2,... (each read as YAML; commas inside brackets kept) or LOW..HIGH (whole numbers, both included)."""
    import yaml

    low, dots, high = text.partition("..")
    if dots and low.strip().lstrip("-").isdigit() and high.strip().lstrip("-").isdigit():
        values = list(range(int(low), int(high) + 1))
        if values:
            return values
        raise OptionError(f"{option}: the range {text} is empty; write LOW..HIGH with LOW <= HIGH")
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[{" and 1 or 0
        depth -= char in "]}" and 1 or 0
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    try:
        return [yaml.safe_load(part) if part.strip() else part for part in parts]
    except yaml.YAMLError:
        raise OptionError(f"{option}: cannot read {text!r}; write PATH=V1,V2 or PATH=LOW..HIGH") from None


def _parse_vary(pairs: Sequence[str]) -> dict[str, list]:
    vary = {}
    for pair in pairs or []:
        path, sep, text = pair.partition("=")
        if not sep or not path.strip() or not text.strip():
            raise OptionError(f"--vary {pair!r}: write it as PATH=V1,V2 or PATH=LOW..HIGH, e.g. "
                             "--vary sites.Seattle.hub_count=2,3,4")  # fmt: skip
        vary[path.strip()] = _values(text, f"--vary {path.strip()}")
    return vary


def _executor(args):
    from .executors import make_executor

    if args.workers is not None and args.workers < 1:
        raise OptionError(f"--workers {args.workers}: give 1 or more processes")
    if args.dask:
        import logging

        logging.getLogger("distributed").setLevel(logging.ERROR)  # Dask's own chatter stays off the report
    try:
        return make_executor(args.workers, args.dask)
    except OSError as error:
        raise OptionError(f"--dask {args.dask}: cannot reach the scheduler ({error})") from None


def _check_variants(scenario, vary: dict) -> None:
    """Every varied value must make a valid scenario: checked up front, so a typo fails fast with exit 2."""
    from itertools import product

    from ..scenario.errors import ScenarioError
    from ..scenario.loading import load_scenario

    for values in product(*vary.values()):
        try:
            load_scenario(scenario, dict(zip(vary, values)))
        except ScenarioError as error:
            varied = " ".join(f"{path}={value}" for path, value in zip(vary, values))
            problems = "; ".join(p.render(None).replace("--set ", "") for p in error.problems)
            raise OptionError(f"--vary {varied}: {problems}") from None


def cmd_sweep(args) -> int:
    """`exsim sweep`: every combination of the varied values, replicated on common seeds; tables in --out."""
    from .report import format_sweep
    from .store import SweepFolderError
    from .sweep import SweepStopped, sweep

    scenario, vary = _load(args), _parse_vary(args.vary)
    if args.replications < 1:
        raise OptionError(f"--replications {args.replications}: give 1 or more")
    _check_variants(scenario, vary)
    executor = _executor(args)
    try:
        result = sweep(scenario, vary, args.replications, args.seed, executor=executor, out=args.out,
                       resume=args.resume, fail_fast=args.fail_fast, progress=not args.quiet and None)  # fmt: skip
    except SweepFolderError as error:
        raise OptionError(str(error)) from None
    except SweepStopped as error:
        print(f"exsim: sweep stopped (--fail-fast): {error}", file=sys.stderr)
        return 1
    finally:
        executor.close()
    print(format_sweep(result.variants, result.paths))
    failed = result.runs[result.runs["status"] != "ok"] if len(result.runs) else result.runs
    for row in failed.itertuples(index=False):
        print(f"run {row.variant}/{row.replication} (seed {row.seed}) failed: {row.error}", file=sys.stderr)
    if args.out:
        print(f"\nruns.parquet, variants.parquet and one file per run in {args.out}/")
    return 1 if len(failed) else 0


def cmd_size(args) -> int:
    """`exsim size`: the smallest Hub count (or other parameter) meeting every objective, N-1 included."""
    from .ratios import rule_of_thumb
    from .report import format_sizing
    from .size import OBJECTIVES, site_of, size

    scenario = _load(args)
    slos = {}
    for pair in args.slo:
        name, sep, value = pair.partition("=")
        try:
            slos[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise OptionError(f"--slo {pair!r}: write NAME=NUMBER, e.g. --slo latency_p99_s=60 "
                             f"(names: {', '.join(OBJECTIVES)})")  # fmt: skip
    if args.failures < 0:
        raise OptionError(f"--failures {args.failures}: give 0 or more Hubs")
    vary = _parse_vary(args.vary) if args.vary else {
        f"sites.{site.name}.hub_count": list(range(max(1, args.failures + 1), 13))
        for site in scenario.sites if site.hubs}  # fmt: skip
    if not vary:
        raise OptionError("no site has dedicated Hubs to count; name the parameter with --vary PATH=LOW..HIGH")
    executor = _executor(args)
    try:
        for parameter, values in vary.items():
            _check_variants(scenario, {parameter: values[:1] + values[-1:]})
            sizing = size(scenario, parameter, values, slos, args.failures, args.replications, args.seed,
                          executor, progress=not args.quiet and None)  # fmt: skip
            print(format_sizing(sizing, rule_of_thumb(scenario, site_of(parameter), parameter)) + "\n")
            if args.out:
                _write_sizing(sizing, args.out, parameter)
    finally:
        executor.close()
    return 0


def _write_sizing(sizing, out: str, parameter: str) -> None:
    from pathlib import Path

    from ..results.plots.capacity import sizing_figure

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = parameter.replace(".", "_").replace("[", "_").replace("]", "")
    sizing.table().to_csv(folder / f"size_{stem}.csv", index=False)
    metric = next((k for k in sizing.slos if k.startswith("latency")), next(iter(sizing.slos)))
    figure = sizing_figure(sizing.table(), parameter, metric, sizing.slos[metric], sizing.answer)
    figure.savefig(folder / f"size_{stem}.png", dpi=110)
    print(f"candidates and figure written to {folder}/size_{stem}.csv and .png\n")


def cmd_compare(args) -> int:
    """`exsim compare A B`: two run or sweep folders, or two scenarios, side by side with significance."""
    from .compare import CompareError, compare, load_side
    from .report import format_compare

    try:
        a = load_side(args.a, args.replications, args.seed, progress=False)
        b = load_side(args.b, args.replications, args.seed, progress=False)
    except CompareError as error:
        raise OptionError(str(error)) from None
    print(format_compare(compare(a, b), args.a, args.b))
    return 0


def capacity_options(parser, replications: int) -> None:
    """The options sweep and size share: replications, the root seed, the executor, quiet."""
    parser.add_argument(
        "--replications", type=int, default=replications, help=f"runs per variant (default {replications})"
    )
    parser.add_argument("--seed", type=int, help="root seed of the replications (default: the scenario's)")
    parser.add_argument("--workers", type=int, help="local processes (a spawn pool); default: serial")
    parser.add_argument(
        "--dask", metavar="ADDRESS", help="a Dask scheduler (tcp://HOST:8786) or 'local' for a LocalCluster"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
