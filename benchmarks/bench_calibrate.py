"""Streaming calibrate against the whole-table reader: peak memory and time on the same generated logs.

    python benchmarks/bench_calibrate.py                         # 2,000,000 lines; the table reader on 200,000
    python benchmarks/bench_calibrate.py --lines 500000 --table-lines 500000

The logs are generated (tests/test_calibrate_streaming.py `write_days`: 30 days of a Mailbox server's SUBMITs
and a Hub's STOREDRIVER RECEIVE and DELIVER rows, two recipients each, Exchange 2007 fields). Each reader runs
in a fresh process, so its peak resident memory (VmHWM, imports included) is its own:
- `sim.calibrate(folder)`: the streaming pass (the tally) and everything calibrate derives;
- `sim.formats.tracking_frame.read_logs(folder)`: the table reader `exsim` already had, one DataFrame of every row,
  which is what calibrating without streaming would start from.
Printed: lines, seconds, peak MB, and MB above a process that only imports `sim`, for each; then the ratio of
the two readers' memory above imports at the same number of lines. The script always exits 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_calibrate_streaming import write_days  # noqa: E402

PROBES = {
    "imports only": "import sys, sim; n = 0",
    "sim.calibrate (streaming)": "import sys, sim; n = sim.calibrate(sys.argv[1]).rows",
    "read_logs (one table)": "import sys, sim; from sim.formats.tracking_frame import read_logs; "
    "n = len(read_logs(sys.argv[1]))",
}
# the child's own peak (VmHWM): ru_maxrss would carry this script's peak across fork and exec into the child
REPORT = "; import re; print(n, re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))"


def probe(code: str, folder: Path) -> tuple[int, float, float]:
    """(rows, seconds, peak MB) of one reader in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + REPORT, str(folder)], capture_output=True, text=True,
                          check=True)  # fmt: skip
    seconds = time.perf_counter() - start
    rows, kib = map(int, done.stdout.split())
    return rows, seconds, kib / 1024.0


def main() -> None:
    """Generate the logs, run each reader in its own process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000, help="lines for the streaming reader")
    parser.add_argument("--table-lines", type=int, default=200_000, help="lines for both readers side by side")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-calibrate-") as base:
        small, big = Path(base) / "small", Path(base) / "big"
        small_lines = write_days(small, args.table_lines)
        _rows, seconds, imports = probe(PROBES["imports only"], small)
        print(f"{'imports only':28s} {'':>11s} {seconds:7.1f} s {imports:8.0f} MB")
        above = {}
        for name in ("sim.calibrate (streaming)", "read_logs (one table)"):
            rows, seconds, peak = probe(PROBES[name], small)
            above[name] = peak - imports
            print(f"{name:28s} {rows:>11,} {seconds:7.1f} s {peak:8.0f} MB  ({peak - imports:6.0f} MB above imports)")
        ratio = above["read_logs (one table)"] / max(above["sim.calibrate (streaming)"], 1.0)
        print(
            f"at {small_lines:,} lines the table reader holds {ratio:.0f}x the streaming reader's memory above imports"
        )
        big_lines = write_days(big, args.lines)
        rows, seconds, peak = probe(PROBES["sim.calibrate (streaming)"], big)
        print(f"{'sim.calibrate (streaming)':28s} {rows:>11,} {seconds:7.1f} s {peak:8.0f} MB  "
              f"({peak - imports:6.0f} MB above imports; {rows / seconds / 1000:,.0f}k lines/s with start-up)")  # fmt: skip
        assert rows == big_lines


if __name__ == "__main__":
    main()
