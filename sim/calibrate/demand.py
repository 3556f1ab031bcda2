"""CPU demand per message from utilisation beside throughput: the Service Demand Law, fitted.

The Service Demand Law (Denning and Buzen, "The Operational Analysis of Queueing Network Models", 1978; Menasce,
Almeida and Dowdy, "Performance by Design", 2004) says a resource busy U of the time while it completes X
messages a second spends D = U / X on each: U = X D. A server also does work that no message causes (the OS,
monitoring, other services), so per measured interval U_i = U0 + X_i D + error, and D is the slope of the ordinary
least squares line of utilisation on throughput (estimating service demands by regression on measured intervals,
as Menasce et al. describe). Its interval is the Student t interval of an OLS slope,
D +/- t(1 - alpha/2, n - 2) s / sqrt(Sxx), with s^2 the residual mean square and Sxx the sum of squared
deviations of X (any regression text, e.g. Montgomery and Runger, "Applied Statistics and Probability for
Engineers", simple linear regression).

The data cannot decide D, and `fit_line` and `server_demand` refuse with one line, when there are fewer than
three intervals (no residual degree of freedom), when the throughput never varies (Sxx = 0: the slope is
undefined), or (for a server) when the interval reaches zero or below (the data cannot tell the per-message cost
from none).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .organisation import CalibrationError

DEMAND_CONFIDENCE = 0.95
MIN_INTERVALS = 3
"""Two points fit any line exactly: a third is the least that leaves a residual to estimate the error from."""


@dataclass(frozen=True)
class LineFit:
    """U = intercept + slope X by least squares, with the slope's Student t interval."""

    n: int
    slope: float
    intercept: float
    half_width: float
    """t(1 - alpha/2, n - 2) times the slope's standard error."""
    r2: float
    residual_sd: float
    """s, the residuals' standard deviation (n - 2 degrees of freedom)."""
    x_mean: float
    sxx: float
    t: float
    confidence: float = DEMAND_CONFIDENCE

    @property
    def low(self) -> float:
        """Lower end of the slope's interval."""
        return self.slope - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the slope's interval."""
        return self.slope + self.half_width

    def band(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The fitted line at x and its confidence band for the mean of U there (fitted +/- t s sqrt(1/n +
        (x - mean)^2 / Sxx)), for the report's figure."""
        x = np.asarray(x, dtype=float)
        fitted = self.intercept + self.slope * x
        half = self.t * self.residual_sd * np.sqrt(1.0 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        return fitted, fitted - half, fitted + half


def fit_line(x, y, where: str = "the counters", confidence: float = DEMAND_CONFIDENCE) -> LineFit:
    """Least squares y = a + b x over the finite pairs; CalibrationError (one line naming `where`) when the data
    cannot give a slope and an interval."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n < MIN_INTERVALS:
        raise CalibrationError(f"{where}: {n} interval(s) with both counters, too few to fit demand (at least "
                               f"{MIN_INTERVALS}); log more samples (relog keeps every one: -t 1)")  # fmt: skip
    x_mean, y_mean = float(x.mean()), float(y.mean())
    sxx = float(((x - x_mean) ** 2).sum())
    if sxx <= 1e-12 * max(1.0, x_mean * x_mean) * n:
        raise CalibrationError(f"{where}: the message rate is the same in every interval ({x_mean:.4g}/s), so "
                               "the cost per message cannot be told from the background; log hours of "
                               "different load (a whole working day)")  # fmt: skip
    slope = float(((x - x_mean) * (y - y_mean)).sum()) / sxx
    intercept = y_mean - slope * x_mean
    residuals = y - (intercept + slope * x)
    sse, sst = float((residuals**2).sum()), float(((y - y_mean) ** 2).sum())
    s = math.sqrt(sse / (n - 2))
    from scipy.stats import t as student_t  # imported here: only calibrate --perfmon pays for scipy

    t = float(student_t.ppf(0.5 + confidence / 2.0, n - 2))
    r2 = 1.0 - sse / sst if sst > 0 else 0.0
    return LineFit(n, slope, intercept, t * s / math.sqrt(sxx), r2, s, x_mean, sxx, t, confidence)


@dataclass(frozen=True)
class ServerDemand:
    """One server's CPU demand per message, from its Processor time against a message rate."""

    server: str
    cores: int
    cores_from: str
    """Where the core count came from: the log's Processor(n) instances, --cores, or the scenario default."""
    rate_from: str
    """The counter path (or tracking log events) the message rate was read from."""
    fit: LineFit
    """% Processor Time (of all cores) against messages per second."""
    rates: tuple[float, ...] = ()
    """The intervals' messages per second (x), for the report's figure."""
    utilisation: tuple[float, ...] = ()
    """The intervals' % Processor Time (y)."""

    @property
    def seconds(self) -> float:
        """CPU-seconds per message: the slope in percent of all cores x cores / 100 (a core-second is one core
        busy for a second)."""
        return self.fit.slope * self.cores / 100.0

    @property
    def low(self) -> float:
        """Lower end of its interval, in CPU-seconds."""
        return self.fit.low * self.cores / 100.0

    @property
    def high(self) -> float:
        """Upper end of its interval, in CPU-seconds."""
        return self.fit.high * self.cores / 100.0

    @property
    def background(self) -> float:
        """U0: % Processor Time at no mail (the intercept)."""
        return self.fit.intercept

    def summary(self) -> str:
        """One line: the demand, its interval, R^2 and n."""
        f = self.fit
        return (f"{self.server}: {self.seconds * 1000:.2f} ms CPU per message ({f.confidence:.0%} interval "
                f"{self.low * 1000:.2f} to {self.high * 1000:.2f} ms), background {self.background:.1f}%, "
                f"R² {f.r2:.3f}, n {f.n}, {self.cores} cores ({self.cores_from}); rate from {self.rate_from}")  # fmt: skip


def server_demand(server: str, rates, utilisation, cores: int, cores_from: str, rate_from: str) -> ServerDemand:
    """Fit one server; refuse (one line) when the interval reaches zero: no cost per message is shown."""
    fit = fit_line(rates, utilisation, where=f"{server} ({rate_from})")
    demand = ServerDemand(server, cores, cores_from, rate_from, fit, tuple(rates), tuple(utilisation))
    if fit.low <= 0:
        raise CalibrationError(f"{server}: the {fit.confidence:.0%} interval of the CPU per message reaches zero or "
                               f"below ({demand.low * 1000:.3g} to {demand.high * 1000:.3g} ms over {fit.n} "
                               "intervals): the counters cannot tell the cost from none; log busier hours or "
                               "more of them")  # fmt: skip
    return demand
