"""`calibrate(paths)`: read every tracking log under the paths given and derive a Calibration.

The one entry point of the package (`sim.calibrate`): find the files, fold them in one pass (`tally`), work
out the organisation (`organisation`) and the figures (`derive`). Every way the input can be unusable ends in
a CalibrationError of one line naming the file or the option, and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..formats.tracking_find import NotATrackingLog, find_logs
from ..formats.tracking_read import MalformedLine, RowReader
from ..formats.tracking_versions import KNOWN_EVENTS, beyond_2007, version_of
from .clock import LocalClock
from .derive import Calibration, derive, mail_window
from .fold import run
from .names import canonical
from .organisation import CalibrationError, infer_organisation, read_site_map
from .tally import USED_FIELDS, Tally

MIN_WINDOW = 60.0
"""Seconds of mail the logs must span: a rate needs time as well as counts."""


def calibrate(
    paths: str | os.PathLike | Iterable[str | os.PathLike], *, sites: str | os.PathLike | dict | None = None,
    anonymise: bool = False, strict: bool = False, timezone: str = "UTC",
) -> Calibration:  # fmt: skip
    """Read every MSGTRK*.LOG under `paths` (folders or files) and derive a Calibration.

    `sites`: a site map (a server,site CSV file, or a mapping) instead of inferring the sites;
    `anonymise`: pseudonyms for server and site names; `strict`: stop at the first malformed line;
    `timezone`: the organisation's IANA time zone, for the hours of its day (the logs are in UTC).
    Raises CalibrationError (one line, naming the file or option and the fix) for input it cannot use:
    no tracking logs, another kind of log, a malformed line when strict, a bad site map.
    """
    roots = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    try:
        clock = LocalClock(timezone)
    except ValueError as error:
        raise CalibrationError(f"--timezone: {error}") from None
    site_map = sites if isinstance(sites, dict) or sites is None else read_site_map(sites)
    try:
        logs = find_logs(roots)
        reader = RowReader(required=USED_FIELDS, strict=strict)
        tally = Tally(logs, clock)
        run(tally, reader)
    except (NotATrackingLog, MalformedLine) as error:
        raise CalibrationError(str(error)) from None
    if reader.rows_read == 0:
        where = ", ".join(str(r) for r in roots)
        raise CalibrationError(f"{where}: the tracking logs hold no event rows ({len(logs)} files, "
                               f"{reader.problem_count} malformed lines); give logs of days with mail")  # fmt: skip
    organisation = infer_organisation(tally, site_map, anonymise)
    window = mail_window(tally)
    if window[1] - window[0] < MIN_WINDOW:
        raise CalibrationError(f"the mail in the logs spans {window[1] - window[0]:.0f} s, too little to tell a "
                               "rate: give the logs of at least an hour (a day or more is better)")  # fmt: skip
    server_name = {tally.names[i]: s.name for i, s in organisation.servers.items()}
    folder_of = {log.path: server_name.get(canonical(log.server), "SERVER") for log in logs}

    def label(path: Path) -> str:
        """A problem's file: its path, or with --anonymise the server's pseudonym and the file name."""
        return f"{folder_of.get(path, 'SERVER')}/{path.name}" if anonymise else str(path)

    reading = {
        "files_read": [file_note(label(p), names, tally.file_events.get(p, {})) for p, names in reader.layouts.items()],
        "files": len(logs),
        "lines": reader.lines,
        "rows": reader.rows_read,
        "problems": [p.render(label(p.path)) for p in reader.problems],
        "problem_count": reader.problem_count,
    }
    return derive(tally, organisation, clock, reading)


def file_note(label: str, fields: list[str], events: dict[str, int]) -> str:
    """One file in a line: which version's field list it has (sim.formats.tracking_versions), the fields and
    the events the Exchange 2007 model does not use, with their counts: reported, never refused."""
    version = version_of(fields)
    later, unknown = beyond_2007(fields)
    parts = [f"{label}: {version} field list ({len(fields)} fields)" if version != "other"
             else f"{label}: a field list of no one version ({len(fields)} fields, read by name)"]  # fmt: skip
    if later:
        parts.append(f"{len(later)} fields later than Exchange 2007, not used ({', '.join(later)})")
    if unknown:
        parts.append(f"{len(unknown)} unknown fields, not used ({', '.join(unknown)})")
    if events:
        strange = {e: n for e, n in events.items() if e not in KNOWN_EVENTS}
        shown = ", ".join(f"{e} {n:,}" for e, n in sorted(events.items()))
        parts.append(f"{sum(events.values()):,} rows of events the model does not use ({shown})")
        if strange:
            parts.append(f"{sum(strange.values()):,} of them of unknown events ({', '.join(sorted(strange))})")
    return "; ".join(parts)
