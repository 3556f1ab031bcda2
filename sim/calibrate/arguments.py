"""`exsim calibrate`'s parsed options as the workflow's keyword arguments, checked.

The options are declared in sim/cli.py (so `exsim --help` imports nothing of this package); what they mean and
how they are checked lives here, beside the workflow they feed."""

from __future__ import annotations

import argparse

from .organisation import CalibrationError


def options(args: argparse.Namespace, progress: bool) -> dict:
    """The keyword arguments of sim.calibrate.workflow.run_calibration; CalibrationError (one line) for a bad value."""
    if args.cores is not None and args.cores < 1:
        raise CalibrationError(f"--cores {args.cores}: give the logical processors of each Hub, a whole number from 1")
    if args.cores is not None and not args.perfmon:
        raise CalibrationError(
            "--cores: it says how many processors the --perfmon counters are a share of; add --perfmon"
        )
    return dict(paths=args.logdir, out=args.out, report=args.report, sites=args.sites, anonymise=args.anonymise,
                strict=args.strict, timezone=args.timezone, run=not args.no_run, seed=args.seed, progress=progress,
                perfmon=args.perfmon, cores=args.cores)  # fmt: skip
