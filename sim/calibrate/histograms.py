"""Distributions folded one value at a time, in constant memory: counts per whole number, counts per log bin.

Why: a month of tracking logs holds tens of millions of sizes and latencies; keeping them all would undo
the streaming reader. A count per whole number is exact for recipients per message. For sizes and
latencies a bin 1% wide (the bins' edges grow by 1.01) keeps quantiles within 1% and needs at most a few
thousand counts; the mean, the variance and the lognormal fit come from exact running sums instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RATIO = 1.01
"""Each log bin's upper edge is 1% above its lower edge."""
_LOG_RATIO = math.log(RATIO)


def _quantile_points(count: int) -> list[float]:
    """The probabilities (i + 0.5) / count: the midpoints of `count` equal slices of the distribution."""
    return [(i + 0.5) / count for i in range(count)]


class Counts:
    """How often each whole number was seen (recipients per message, members per expansion)."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}

    def add(self, value: int, times: int = 1) -> None:
        """Count `value` once (or `times` times)."""
        self.counts[value] = self.counts.get(value, 0) + times

    def add_many(self, values: np.ndarray) -> None:
        """Count each of an array of whole numbers."""
        if len(values):
            unique, counts = np.unique(values, return_counts=True)
            for value, n in zip(unique.tolist(), counts.tolist()):
                self.add(value, n)

    def merge(self, other: Counts) -> None:
        """Add another tally's counts to this one."""
        for value, n in other.counts.items():
            self.add(value, n)

    @property
    def n(self) -> int:
        """Values counted."""
        return sum(self.counts.values())

    @property
    def mean(self) -> float:
        """Their mean (nan when empty)."""
        n = self.n
        return sum(v * c for v, c in self.counts.items()) / n if n else math.nan

    @property
    def variance(self) -> float:
        """Their variance (population form; nan when empty)."""
        n, mean = self.n, self.mean
        return sum(c * (v - mean) ** 2 for v, c in self.counts.items()) / n if n else math.nan

    def pmf(self) -> dict[int, float]:
        """Share of each value, in value order."""
        n = self.n
        return {v: self.counts[v] / n for v in sorted(self.counts)} if n else {}

    def quantile(self, p: float) -> int:
        """The smallest value whose cumulative share reaches p."""
        n, seen = self.n, 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= p * n:
                return value
        raise ValueError("no values counted")

    def samples(self, count: int) -> list[int]:
        """`count` values, one per equal slice of the distribution: its quantiles at (i + 0.5) / count, but
        the last is the mean of the top slice (rounded), so rare large values still weigh in the mean. An
        empirical distribution drawing from them keeps every share to within 1 / count."""
        if not self.counts:
            return []
        values, shares, out, at, seen = sorted(self.counts), self.counts, [], 0, 0
        total = self.n
        for p in _quantile_points(count):
            while seen + shares[values[at]] < p * total:
                seen += shares[values[at]]
                at += 1
            out.append(values[at])
        top, need, weight = 0.0, total / count, 0.0
        for value in reversed(values):
            take = min(shares[value], need - weight)
            top, weight = top + take * value, weight + take
            if weight >= need:
                break
        out[-1] = max(out[-1], round(top / weight))
        return out


