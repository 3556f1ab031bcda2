"""Plain-text reports of sweeps, sizings and comparisons for the terminal."""

from __future__ import annotations

import math

import pandas as pd

SWEEP_FIGURES = ("peak_latency_p99_s", "peak_utilisation_max", "peak_max_queue_length", "throughput_per_hour",
                 "overloaded")  # fmt: skip


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-" if value is None or math.isnan(value) else "inf"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _mean_ci(mean: float, half: float) -> str:
    return _number(mean) + (f" ± {_number(half)}" if isinstance(half, float) and math.isfinite(half) else "")


def format_sweep(variants: pd.DataFrame, paths: list[str], figures=SWEEP_FIGURES) -> str:
    """One line per variant: its values, runs and errors, and key figures as mean ± 95% half-width."""
    if variants.empty:
        return "no runs"
    rows = []
    for _, group in variants.groupby("variant", sort=True):
        by_figure = group.set_index("figure")
        head = group.iloc[0]
        row = {path: str(head[path]) for path in paths}
        row.update(runs=str(head["runs"]), errors=str(head["errors"]))
        for name in figures:
            if name in by_figure.index:
                row[name] = _mean_ci(by_figure.loc[name, "mean"], by_figure.loc[name, "half_width"])
        rows.append(row)
    return _table(rows) + "\n(mean ± half-width of the 95% interval, Student t; peak_ = at the busiest hour)"


def _table(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    widths = {c: max(len(c), *(len(row.get(c, "")) for row in rows)) for c in columns}
    lines = ["  ".join(f"{c:>{widths[c]}}" for c in columns)]
    lines += ["  ".join(f"{row.get(c, ''):>{widths[c]}}" for c in columns) for row in rows]
    return "\n".join(lines)


def format_sizing(sizing, rule: list[str]) -> str:
    """Every candidate with its analytic and simulated figures and verdicts, then the answer and the rule of thumb."""
    slos = ", ".join(f"{k} <= {v:g}" for k, v in sizing.slos.items())
    hubs = f"{sizing.failures} Hub{'s' * (sizing.failures != 1)}"
    n_1 = f", with {hubs} of the site down in every combination" if sizing.failures else ""
    lines = [f"Sizing {sizing.parameter}: objectives {slos} at the busiest hour{n_1}", ""]
    rows = []
    for c in sizing.candidates:
        row = {sizing.parameter: str(c.value)}
        for k in sizing.slos:
            row[f"analytic {k}"] = _number(c.analytic.get(k, math.nan))
        row["utilisation"] = _number(c.analytic.get("utilisation", math.nan))
        row["analytic"] = "pass" if c.analytic_pass else "fail"
        for k in sizing.slos:
            mean, high = c.simulated.get(k, (None, None))
            row[f"simulated {k} (95% high)"] = f"{_number(mean)} ({_number(high)})" if mean is not None else "-"
        row["simulated"] = {None: "not run", True: "PASS", False: "FAIL"}[c.simulated_pass]
        row["worst case"] = c.worst
        rows.append(row)
    lines.append(_table(rows))
    for c in sizing.candidates:
        for note in c.notes:
            lines.append(f"  {sizing.parameter}={c.value}: {note}")
    parted = [c for c in sizing.candidates if c.simulated_pass is not None and c.simulated_pass != c.analytic_pass]
    if not parted:
        lines.append("\nThe analytic first pass and the simulation agree on every candidate simulated.")
    answer = sizing.answer
    lines.append("")
    lines.append(f"Answer: {sizing.parameter} = {answer}" if answer is not None else
                 "Answer: no candidate meets every objective; widen the range (--vary PATH=LOW..HIGH)")  # fmt: skip
    lines += rule
    return "\n".join(lines)


def format_compare(table: pd.DataFrame, a: str, b: str) -> str:
    """Figures side by side: A, B, B - A, relative change, p-value, and whether the difference is significant."""
    n_a, n_b = table.attrs.get("runs", (0, 0))
    test = "paired t test (same seeds)" if table.attrs.get("paired") else "Welch's t test"
    rows = []
    for r in table.itertuples(index=False):
        sig = {True: "yes", False: "no", None: "-"}[r.significant]
        rel = f"{r.relative * 100:+.1f}%" if math.isfinite(r.relative) else "-"
        rows.append({"figure": r.figure, "A": _number(r.a), "B": _number(r.b), "B - A": _number(r.difference),
                     "change": rel, "p": _number(r.p_value), "significant": sig})  # fmt: skip
    head = f"A = {a} ({n_a} run{'s' * (n_a != 1)})\nB = {b} ({n_b} run{'s' * (n_b != 1)})\n"
    foot = f"\nsignificant: p < 0.05, {test}" if n_a > 1 and n_b > 1 else "\n(one run a side: no significance)"
    return head + _table(rows) + foot
