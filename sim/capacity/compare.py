"""`exsim compare A B`: two runs, sweeps or scenarios side by side, with differences and their significance.

Each side is an `exsim run --out` folder (one run: summary.json), an `exsim sweep --out` folder of one
variant (its runs.parquet: replications), or a scenario file (replicated here, on the same seeds for
both sides). Where both sides hold replications, each figure's difference gets a p-value: the paired t
test when both sides ran the same seeds (common random numbers, a far sharper test), else Welch's.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from .stats import CONFIDENCE, difference
from .sweep import figure_columns, replicate
from .worker import figures

HEADLINE = (
    "messages_generated", "delivered", "in_queue_at_end", "throughput_per_hour", "latency_mean_s", "latency_p50_s",
    "latency_p99_s", "peak_latency_p50_s", "peak_latency_p95_s", "peak_latency_p99_s", "peak_utilisation_max",
    "utilisation_max", "peak_max_queue_length", "max_queue_length", "overloaded",
)  # fmt: skip
"""The figures compared, in this order (when both sides have them)."""


class CompareError(ValueError):
    """A side that is neither a run folder, a one-variant sweep folder nor a scenario file."""


def load_side(source: str, replications: int = 5, seed: int | None = None, **options) -> pd.DataFrame:
    """The runs of one side: one row per run (a run folder gives one row)."""
    path = Path(source)
    if path.is_dir():
        if (path / "runs.parquet").exists():
            runs = pd.read_parquet(path / "runs.parquet")
            if runs["variant"].nunique() > 1:
                raise CompareError(f"{source}: a sweep of {runs['variant'].nunique()} variants; compare a sweep of "
                                   "one variant, or run folders, or scenarios")  # fmt: skip
            return runs[runs["status"] == "ok"].reset_index(drop=True)
        if (path / "summary.json").exists():
            summary = json.loads((path / "summary.json").read_text())
            return pd.DataFrame([{"seed": summary.get("seed"), **figures(summary)}])
        raise CompareError(f"{source}: no summary.json (exsim run --out) or runs.parquet (exsim sweep --out) in it")
    if path.suffix.lower() in (".yaml", ".yml", ".json") and path.exists():
        return replicate(str(path), replications, seed, **options).runs
    raise CompareError(f"{source}: no such folder or scenario file; give two --out folders or two scenario files")


def compare(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Per figure: mean of A, of B, B - A, relative change, p-value and whether it is significant at 5%."""
    paired = "seed" in a and "seed" in b and len(a) > 1 and list(a["seed"]) == list(b["seed"])
    shared = [c for c in HEADLINE if c in a and c in b]
    shared += [c for c in figure_columns(a, []) if c in b and c not in shared and c not in ("variant", "replication")]
    rows = []
    for name in shared:
        x, y = a[name].astype(float), b[name].astype(float)
        delta, p = difference(x, y, paired=paired) if len(x) > 1 and len(y) > 1 else (y.mean() - x.mean(), math.nan)
        base = x.mean()
        rows.append({"figure": name, "a": x.mean(), "b": y.mean(), "difference": delta,
                     "relative": delta / base if base else math.nan, "p_value": p,
                     "significant": bool(p < 1 - CONFIDENCE) if math.isfinite(p) else None})  # fmt: skip
    table = pd.DataFrame(rows)
    table.attrs["paired"] = paired
    table.attrs["runs"] = (len(a), len(b))
    return table