class LogBins:
    """Positive values (bytes, seconds) counted in bins 1% wide, with exact running sums for the moments.

    Values at or below `floor` share bin 0 (a latency of 0 ms; a size of 0 bytes), as do values that are
    not positive. Quantiles interpolate geometrically inside a bin, so they are within 1% of the data's.
    """

    __slots__ = ("floor", "bins", "n", "total", "total_sq", "log_total", "log_total_sq", "positive", "largest",
                 "smallest", "fit", "_shift")  # fmt: skip

    def __init__(self, floor: float = 1.0, fit: bool = False) -> None:
        self.floor = floor
        self.fit = fit  # keep the sums of logarithms the lognormal fit needs
        self._shift = -math.log(floor) / _LOG_RATIO + 1.0
        self.bins: dict[int, int] = {}
        self.n = 0
        self.total = 0.0
        self.total_sq = 0.0
        self.log_total = 0.0
        self.log_total_sq = 0.0
        self.positive = 0
        self.largest = -math.inf
        self.smallest = math.inf

    def add(self, value: float, times: int = 1) -> None:
        """Count one value (`times` times: a latency shared by the recipients of one row)."""
        self.n += times
        self.total += value * times
        self.total_sq += value * value * times
        if value > self.largest:
            self.largest = value
        if value < self.smallest:
            self.smallest = value
        if value > self.floor:
            log = math.log(value)
            at = int(log / _LOG_RATIO + self._shift)
            if self.fit:
                self.positive += times
                self.log_total += log * times
                self.log_total_sq += log * log * times
        else:
            at = 0
            if self.fit and value > 0:
                log = math.log(value)
                self.positive += times
                self.log_total += log * times
                self.log_total_sq += log * log * times
        bins = self.bins
        bins[at] = bins.get(at, 0) + times

    def add_many(self, values: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Count an array of values (each `weights` times), as `add` would one by one."""
        values = np.asarray(values, dtype=np.float64)
        if not len(values):
            return
        w = np.ones(len(values), dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)
        self.n += int(w.sum())
        self.total += float((values * w).sum())
        self.total_sq += float((values * values * w).sum())
        self.largest = max(self.largest, float(values.max()))
        self.smallest = min(self.smallest, float(values.min()))
        above = values > self.floor
        at = np.zeros(len(values), dtype=np.int64)
        at[above] = (np.log(values[above]) / _LOG_RATIO + self._shift).astype(np.int64)
        if self.fit:
            positive = values > 0
            logs = np.log(values[positive])
            self.positive += int(w[positive].sum())
            self.log_total += float((logs * w[positive]).sum())
            self.log_total_sq += float((logs * logs * w[positive]).sum())
        unique, inverse = np.unique(at, return_inverse=True)
        sums = np.bincount(inverse, weights=w)
        bins = self.bins
        for key, n in zip(unique.tolist(), sums.tolist()):
            bins[key] = bins.get(key, 0) + int(n)

    def merge(self, other: LogBins) -> None:
        """Add another tally (of the same floor) to this one."""
        for at, n in other.bins.items():
            self.bins[at] = self.bins.get(at, 0) + n
        self.n += other.n
        self.total += other.total
        self.total_sq += other.total_sq
        self.log_total += other.log_total
        self.log_total_sq += other.log_total_sq
        self.positive += other.positive
        self.largest = max(self.largest, other.largest)
        self.smallest = min(self.smallest, other.smallest)

    @property
    def mean(self) -> float:
        """Exact mean of the values (nan when empty)."""
        return self.total / self.n if self.n else math.nan

    @property
    def std(self) -> float:
        """Exact standard deviation (population form)."""
        if not self.n:
            return math.nan
        return math.sqrt(max(self.total_sq / self.n - self.mean**2, 0.0))

    def edges(self, at: int) -> tuple[float, float]:
        """The lower and upper edge of bin `at` (bin 0: from 0 to the floor)."""
        if at == 0:
            return 0.0, self.floor
        return self.floor * RATIO ** (at - 1), self.floor * RATIO**at

    def quantile(self, p: float) -> float:
        """The p-quantile, interpolated geometrically inside its bin (linearly in bin 0), the bin's edges
        narrowed to the smallest and largest value seen: values all alike have that value as every quantile
        (the bin's own edges are up to 1% apart, which put the median of identical sizes 0.14% low)."""
        if not self.n:
            return math.nan
        target, seen = p * self.n, 0
        for at in sorted(self.bins):
            count = self.bins[at]
            if seen + count >= target:
                low, high = self.edges(at)
                low, high = max(low, min(self.smallest, high)), min(high, max(self.largest, low))
                share = (target - seen) / count
                if at == 0 or low <= 0:
                    return low + share * (high - low)
                return low * (high / low) ** share
            seen += count
        return self.largest

    def samples(self, count: int) -> list[float]:
        """`count` values, one per equal slice of the distribution: the mean of the values in the slice, so
        the samples' mean is the data's (the long tail of sizes carries much of the bytes) and their shares
        are within 1 / count of the data's. Bin contents count at their bin's middle; the slices are then
        scaled so their mean is the exact mean."""
        if not self.n:
            return []
        need = self.n / count
        out: list[float] = []
        level = weight = 0.0
        for at in sorted(self.bins):
            low, high = self.edges(at)
            middle = (low + high) / 2
            left = float(self.bins[at])
            while left > 1e-9:
                take = min(left, need - weight)
                level, weight, left = level + take * middle, weight + take, left - take
                if weight >= need - 1e-9:
                    out.append(level / weight)
                    level = weight = 0.0
        if weight > 1e-6 and len(out) < count:
            out.append(level / weight)
        mean = sum(out) / len(out)
        return [v * self.mean / mean for v in out] if mean > 0 else out

    def lognormal(self) -> LognormalFit | None:
        """The lognormal of the positive values by maximum likelihood (mean and sd of their logarithms); None
        for fewer than two values or values all alike."""
        if self.positive < 2:
            return None
        mu = self.log_total / self.positive
        sigma2 = self.log_total_sq / self.positive - mu * mu
        return LognormalFit(mu, math.sqrt(sigma2)) if sigma2 > 1e-12 else None  # all alike: no spread to fit

    def histogram(self, per_bin: int = 20) -> list[tuple[float, float, int]]:
        """Counts in wider bins (`per_bin` 1% bins each, about 22% wide) for plots: (low, high, count)."""
        merged: dict[int, int] = {}
        for at, n in self.bins.items():
            key = 0 if at == 0 else (at - 1) // per_bin + 1
            merged[key] = merged.get(key, 0) + n
        out = []
        for key in sorted(merged):
            low = 0.0 if key == 0 else self.floor * RATIO ** ((key - 1) * per_bin)
            high = self.floor if key == 0 else self.floor * RATIO ** (key * per_bin)
            out.append((low, high, merged[key]))
        return out


@dataclass(frozen=True)
class LognormalFit:
    """A lognormal by its parameters mu and sigma (of log x), with the mean and cv exsim's schema takes."""

    mu: float
    sigma: float

    @property
    def mean(self) -> float:
        """exp(mu + sigma^2 / 2)."""
        return math.exp(self.mu + self.sigma**2 / 2)

    @property
    def cv(self) -> float:
        """sqrt(exp(sigma^2) - 1)."""
        return math.sqrt(math.expm1(self.sigma**2))

    def cdf(self, x: float) -> float:
        """P(X <= x)."""
        if x <= 0:
            return 0.0
        return 0.5 * math.erfc(-(math.log(x) - self.mu) / (self.sigma * math.sqrt(2)))
