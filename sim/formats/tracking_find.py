"""Which files are message tracking logs, and whose: finding MSGTRK*.LOG files under the folders given.

Files named `MSGTRK*.LOG` (MSGTRK on Hub and Edge, MSGTRKM on Mailbox servers, and the later MSGTRKMA/MD/MS)
anywhere under the folders given, and any .log, .txt or .csv file whose `#Log-type:` header line says it is
a Message Tracking Log (a log renamed when it was collected), given by path or in a folder; each belongs to the server named by its folder. A folder that holds none
raises `NotATrackingLog`, saying what it holds instead (SMTP protocol logs, an Exchange 2003 tracking log).
The rows in them are read by sim.formats.tracking_read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

NAME = re.compile(r"^MSGTRK([A-Z]*?)(\d{8}(?:\d{2})?)-(\d+)\.LOG$", re.IGNORECASE)
"""`MSGTRK` + role letters (M, MA, MD, MS or none) + `yyyymmdd` (Exchange 2007, 2010) or `yyyymmddhh` (2013 and
later write a file an hour, e.g. MSGTRKMS2022091915-1.LOG) + `-` + sequence number + `.LOG`."""
TRACKING_LOG_TYPE = "Message Tracking Log"
"""The `#Log-type:` header of a message tracking log: a file given by path with it is read whatever its name."""
WRAPPER_FOLDERS = frozenset({"messagetracking"})
"""Folder names that are not a server's name: `SERVER/MessageTracking/MSGTRK...` belongs to SERVER."""


class NotATrackingLog(ValueError):
    """A file or folder that holds no Exchange message tracking log: one line, naming it and the fix."""


@dataclass(frozen=True, order=True)
class LogFile:
    """One tracking log file and the server whose log it is (the name of the folder that holds it)."""

    server: str
    prefix: str  # "MSGTRK", "MSGTRKM", ...: files of one prefix on one server follow each other in time
    day: str  # yyyymmdd or yyyymmddhh from the file name ("" when the name does not follow Exchange's pattern)
    sequence: int
    path: Path


def server_of(path: Path) -> str:
    """The server a log file belongs to: the name of its folder, skipping a `MessageTracking` folder.

    Decision: Exchange names every server's files alike (MSGTRK20260105-1.LOG), so logs collected from
    several servers must be kept one folder per server, as `exsim run --out` writes them.
    """
    folder = path.parent
    while folder.name.lower() in WRAPPER_FOLDERS and folder.parent != folder:
        folder = folder.parent
    return folder.name


def log_file(path: Path) -> LogFile:
    """A LogFile from its path (prefix, day and sequence from the name when it follows Exchange's pattern)."""
    match = NAME.match(path.name)
    if match is None:
        return LogFile(server_of(path), "MSGTRK", "", 0, path)
    letters, day, sequence = match.groups()
    return LogFile(server_of(path), f"MSGTRK{letters.upper()}", day, int(sequence), path)


def is_tracking_name(path: Path) -> bool:
    """True for names Exchange gives tracking logs: MSGTRK*.LOG in any case."""
    name = path.name.upper()
    return name.startswith("MSGTRK") and name.endswith(".LOG")


def log_files(root: str | Path) -> list[LogFile]:
    """Every MSGTRK*.LOG under a folder (or the file given), in path order; none for a folder without any."""
    root = Path(root)
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [log_file(p) for p in paths if is_tracking_name(p)]


def find_logs(roots: Iterable[str | Path]) -> list[LogFile]:
    """Every tracking log file under the folders (or files) given, sorted by server, prefix, day and sequence.

    Raises NotATrackingLog for a path that does not exist, and when there is no MSGTRK*.LOG at all (saying
    what was found instead, e.g. SMTP protocol logs)."""
    paths: list[Path] = []
    for root in map(Path, roots):
        if not root.exists():
            raise NotATrackingLog(f"{root}: no such file or folder; give the folder of the MSGTRK*.LOG files")
        paths += [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    logs = sorted(log_file(p) for p in dict.fromkeys(paths) if is_tracking_name(p) or _renamed_log(p))
    if not logs:
        where = ", ".join(str(r) for r in roots)
        raise NotATrackingLog(f"{where}: no message tracking logs (MSGTRK*.LOG){_found_instead(paths)}")
    return logs


def _renamed_log(path: Path) -> bool:
    """A text file not named MSGTRK*.LOG whose `#Log-type:` header says Message Tracking Log (a log renamed when
    it was collected: `server-tracking.log`): read like any other. Only .log, .txt and .csv files are opened."""
    return path.suffix.lower() in (".log", ".txt", ".csv") and sniff(path) == TRACKING_LOG_TYPE


def _found_instead(paths: list[Path]) -> str:
    kinds: dict[str, int] = {}
    for path in paths[:2000]:
        kind = sniff(path)
        if kind:
            kinds[kind] = kinds.get(kind, 0) + 1
    if not kinds:
        return "; give the MessageTracking folder of each server (TransportRoles\\Logs\\MessageTracking)"
    found = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(kinds.items()))
    return f"; found {found} instead: give the MessageTracking folder of each server"


def sniff(path: Path) -> str:
    """What kind of log a file's first lines say it is ("" when they say nothing we know)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            head = [fh.readline(400) for _ in range(6)]
    except OSError:
        return ""
    text = "".join(head)
    log_type = re.search(r"^#Log-type:\s*(.+?)\s*$", text, re.M)
    if log_type:
        return log_type.group(1)
    if "Message Tracking Log File" in text:
        return "Exchange 2000/2003 message tracking log"
    return ""
