"""Figures of a calibration for its report, each with the simulated figures beside the observed when given.

matplotlib Figures built directly (never pyplot), as sim.results.plots does: the hourly curve, the
recipients and size distributions with their fits, where mail goes, Internet mail per hour, and latency per
path. Observed is always the filled bars; simulated is the dark line or outline on top.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator

from ..results.figure import ExsimFigure
from .demand import ServerDemand
from .derive import Calibration

OBSERVED = "#4C78A8"
SIMULATED = "#222222"
FIT = "#E45756"


def _figure(width: float = 8.0, height: float = 3.6) -> tuple[Figure, object]:
    fig = ExsimFigure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def hourly(observed: Calibration, simulated: Calibration | None = None) -> Figure:
    """Submissions per hour of the day (the diurnal curve), observed bars and simulated line."""
    return _per_hour(
        observed.timezone, observed.submissions, f"{observed.submissions.total:,} submissions",
        simulated.submissions if simulated is not None else None,
        "messages submitted per hour", "When users send: the diurnal curve",
    )  # fmt: skip


def _per_hour(timezone: str, observed, label: str, simulated, ylabel: str, title: str) -> Figure:
    """Observed counts per hour of the day as bars (when there are any), simulated as a line on top."""
    fig, ax = _figure()
    hours = np.arange(24)
    if observed is not None:
        ax.bar(hours, np.nan_to_num(np.array(observed.hourly())), color=OBSERVED, label=f"observed ({label})")
    if simulated is not None:
        ax.plot(hours, simulated.hourly(), color=SIMULATED, marker="o", ms=3, label="simulated")
    ax.set_xticks(hours[::2], [f"{h:02d}" for h in hours[::2]])
    ax.set_xlabel(f"hour of the day ({timezone})")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


def servers(observed: Calibration, most: int = 8) -> Figure:
    """Each Mailbox server's own curve (the busiest `most`): the scenario gives them all the org's curve."""
    fig, ax = _figure()
    hours = np.arange(24)
    loads = sorted((m for m in observed.mailbox_servers if m.curve is not None and m.curve.total),
                   key=lambda m: -m.curve.total)[:most]  # fmt: skip
    for m in loads:
        ax.plot(hours, m.curve.hourly(), marker="o", ms=2, label=f"{m.name} ({m.curve.total:,}, {m.source})")
    ax.set_xticks(hours[::2], [f"{h:02d}" for h in hours[::2]])
    ax.set_xlabel(f"hour of the day ({observed.timezone})")
    ax.set_ylabel("messages submitted per hour")
    ax.set_title("Each Mailbox server's users (the busiest)" if len(observed.mailbox_servers) > most
                 else "Each Mailbox server's users")  # fmt: skip
    ax.legend(frameon=False, fontsize=8)
    return fig


def recipients(observed: Calibration, simulated: Calibration | None = None) -> Figure:
    """Recipients per message: observed shares, the fitted geometric, and simulated shares."""
    fig, ax = _figure()
    pmf = observed.recipients.pmf()
    top = max((k for k, p in pmf.items() if p >= 0.001), default=1)
    ks = np.arange(1, top + 1)
    ax.bar(
        ks, [pmf.get(int(k), 0.0) for k in ks], color=OBSERVED, label=f"observed ({observed.recipients.n:,} messages)"
    )
    mean = max(observed.recipients.mean, 1.0)
    ax.plot(ks, (1 / mean) * (1 - 1 / mean) ** (ks - 1), color=FIT, ls="--", label=f"fitted geometric, mean {mean:.2f}")
    if simulated is not None and simulated.recipients.n:
        other = simulated.recipients.pmf()
        ax.bar(ks, [other.get(int(k), 0.0) for k in ks], fill=False, edgecolor=SIMULATED, lw=1.5, label="simulated")
    ax.set_xlabel("recipients per message")
    ax.set_ylabel("share of messages")
    ax.set_title("Recipients per message")
    ax.legend(frameon=False)
    return fig


def sizes(observed: Calibration, simulated: Calibration | None = None) -> Figure:
    """Message sizes on a log scale: observed density, the fitted lognormal, simulated density."""
    fig, ax = _figure()
    bins = observed.sizes
    table = [(low, high, n) for low, high, n in bins.histogram() if low > 0]
    if table:
        lows, highs, counts = (np.array(c, dtype=float) for c in zip(*table))
        width = np.log10(highs) - np.log10(lows)
        density = counts / bins.n / width
        ax.bar(np.log10(lows), density, width=width, align="edge", color=OBSERVED,
               label=f"observed ({bins.n:,} messages, mean {bins.mean / 1024:.0f} KB)")  # fmt: skip
        fit = bins.lognormal()
        if fit is not None:
            x = np.linspace(np.log10(lows.min()), np.log10(highs.max()), 200)
            pdf = [(fit.cdf(10 ** (v + 0.005)) - fit.cdf(10 ** (v - 0.005))) / 0.01 for v in x]
            ax.plot(
                x, pdf, color=FIT, ls="--", label=f"fitted lognormal, mean {fit.mean / 1024:.0f} KB, cv {fit.cv:.2f}"
            )
        if simulated is not None and simulated.sizes.n:
            other = [(lo, hi, n) for lo, hi, n in simulated.sizes.histogram() if lo > 0]
            lo, hi, n = (np.array(c, dtype=float) for c in zip(*other))
            w = np.log10(hi) - np.log10(lo)
            ax.step(np.log10(lo) + w / 2, n / simulated.sizes.n / w, where="mid", color=SIMULATED, label="simulated")
    ticks = [2**10, 2**14, 2**17, 2**20, 2**23]
    ax.set_xticks(np.log10(ticks), ["1 KB", "16 KB", "128 KB", "1 MB", "8 MB"])
    ax.set_xlabel("message size")
    ax.set_ylabel("share per decade")
    ax.set_title("Message sizes" if table else "Message sizes: none stated in the logs")
    if table:
        ax.legend(frameon=False, fontsize=8)
    return fig


def paths(observed: Calibration, simulated: Calibration | None = None) -> Figure:
    """Where the recipients of mail submitted in each site went: shares, observed and simulated."""
    fig, ax = _figure()
    sites = [s for s in observed.shares if s != "all"] + ["all"]
    kinds = (("in_site", "sender's site"), ("other_sites", "other sites"), ("internet", "Internet"), ("ndr", "NDR"))
    colours = ("#4C78A8", "#72B7B2", "#F58518", "#E45756")
    y = np.arange(len(sites))
    left = np.zeros(len(sites))
    for (name, words), colour in zip(kinds, colours):
        shares = np.array([observed.shares[s].share(name) for s in sites])
        ax.barh(y, shares, left=left, color=colour, label=words, height=0.6)
        left += np.nan_to_num(shares)
    if simulated is not None:
        for i, site in enumerate(sites):
            other = simulated.shares.get(site)
            if other is None or not other.total:
                continue
            edges = np.cumsum([other.share(name) for name, _ in kinds])[:-1]
            ax.vlines(edges, i - 0.38, i + 0.38, color=SIMULATED, lw=2, label="simulated" if i == 0 else None)
    ax.set_yticks(y, [f"from {s}" if s != "all" else "all mail" for s in sites])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of recipients")
    ax.set_title("Where mail goes (simulated: the dark marks between the shares)")
    ax.legend(frameon=False, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.25), fontsize=8)
    return fig


def internet(observed: Calibration, simulated: Calibration | None = None) -> Figure:
    """Internet mail accepted per hour of the day."""
    seen = observed.internet
    return _per_hour(
        observed.timezone, seen, f"{seen.total:,} messages" if seen is not None else "",
        simulated.internet if simulated is not None else None,
        "messages accepted per hour", "Mail from the Internet, accepted by the Edges",
    )  # fmt: skip


def latency(observed: Calibration, simulated: Calibration | None = None) -> Figure:
    """Latency from SUBMIT to DELIVER (or SEND) per path: median and p99, observed and simulated."""
    fig, ax = _figure(height=max(2.4, 0.5 * len(observed.latency) + 1.2))
    names = list(observed.latency)
    y = np.arange(len(names))
    for i, name in enumerate(names):
        bins = observed.latency[name]
        ax.plot([bins.quantile(0.5), bins.quantile(0.99)], [i + 0.12] * 2, color=OBSERVED, lw=5,
                solid_capstyle="butt", label="observed median to p99" if i == 0 else None)  # fmt: skip
        other = simulated.latency.get(name) if simulated is not None else None
        if other is not None and other.n:
            ax.plot([other.quantile(0.5), other.quantile(0.99)], [i - 0.12] * 2, color=SIMULATED, lw=5,
                    solid_capstyle="butt", label="simulated median to p99" if i == 0 else None)  # fmt: skip
    ax.set_yticks(y, names)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
    ax.set_xlabel("seconds from SUBMIT (log scale)")
    ax.set_title("Latency per path: the calibration target")
    ax.legend(frameon=False, fontsize=8)
    return fig


def cpu_fit(fitted: ServerDemand) -> Figure:
    """One server's % Processor Time against its message rate, per interval, with the least squares line and its
    95% band for the mean (the Service Demand Law's U = U0 + X D; the slope is the demand)."""
    fig, ax = _figure(6.4, 4.0)
    x, y = np.asarray(fitted.rates, dtype=float), np.asarray(fitted.utilisation, dtype=float)
    ax.scatter(x, y, s=12, color=OBSERVED, label=f"{fitted.fit.n} intervals")
    grid = np.linspace(0.0, float(x.max()) * 1.05, 100)
    line, low, high = fitted.fit.band(grid)
    f = fitted.fit
    ax.fill_between(grid, low, high, color=FIT, alpha=0.2, linewidth=0, label=f"{f.confidence:.0%} band of the line")
    ax.plot(grid, line, color=FIT, label=f"U = {f.intercept:.2f}% + X x {f.slope:.3g}%·s (R² {f.r2:.3f})")
    ax.set_xlabel(f"messages per second ({fitted.rate_from})")
    ax.set_ylabel("% Processor Time (_Total)")
    ax.set_title(f"{fitted.server}: {fitted.seconds * 1000:.2f} ms CPU per message "
                 f"({fitted.low * 1000:.2f} to {fitted.high * 1000:.2f}), {fitted.cores} cores", fontsize=10)  # fmt: skip
    ax.set_xlim(left=0)
    ax.legend(frameon=False, fontsize=8)
    return fig
