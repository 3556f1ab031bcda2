"""How fast the command answers: `import sim`, `exsim --help` and bad-input errors against `import pandas`.

    python benchmarks/bench_import.py               # 9 rounds; target: each ratio <= 0.3
    python benchmarks/bench_import.py --repeat 15

Issue 22 timed `exsim --help`, a bad-input error and `import sim` at 1.0 to 1.6 s: `sim/__init__` imported
capacity and calibrate, and pandas with them. Each round starts one fresh interpreter per command (the order
rotates between rounds, so a slow moment of the shared machine does not fall on one command), and times the
whole process: interpreter start, imports, the command, exit. The ratio of each command's median to the median
of `python -c "import pandas"` in the same rounds is the figure; the target is 0.3 for `import sim`,
`exsim --help`, and a scenario file that does not exist. A scenario file with a mistake in it needs the
scenario schema (pydantic and its models) to say what the mistake is: it is printed for information, with no
target. The script always exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.3
ROOT = Path(__file__).resolve().parent.parent


def commands(folder: Path) -> dict[str, list[str]]:
    """The commands timed, by label: the yardstick first, then those with a target, then the one without."""
    bad = folder / "bad.yaml"
    bad.write_text("name: x\nduration: 2 parsecs\nsites: [{name: A}]\n")
    python = [sys.executable]
    return {
        "import pandas": [*python, "-c", "import pandas"],
        "import sim": [*python, "-c", "import sim"],
        "exsim --help": [*python, "-m", "sim", "--help"],
        "exsim run missing.yaml": [*python, "-m", "sim", "run", str(folder / "missing.yaml")],
        "exsim run bad.yaml (schema)": [*python, "-m", "sim", "run", str(bad)],
    }


def time_once(command: list[str]) -> float:
    """Wall seconds of one process, start to exit (its output discarded)."""
    began = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=False)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="rounds (default 9)")
    args = parser.parse_args()
    import sim

    print(f"sim from {Path(sim.__file__).parent}; python {sys.version.split()[0]}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        timed = commands(Path(folder))
        labels = list(timed)
        for label in labels:  # warm the file cache once, untimed
            time_once(timed[label])
        seconds: dict[str, list[float]] = {label: [] for label in labels}
        for round_ in range(args.repeat):
            shift = round_ % len(labels)
            for label in labels[shift:] + labels[:shift]:
                seconds[label].append(time_once(timed[label]))
    pandas = statistics.median(seconds["import pandas"])
    print(f"{'command':<30} {'median s':>9} {'ratio':>7}")
    passed = True
    for label in labels:
        median = statistics.median(seconds[label])
        ratio = median / pandas
        targeted = label not in ("import pandas", "exsim run bad.yaml (schema)")
        passed &= ratio <= TARGET or not targeted
        note = f"target <= {TARGET}" if targeted else ("yardstick" if label == "import pandas" else "no target")
        print(f"{label:<30} {median:>9.3f} {ratio:>7.2f}  {note}")
    worst = max(statistics.median(seconds[label]) / pandas for label in labels[1:4])
    print(f"RESULT worst ratio {worst:.2f} against import pandas (target <= {TARGET}): {'PASS' if passed else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
