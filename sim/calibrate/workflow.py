"""What `exsim calibrate` does, in order: read the logs, write the scenario, and, for the report, run it and
compare. Kept apart from the command line so the same steps serve Python callers and tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..scenario.errors import ScenarioError
from ..scenario.loading import load_scenario
from .compare import Row, compare, simulate
from .cpu import Measured, measure
from .derive import Calibration
from .organisation import CalibrationError
from .read import calibrate
from .report import report_html
from .scenario_file import mailbox_counts, scenario_text

SHOWN_PROBLEMS = 3
"""Malformed lines named on the terminal (file and line number); the report names up to 50."""


@dataclass
class Outcome:
    """What a calibration wrote: the Calibration, the scenario text, the comparison (when run), and paths."""

    calibration: Calibration
    scenario: str
    simulated: Calibration | None = None
    rows: list[Row] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    measured: Measured | None = None
    not_compared: str = ""  # why the run was not set beside the logs, when it was not

    def summary(self) -> list[str]:
        """A few lines for the terminal: what was read and written."""
        cal = self.calibration
        lines = [
            f"Read {cal.files} tracking log files: {cal.rows:,} events, {cal.problem_count:,} malformed lines skipped.",
            *[f"  skipped: {problem}" for problem in cal.problems[:SHOWN_PROBLEMS]],
            *(
                [f"  and {cal.problem_count - SHOWN_PROBLEMS:,} more (the report names up to 50)"]
                if cal.problem_count > SHOWN_PROBLEMS
                else []
            ),
            f"Servers: {len(cal.organisation.servers)} in {len(cal.organisation.sites)} site(s) "
            f"({'inferred' if cal.organisation.sites_inferred else 'from the site map'}); "
            f"{cal.submissions.total:,} submissions, {cal.submissions.per_day():,.0f} a day.",
        ]
        if self.measured is not None:
            m = self.measured
            lines += [f"CPU per message: {d.summary()}" for d in m.hubs]
            lines.append(f"Stage costs scaled to {m.demand * 1000:.2f} ms CPU per message (95% interval "
                         f"{m.low * 1000:.2f} to {m.high * 1000:.2f} ms).")  # fmt: skip
            lines += [f"Not a Hub in the tracking logs, not fitted: {name}" for name in m.ignored]
        if self.rows:
            flagged = [r for r in self.rows if r.flagged]
            lines.append(f"Simulated against observed: {len(self.rows)} figures, {len(flagged)} differ by more than "
                         "sampling error (see the report).")  # fmt: skip
        if self.not_compared:
            lines.append(self.not_compared[0].upper() + self.not_compared[1:] + ".")
        lines += [f"Wrote {path}" for path in self.written]
        return lines


def run_calibration(
    paths: list[str | os.PathLike], out: str | os.PathLike, *, report: str | os.PathLike | None = None,
    sites: str | os.PathLike | None = None, anonymise: bool = False, strict: bool = False,
    timezone: str = "UTC", run: bool = True, seed: int | None = None, progress: bool = False,
    perfmon: list[str | os.PathLike] = (), cores: int | None = None,
) -> Outcome:  # fmt: skip
    """Calibrate, write the scenario to `out`, and with `report` run the scenario (unless `run` is False)
    and write the HTML report; with `perfmon` (relog CSV files) the stage costs come from the Hubs' counters.
    Raises CalibrationError for unusable input, OSError for files it cannot write."""
    if perfmon and anonymise:
        raise CalibrationError("--perfmon with --anonymise: the counter logs name the real servers; leave one out")
    cal = calibrate(paths, sites=sites, anonymise=anonymise, strict=strict, timezone=timezone)
    measured = measure(list(perfmon), list(paths), cal, cores) if perfmon else None
    text = scenario_text(cal, measured)
    try:
        load_scenario(yaml.safe_load(text))
    except ScenarioError as error:  # e.g. a site map putting Mailbox servers in a site with no Hub in the logs
        first = str(error).splitlines()[0]
        raise CalibrationError(f"the organisation in the logs makes no valid scenario: {first}") from None
    outcome = Outcome(cal, text, measured=measured)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    outcome.written.append(target)
    if report is not None:
        if run:
            try:
                outcome.simulated = simulate(text, cal, seed=seed, progress=progress)
                outcome.rows = compare(cal, outcome.simulated)
            except CalibrationError as error:  # the run's own logs too thin to read back: report without it
                outcome.not_compared = f"the calibrated scenario's run is not compared: its own logs: {error}"
        counts = {name: n for name, (n, _s) in mailbox_counts(cal.mailbox_servers, _seen(cal)).items()}
        page = Path(report)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(report_html(cal, outcome.simulated, outcome.rows or None, counts, measured), encoding="utf-8")
        outcome.written.append(page)
    return outcome


def _seen(cal: Calibration) -> int:
    return sum(m.mailboxes_seen for m in cal.mailbox_servers) or 1
