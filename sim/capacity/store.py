"""A sweep's folder: one Parquet file per finished run, written as it finishes, then the two tables.

    DIR/sweep.json       what was asked: scenario, varied paths and values, replications, root seed, seeds
    DIR/runs/v0003-r0007.parquet   one row per finished run (written to a temporary name, then renamed)
    DIR/runs.parquet     every run, sorted by variant and replication (written at the end)
    DIR/variants.parquet means and 95% intervals per variant and figure (written at the end)

A sweep that stops keeps every run that finished; `resume` reads them back and runs only what is
missing (a run recorded with an error is tried again). Nothing accumulates in memory: each row goes to
disk as its run ends, and the tables are read back from the files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd


class SweepFolderError(ValueError):
    """The output folder cannot hold this sweep (it holds another one, or resume finds nothing to resume)."""


class RunStore:
    """The runs of one sweep on disk, under `folder`."""

    def __init__(self, folder: str | os.PathLike, plan: dict, resume: bool) -> None:
        self.folder = Path(folder)
        self.runs_dir = self.folder / "runs"
        meta = self.folder / "sweep.json"
        if meta.exists():
            found = json.loads(meta.read_text())
            if not resume:
                raise SweepFolderError(f"--out {self.folder}: already holds a sweep; add --resume to finish it, "
                                       "or choose another folder")  # fmt: skip
            if found != plan:
                raise SweepFolderError(f"--out {self.folder}: holds a different sweep (scenario, --vary, "
                                       "--replications or --seed differ); resume it with the same options")  # fmt: skip
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps(plan, indent=2, default=str) + "\n")

    def path(self, variant: int, replication: int) -> Path:
        """The file of one run."""
        return self.runs_dir / f"v{variant:04d}-r{replication:04d}.parquet"

    def write(self, row: dict) -> None:
        """One finished run, written atomically (a stop mid-write leaves no half file behind)."""
        target = self.path(row["variant"], row["replication"])
        temporary = target.with_suffix(".tmp")
        pd.DataFrame([row]).to_parquet(temporary, index=False)
        os.replace(temporary, target)

    def done(self) -> set[tuple[int, int]]:
        """(variant, replication) of every run already finished without error."""
        keys = set()
        for path in sorted(self.runs_dir.glob("*.parquet")):
            frame = pd.read_parquet(path, columns=["variant", "replication", "status"])
            keys.update((int(v), int(r)) for v, r, s in frame.itertuples(index=False) if s == "ok")
        return keys

    def rows(self) -> pd.DataFrame:
        """Every run on disk, one row each, sorted by variant and replication."""
        frames = [pd.read_parquet(path) for path in sorted(self.runs_dir.glob("*.parquet"))]
        if not frames:
            return pd.DataFrame()
        return sort_runs(pd.concat(frames, ignore_index=True))

    def finish(self, runs: pd.DataFrame, variants: pd.DataFrame) -> None:
        """Write the two tables next to the per-run files."""
        runs.to_parquet(self.folder / "runs.parquet", index=False)
        variants.to_parquet(self.folder / "variants.parquet", index=False)


def sort_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs in input order (variant, then replication), whatever order they finished in."""
    return runs.sort_values(["variant", "replication"], kind="stable").reset_index(drop=True)
