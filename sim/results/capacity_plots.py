"""Figures of sweeps and sizing: a summary figure against a varied parameter, with 95% confidence bands.

Built from the tidy `variants` table (sim.capacity.sweep.variants_table), never from runs in memory:
one line per combination of the other varied values, a shaded band from ci_low to ci_high.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure


def _label(values: dict) -> str:
    return ", ".join(f"{path.rsplit('.', 1)[-1]}={value}" for path, value in values.items()) or None


def metric_against(variants: pd.DataFrame, metric: str, x: str, others: Sequence[str] = (),
                   slo: float | None = None, title: str | None = None) -> Figure:  # fmt: skip
    """`metric` (a figure of the variants table) against the varied path `x`, one line per other variant."""
    rows = variants[variants["figure"] == metric]
    if rows.empty:
        known = ", ".join(sorted(variants["figure"].unique()))
        raise ValueError(f"no figure {metric!r} in the sweep; choose one of {known}")
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    groups = rows.groupby(list(others), sort=True) if others else [((), rows)]
    for key, group in groups:
        group = group.sort_values(x)
        key = key if isinstance(key, tuple) else (key,)
        label = _label(dict(zip(others, key)))
        line = ax.plot(group[x], group["mean"], marker="o", label=label)[0]
        ax.fill_between(group[x], group["ci_low"], group["ci_high"], color=line.get_color(), alpha=0.2, linewidth=0)
    if slo is not None:
        ax.axhline(slo, color="crimson", linestyle="--", linewidth=1.2, label=f"objective {slo:g}")
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    ax.set_title(title or f"{metric} against {x} (mean, 95% confidence band)")
    ax.grid(True, alpha=0.3)
    if others or slo is not None:
        ax.legend(loc="best", fontsize=8)
    if pd.api.types.is_integer_dtype(rows[x]):
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig
