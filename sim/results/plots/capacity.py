"""Figures of sweeps and sizing: a summary figure against a varied parameter, with 95% confidence bands.

Built from the tidy `variants` table (sim.capacity.sweep.variants_table), never from runs in memory:
one line per combination of the other varied values, a shaded band from ci_low to ci_high.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from ..figure import ExsimFigure


def _label(values: dict) -> str:
    return ", ".join(f"{path.rsplit('.', 1)[-1]}={value}" for path, value in values.items()) or None


def metric_against(variants: pd.DataFrame, metric: str, x: str, others: Sequence[str] = (),
                   slo: float | None = None, title: str | None = None) -> Figure:  # fmt: skip
    """`metric` (a figure of the variants table) against the varied path `x`, one line per other variant."""
    rows = variants[variants["figure"] == metric]
    if rows.empty:
        known = ", ".join(sorted(variants["figure"].unique()))
        raise ValueError(f"no figure {metric!r} in the sweep; choose one of {known}")
    fig = ExsimFigure(figsize=(7.5, 4.5), layout="constrained")
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
    ax.set_title(title or f"{metric} against {x}\n(mean of the replications, 95% confidence band)", loc="left",
                 fontsize=11)  # fmt: skip
    ax.grid(True, alpha=0.3)
    if others or slo is not None:
        ax.legend(loc="best", fontsize=8)
    if pd.api.types.is_integer_dtype(rows[x]):
        ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def sizing_figure(candidates: pd.DataFrame, parameter: str, metric: str, slo: float, answer=None) -> Figure:
    """A sizing's `metric` against the parameter: simulated mean and upper 95% end (worst case), analytic, objective."""
    fig = ExsimFigure(figsize=(7.5, 4.5), layout="constrained")
    ax = fig.add_subplot()
    x = candidates[parameter]
    analytic = candidates.get(f"analytic_{metric}")
    if analytic is not None:
        finite = analytic.astype(float).where(analytic.astype(float) < 1e12)
        ax.plot(x, finite, linestyle=":", marker=".", color="grey", label="analytic first pass (Erlang C)")
    mean, high = candidates.get(f"sim_{metric}_mean"), candidates.get(f"sim_{metric}_ci_high")
    if mean is not None:
        ran = mean.notna()
        ax.plot(x[ran], mean[ran], marker="o", color="tab:blue", label="simulated mean (worst combination)")
        ax.vlines(x[ran], mean[ran], high[ran], color="tab:blue", linewidth=3, alpha=0.5, label="to the upper 95% end")
    ax.axhline(slo, color="crimson", linestyle="--", linewidth=1.2, label=f"objective {metric} <= {slo:g}")
    if answer is not None:
        ax.axvline(answer, color="green", linewidth=1, alpha=0.6, label=f"answer: {answer}")
    if analytic is not None:  # a candidate with no finite figure (no Hub left) still shows, as a failure at the line
        hopeless = ~(analytic.astype(float) < 1e12)
        if hopeless.any():
            ax.plot(x[hopeless], [slo] * int(hopeless.sum()), linestyle="", marker="X", markersize=11, color="crimson",
                    label="fails outright (no finite figure)")  # fmt: skip
    shown = [v for column in (analytic, mean, high) if column is not None for v in column.astype(float) if 0 < v < 1e12]
    log = bool(shown) and max(shown + [slo]) / min(shown + [slo]) > 20
    if log:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"{metric} at the busiest hour" + (" (log scale)" if log else ""))
    ax.set_title(f"Sizing {parameter}:\n{metric} against the objective", loc="left", fontsize=11)
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(loc="best", fontsize=8)
    return fig
