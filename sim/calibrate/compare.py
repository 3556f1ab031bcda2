"""Observed against simulated: run the calibrated scenario, read its tracking logs the same way, set the
figures side by side with their differences.

Why the same reader: the simulated figures then come from exactly the definitions the observed ones did
(rates over exposure, shares per recipient at the end of its journey, latency from SUBMIT), so a difference
is the model's, not the bookkeeping's.

Each difference that rests on counts gets a z score: the difference over the standard error of both sides
from their counts (Poisson for rates, binomial for shares, the sample standard deviation for means). With
|z| above 3 the difference is more than sampling error explains. Latencies have no z: they are the target
the scenario's stage costs are tuned to, not an input it was built from.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass

import yaml

from ..formats.tracking_write import write_logs
from ..runner import run
from ..scenario.loading import load_scenario
from .derive import Calibration, Curve
from .read import calibrate

Z_FLAG = 3.0
"""|z| above this: the difference is more than sampling error."""

QUANTILES = (0.5, 0.9, 0.99)
"""The quantiles of size and latency set side by side."""


@dataclass(frozen=True)
class Row:
    """One figure observed and simulated."""

    section: str
    figure: str
    observed: float
    simulated: float
    z: float | None = None

    @property
    def difference(self) -> float:
        """simulated - observed."""
        return self.simulated - self.observed

    @property
    def relative(self) -> float:
        """The difference as a share of the observed value (nan when that is 0)."""
        return self.difference / self.observed if self.observed else math.nan

    @property
    def flagged(self) -> bool:
        """True when the difference is more than sampling error explains."""
        return self.z is not None and abs(self.z) > Z_FLAG


def simulate(scenario_text: str, observed: Calibration, seed: int | None = None, progress: bool = False) -> Calibration:
    """Run the calibrated scenario and calibrate its own tracking logs, with the observed site names."""
    scenario = load_scenario(yaml.safe_load(scenario_text))
    if not scenario.tracking_log:
        scenario = scenario.model_copy(update={"tracking_log": True})
    result = run(scenario, seed, progress=progress)
    sites = {server.name: server.site for server in observed.organisation.servers.values()}
    with tempfile.TemporaryDirectory(prefix="exsim-calibrate-") as folder:
        write_logs(result.tracking_log, folder)
        return calibrate([folder], sites=sites)


def _z(difference: float, *variances: float) -> float | None:
    total = sum(v for v in variances if not math.isnan(v))
    return difference / math.sqrt(total) if total > 0 else None


def _rate_row(section: str, figure: str, observed: float, n_obs: int, simulated: float, n_sim: int) -> Row:
    variance = [observed**2 / n_obs if n_obs else math.nan, simulated**2 / n_sim if n_sim else math.nan]
    return Row(section, figure, observed, simulated, _z(simulated - observed, *variance))


def _share_row(section: str, figure: str, p: float, n: int, q: float, m: int) -> Row:
    variance = [p * (1 - p) / n if n else math.nan, q * (1 - q) / m if m else math.nan]
    return Row(section, figure, p, q, _z(q - p, *variance))


def _mean_row(section: str, figure: str, a_mean: float, a_sd: float, n: int, b_mean: float, b_sd: float, m: int) -> Row:
    variance = [a_sd**2 / n if n else math.nan, b_sd**2 / m if m else math.nan]
    return Row(section, figure, a_mean, b_mean, _z(b_mean - a_mean, *variance))


def _curve_rows(observed: Curve, simulated: Curve) -> list[Row]:
    rows = [_rate_row("Submissions", "messages a day", observed.per_day(), observed.total, simulated.per_day(),
                      simulated.total)]  # fmt: skip
    n, m = observed.total, simulated.total
    for hour, (a, b) in enumerate(zip(observed.weights(), simulated.weights())):
        if observed.hour_covered(hour) and simulated.hour_covered(hour) and n and m:
            # a weight is 24 x the hour's share of the day's mail; its variance from the multinomial
            p, q = a / 24, b / 24
            rows.append(Row("Diurnal weight", f"{hour:02d}:00", a, b, _z(b - a, 576 * p * (1 - p) / n,
                                                                          576 * q * (1 - q) / m)))  # fmt: skip
    return rows


def compare(observed: Calibration, simulated: Calibration) -> list[Row]:
    """Every figure both calibrations have, observed first."""
    rows = _curve_rows(observed.submissions, simulated.submissions)
    for part in (_server_rows, _message_rows, _destination_rows, _internet_rows, _latency_rows):
        rows += part(observed, simulated)
    n_obs, n_sim = max(observed.recipients.n, 1), max(simulated.recipients.n, 1)
    rows.append(Row("Other", "expansions per 1,000 messages", observed.expansions / n_obs * 1000,
                    simulated.expansions / n_sim * 1000))  # fmt: skip
    return rows


def _server_rows(observed: Calibration, simulated: Calibration) -> list[Row]:
    """Submissions a day per Mailbox server."""
    rows, sim_servers = [], {m.name: m for m in simulated.mailbox_servers}
    for m in observed.mailbox_servers:
        other = sim_servers.get(m.name)
        if m.curve and other is not None and other.curve:
            rows.append(_rate_row("Submissions", f"{m.name} a day", m.curve.per_day(), m.curve.total,
                                  other.curve.per_day(), other.curve.total))  # fmt: skip
    return rows


def _message_rows(observed: Calibration, simulated: Calibration) -> list[Row]:
    """Recipients per message and sizes."""
    rows = []
    a, b = observed.recipients, simulated.recipients
    if a.n and b.n:
        rows.append(_mean_row("Messages", "recipients per message, mean", a.mean, math.sqrt(a.variance), a.n,
                              b.mean, math.sqrt(b.variance), b.n))  # fmt: skip
    a, b = observed.sizes, simulated.sizes
    if a.n and b.n:
        rows.append(_mean_row("Messages", "size, mean (bytes)", a.mean, a.std, a.n, b.mean, b.std, b.n))
        rows += [Row("Messages", f"size, p{round(p * 100)} (bytes)", a.quantile(p), b.quantile(p)) for p in QUANTILES]
    return rows


def _destination_rows(observed: Calibration, simulated: Calibration) -> list[Row]:
    """Where mail goes, per site and in all."""
    rows = []
    for site, shares in observed.shares.items():
        other = simulated.shares.get(site)
        if other is None or not shares.total or not other.total:
            continue
        label = "all sites" if site == "all" else site
        for name, words in (("in_site", "in the sender's site"), ("other_sites", "in other sites"),
                            ("internet", "to the Internet"), ("ndr", "NDR")):  # fmt: skip
            rows.append(_share_row("Where mail goes", f"{label}: {words}", shares.share(name), shares.total,
                                   other.share(name), other.total))  # fmt: skip
    return rows


def _internet_rows(observed: Calibration, simulated: Calibration) -> list[Row]:
    """Internet mail accepted an hour, its recipients and sizes."""
    if observed.internet is None or simulated.internet is None:
        return []
    a_rate = observed.internet.total / _hours(observed.internet)
    b_rate = simulated.internet.total / _hours(simulated.internet)
    c, d = observed.internet_recipients, simulated.internet_recipients
    e, f = observed.internet_sizes, simulated.internet_sizes
    return [_rate_row("Internet", "messages accepted an hour", a_rate, observed.internet.total, b_rate,
                      simulated.internet.total),
            _mean_row("Internet", "recipients per message, mean", c.mean, math.sqrt(c.variance), c.n, d.mean,
                      math.sqrt(d.variance), d.n),
            _mean_row("Internet", "size, mean (bytes)", e.mean, e.std, e.n, f.mean, f.std, f.n)]  # fmt: skip


def _latency_rows(observed: Calibration, simulated: Calibration) -> list[Row]:
    """Latency quantiles per path."""
    rows = []
    for path, bins in observed.latency.items():
        other = simulated.latency.get(path)
        if other is not None and other.n:
            rows += [Row("Latency (s)", f"{path}, p{round(p * 100)}", bins.quantile(p), other.quantile(p))
                     for p in QUANTILES]  # fmt: skip
    return rows


def _hours(curve: Curve) -> float:
    return max(curve.window[1] - curve.window[0], 1.0) / 3600.0
