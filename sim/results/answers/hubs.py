"""Answers about Hub capacity: is N-1 enough (a Hub fails), does the site fail over (a Transport service stops),
and how much headroom the busiest hour leaves (no fault: N-1 estimated from the load)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..palette import server_look
from ..plots.latency import draw_latency_over_time
from ..plots.time_series import UTILISATION_THRESHOLD, draw_utilisation, time_axes
from ..style import hours, shade_faults, tidy
from .common import ANSWER_BIN, count, fault_windows, figure, pct, titled, wait

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..view import ResultView

HUB_ROLES = ("Hub", "Mailbox+Hub")


def _hub_window(result: ResultView, kinds: tuple[str, ...]) -> dict | None:
    """The first fault window that took a Hub down (of the given kinds), from the summary."""
    roles = dict(zip(result.record.servers, result.record.server_roles))
    return next((w for w in fault_windows(result.summary(), kinds) if roles.get(w["target"]) in HUB_ROLES), None)


def n_minus_one(result: ResultView) -> Figure:
    """Is N-1 enough? The Hubs' core utilisation over time against the planning threshold, the failed Hub's window
    shaded, and latency over time beside it. Title: the busiest survivor's utilisation while the Hub was down
    (the summary's fault window figures), against the threshold."""
    window = _hub_window(result, ("server", "transport"))
    fig = figure(13, 4.8)
    load_ax, latency_ax = fig.subplots(1, 2, width_ratios=(1.25, 1))
    draw_utilisation(load_ax, result)
    load_ax.legend(loc="upper left", fontsize="small", framealpha=0.9, ncols=2)
    load_ax.set_title("core utilisation of each Hub and Edge, 5-minute bins", loc="left", fontsize=10)
    draw_latency_over_time(latency_ax, result)
    if window is None:
        return titled(fig, "No Hub failed in this run: nothing to say about N-1", "Is N-1 enough?", result)
    survivor = max(window["utilisation_by_server"], key=window["utilisation_by_server"].get, default="")
    busiest = window["utilisation_max"]
    span = (window["start_s"] / 3600, window["end_s"] / 3600)
    load_ax.plot(span, [busiest * 100] * 2, color="black", linewidth=1, zorder=5)
    load_ax.annotate(f"{survivor} {pct(busiest)} while down", (span[1], busiest * 100), xytext=(4, 6),
                     textcoords="offset points", fontsize="small", fontweight="bold")  # fmt: skip
    holds = busiest < UTILISATION_THRESHOLD and window["undelivered"] == 0
    verdict = "N-1 holds" if holds else "N-1 does not hold"
    lost = f"; {count(window['undelivered'])} recipients never delivered" if window["undelivered"] else ""
    answer = (f"{verdict}: the busiest survivor ({survivor}) at {pct(busiest)} of its cores while {window['target']} "
              f"was down, against {pct(UTILISATION_THRESHOLD)}{lost}")  # fmt: skip
    question = f"Is N-1 enough: do the other Hubs carry {window['target']}'s share?"
    return titled(fig, answer, question, result)


def _categorized(result: ResultView) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Messages categorized per Hub per 5-minute bin: (bin starts in seconds, {server: counts})."""
    frame = result.throughput
    if not len(frame):
        return np.zeros(0), {}
    times = frame["time"].to_numpy(dtype=float)
    bins = np.maximum(np.floor((times - 1e-9) / ANSWER_BIN), 0) * ANSWER_BIN
    table = frame.assign(bin=bins, server=frame["server"].astype(str))
    wide = table.pivot_table(index="bin", columns="server", values="messages", aggfunc="sum").fillna(0)
    return wide.index.to_numpy(dtype=float), {str(c): wide[c].to_numpy(dtype=float) for c in wide.columns}


def shares_during(result: ResultView, start: float, end: float) -> dict[str, float]:
    """Each Hub's share of the messages categorized while [start, end] lasted (samples closing inside it)."""
    frame = result.throughput
    inside = frame[(frame["time"] > start) & (frame["time"] <= end)]
    totals = inside.groupby(inside["server"].astype(str))["messages"].sum()
    return (totals / totals.sum()).to_dict() if totals.sum() else {}


def held_wait(result: ResultView, before: float) -> float:
    """The longest latency of mail submitted in the hour before `before` (the mail a failure caught in queues)."""
    from ..hours import Population

    waits = Population(result.record).between(before - 3600.0, before)
    return float(waits.max()) if len(waits) else 0.0


def failover(result: ResultView) -> Figure:
    """Does the site fail over? Messages categorized by each Hub per 5 minutes (new mail moves to the Hubs that
    are up), and latency over time (what was queued on the stopped Hub waits). Title: the survivors' share of
    new mail while it was down and the longest wait of the mail it held."""
    window = _hub_window(result, ("transport", "server"))
    fig = figure(13, 4.8)
    flow_ax, latency_ax = fig.subplots(1, 2, width_ratios=(1.25, 1))
    bins, by_server = _categorized(result)
    for server, counts in by_server.items():
        look = server_look(result.scenario, server)
        flow_ax.plot(hours(bins + ANSWER_BIN / 2), counts * 3600.0 / ANSWER_BIN, label=server, **look.line(len(bins)))
    shade_faults(flow_ax, result)
    time_axes(flow_ax, result, "messages per hour, 5-minute bins")
    flow_ax.set_ylim(bottom=0)
    flow_ax.set_title("new mail taken by each Hub (categorized)", loc="left", fontsize=10)
    flow_ax.legend(loc="upper left", fontsize="small", frameon=False)
    draw_latency_over_time(latency_ax, result)
    if window is None:
        return titled(fig, "No Hub stopped in this run: nothing failed over", "Does the site fail over?", result)
    down = window["target"]
    shares = shares_during(result, window["start_s"], window["end_s"])
    survivors = {s: v for s, v in shares.items() if s != down}
    took = sum(survivors.values())
    names = " and ".join(sorted(survivors)) or "no other Hub"
    held = held_wait(result, window["start_s"])
    answer = (f"Failover: {names} took {pct(took)} of new mail while {down} was down; "
              f"mail queued on {down} waited up to {wait(held)}")  # fmt: skip
    question = f"When {down}'s Transport service stops, where does mail go, and what waits?"
    return titled(fig, answer, question, result)


def _site_hubs(result: ResultView) -> dict[str, list[str]]:
    """Each AD site's Hubs (dedicated and co-located), by name."""
    return {site.name: [hub.name for hub in site.all_hubs] for site in result.scenario.sites if site.all_hubs}


def n_minus_one_estimate(peak: dict[str, float], site_hubs: dict[str, list[str]]) -> dict[str, tuple[float, int]]:
    """Per site with at least two Hubs: (the busiest Hub's busiest-hour utilisation spread over one Hub fewer, the
    Hub count). Decision: the site's load is shared evenly by the survivors (round robin), so each carries
    n/(n-1) of the mean; `exsim size --failures 1` simulates it instead."""
    found = {}
    for site, hubs in site_hubs.items():
        loads = [peak[h] for h in hubs if h in peak]
        if len(loads) >= 2:
            found[site] = (float(np.mean(loads)) * len(loads) / (len(loads) - 1), len(loads))
    return found


def headroom(result: ResultView) -> Figure:
    """How much headroom is there? Each Hub's core utilisation at the busiest hour, with the N-1 estimate of each
    site hatched above it, against the planning threshold; utilisation over time beside it. Title: the site
    closest to the threshold with one Hub down."""
    summary = result.summary()
    peak = summary.get("peak_utilisation_by_server") or {}
    site_hubs = _site_hubs(result)
    estimate = n_minus_one_estimate(peak, site_hubs)
    fig = figure(13, 4.8)
    bars_ax, time_ax = fig.subplots(1, 2, width_ratios=(1, 1.4))
    hubs = [h for hs in site_hubs.values() for h in hs if h in peak]
    site_of = {h: site for site, hs in site_hubs.items() for h in hs}
    y = np.arange(len(hubs))
    colors = [server_look(result.scenario, h).color for h in hubs]
    bars_ax.barh(y, [peak[h] * 100 for h in hubs], color=colors, label="at the busiest hour")
    extra = [max(estimate.get(site_of[h], (peak[h], 0))[0] - peak[h], 0) * 100 for h in hubs]
    bars_ax.barh(y, extra, left=[peak[h] * 100 for h in hubs], color="none", edgecolor=colors, hatch="///",
                 label="with one Hub of its site down (estimated)")  # fmt: skip
    bars_ax.axvline(UTILISATION_THRESHOLD * 100, color="#d62728", linestyle="--", label="planning threshold")
    bars_ax.set_yticks(y, hubs)
    bars_ax.invert_yaxis()
    bars_ax.set(xlabel="core utilisation (%)", xlim=(0, max(105, max((p + e for p, e in zip(
        [peak[h] * 100 for h in hubs], extra)), default=0) + 5)))  # fmt: skip
    bars_ax.set_title("each Hub at the busiest hour", loc="left", fontsize=10)
    bars_ax.legend(handles=[Patch(facecolor="#777777", label="at the busiest hour (each Hub in its colour)"),
                            Patch(facecolor="none", edgecolor="#777777", hatch="///",
                                  label="with one Hub of its site down (estimated)"),
                            Line2D([], [], color="#d62728", linestyle="--", label="planning threshold")],
                   loc="lower right", fontsize="small")  # fmt: skip
    tidy(bars_ax)
    draw_utilisation(time_ax, result)
    start, end = summary.get("busiest_hour_start_s", 0.0), summary.get("busiest_hour_end_s", 0.0)
    time_ax.axvspan(start / 3600, end / 3600, color="#cfe3f3", alpha=0.6, linewidth=0, zorder=0)
    time_ax.set_title("over time (the busiest hour in blue)", loc="left", fontsize=10)
    question = "How many Hubs: does the busiest hour leave room for one Hub down?"
    if not estimate:
        busiest = max(peak, key=peak.get, default="")
        answer = (f"At the busiest hour the busiest Hub ({busiest}) runs at {pct(peak.get(busiest, 0))}, against "
                  f"{pct(UTILISATION_THRESHOLD)}; no site has a second Hub to fail over to")  # fmt: skip
        return titled(fig, answer, question, result)
    site, (load, n) = max(estimate.items(), key=lambda item: item[1][0])
    close = abs(load - UTILISATION_THRESHOLD) < 0.02  # within 2 points: say so, with a decimal
    verdict = "N-1 at the limit" if close else "Room for N-1" if load < UTILISATION_THRESHOLD else "No room for N-1"
    now = max(peak[h] for h in site_hubs[site] if h in peak)
    answer = (f"{verdict}: {site}'s Hubs peak at {pct(now)} at the busiest hour, about {load:.{1 if close else 0}%} "
              f"with one of its {n} down (estimated), against {pct(UTILISATION_THRESHOLD)}")  # fmt: skip
    return titled(fig, answer, question, result)
