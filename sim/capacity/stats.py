"""Means with Student t confidence intervals, and whether two sets of replications differ significantly.

Replications are independent and identically distributed, so a figure's mean over n replications has
a (1 - alpha) interval mean +/- t(1 - alpha/2, n - 1) s / sqrt(n) (Student t; with few replications
the normal quantile would cover far less often than claimed, tests/test_capacity_stats.py checks it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean and its confidence interval over n replications (half_width is nan when n < 2)."""

    n: int
    mean: float
    std: float
    half_width: float

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval: what a service-level objective is checked against."""
        return self.mean + self.half_width


def interval(values, confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student t interval of the finite values (nan values, e.g. from failed runs, are left out)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(0, math.nan, math.nan, math.nan)
    if n == 1:
        return Interval(1, float(x[0]), math.nan, math.nan)
    from scipy import stats  # imported when first needed: it costs `import sim` most of a second

    std = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
    return Interval(n, float(x.mean()), std, half)


def difference(a, b, paired: bool = False) -> tuple[float, float]:
    """(mean of b - mean of a, p-value): paired t test on common random numbers, else Welch's t test.

    The p-value is nan when either side has fewer than two finite values or both sides are constant.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
    else:
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) == 0 or len(y) == 0:
        return math.nan, math.nan
    delta = float(y.mean() - x.mean())
    if len(x) < 2 or len(y) < 2 or (np.ptp(x) == 0 and np.ptp(y) == 0):
        return delta, math.nan
    from scipy import stats

    if paired:
        if np.ptp(y - x) == 0:
            return delta, 0.0 if delta != 0 else 1.0
        result = stats.ttest_rel(y, x)
    else:
        result = stats.ttest_ind(y, x, equal_var=False)
    return delta, float(result.pvalue)
