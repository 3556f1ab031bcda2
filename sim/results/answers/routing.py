"""Answers about where mail goes: which Hub each Mailbox server submits to (round robin, or its own Hub role),
and which path a copy takes between AD sites (direct relay, or a stop at a hub site)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..palette import server_look
from ..plots.topology import topology
from ..style import tidy
from .common import count, figure, pct, titled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..view import ResultView


def submissions(result: ResultView) -> pd.DataFrame:
    """Messages each Mailbox server handed to each Hub: a table, origins as rows and Hubs as columns (from the
    paths of result.messages; one row 'all' from the summary when the run kept no row per recipient)."""
    if result.scenario.record == "summary":
        return pd.DataFrame([result.summary()["submissions_by_hub"]], index=["all Mailbox servers"])
    m = result.messages.drop_duplicates("message_id")
    roles = dict(zip(result.record.servers, result.record.server_roles))
    steps = m["path"].astype(str).str.split(">")
    pairs = pd.DataFrame({"origin": steps.str[0], "hub": steps.str[1]}).dropna()
    pairs = pairs[pairs["origin"].map(roles).isin(["Mailbox", "Mailbox+Hub"])]
    return pairs.groupby(["origin", "hub"]).size().unstack(fill_value=0).sort_index()


def _how(origin: str, row: pd.Series) -> tuple[str, str]:
    """(who, what): ('SEA-MBX1', 'splits 50/50 over SEA-HUB1, SEA-HUB2') or ('BOS-MBXHUB1', 'submits 100% to ...')."""
    shares = row[row > 0] / row.sum()
    if len(shares) == 1:
        hub = shares.index[0]
        return origin, f"submits {pct(1)} to {'its own Hub role' if hub == origin else hub}"
    split = "/".join(f"{share * 100:.0f}" for share in shares)
    return origin, f"splits {split} over {', '.join(shares.index)}"


def _worded(parts: list[tuple[str, str]]) -> list[str]:
    """Servers doing the same thing said once: 'SEA-MBX1 and SEA-MBX2 each split 50/50 over ...'."""
    same: dict[str, list[str]] = {}
    for who, what in parts:
        same.setdefault(what, []).append(who)
    return [f"{' and '.join(who)} each {what.replace('splits', 'split').replace('submits', 'submit')}"
            if len(who) > 1 else f"{who[0]} {what}" for what, who in same.items()]  # fmt: skip


def round_robin(result: ResultView) -> Figure:
    """Which Hub takes each Mailbox server's mail? For each Mailbox server, its share of messages handed to each
    Hub, in the Hubs' colours. Title: each server's split (round robin: even shares; a co-located Hub: all its own)."""
    table = submissions(result)
    fig = figure(11, 1.8 + 0.9 * max(len(table), 1))
    ax = fig.add_subplot()
    shares = table.div(table.sum(axis=1), axis=0).fillna(0)
    left = np.zeros(len(shares))
    for hub in shares.columns:
        values = shares[hub].to_numpy() * 100
        bars = ax.barh(shares.index, values, left=left, color=server_look(result.scenario, hub).color, label=hub,
                       edgecolor="white")  # fmt: skip
        ax.bar_label(bars, labels=[f"{hub}\n{v:.1f}%" if v >= 8 else "" for v in values], label_type="center",
                     fontsize="small", color="white", fontweight="bold")  # fmt: skip
        left += values
    ax.set(xlabel="share of the messages each Mailbox server submitted (%)", xlim=(0, 100))
    ax.invert_yaxis()
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False, title="Hub")
    tidy(ax)
    question = "Which Hub does each Mailbox server hand its mail to?"
    if not len(table):
        return titled(fig, "No Mailbox server submitted mail in this run", question, result)
    parts = [_how(str(origin), row) for origin, row in table.iterrows()]
    lines = _worded(parts)
    even = all(what.startswith("splits") for _, what in parts)
    answer = ("Round robin: " if even else "") + "; ".join(lines)
    return titled(fig, answer, question, result)


def site_paths(result: ResultView) -> pd.DataFrame:
    """Every copy delivered from one AD site to another: origin and destination site, the Hubs on its path, and
    the sites it stopped in on the way (columns origin, destination, hubs, via, copies)."""
    if result.scenario.record == "summary":
        return pd.DataFrame(columns=["origin", "destination", "hubs", "via", "copies"])
    m = result.messages
    m = m[(m["status"] == "delivered") & (m["origin_site"] != m["destination_site"])]
    roles = dict(zip(result.record.servers, result.record.server_roles))
    site_of = dict(zip(result.record.servers, result.record.server_sites))
    rows = []
    for (origin, destination, path), n in m.groupby(["origin_site", "destination_site", "path"], observed=True).size(
    ).items():  # fmt: skip
        hubs = [step for step in str(path).split(">") if roles.get(step) in ("Hub", "Mailbox+Hub")]
        middle = [site_of[h] for h in hubs if site_of[h] not in (origin, destination)]
        rows.append((str(origin), str(destination), len(hubs), " > ".join(dict.fromkeys(middle)), int(n)))
    frame = pd.DataFrame(rows, columns=["origin", "destination", "hubs", "via", "copies"])
    return frame.groupby(["origin", "destination", "hubs", "via"], as_index=False)["copies"].sum()


def routing(result: ResultView) -> Figure:
    """Which path does mail take between AD sites? Copies delivered between each pair of sites by the Hubs on
    their path (two: direct relay; more: a stop at a hub site), beside the topology. Title: direct relay, or where
    mail stops and how much of it."""
    paths = site_paths(result)
    fig = figure(14, 5.0)
    bars_ax, map_ax = fig.subplots(1, 2, width_ratios=(1.1, 1))
    labels = [f"{r.origin} > {r.via + ' > ' if r.via else ''}{r.destination}" for r in paths.itertuples()]
    colors = ["#555555" if r.hubs <= 2 else "#d62728" for r in paths.itertuples()]
    bars = bars_ax.barh(labels, paths["copies"], color=colors)
    bars_ax.bar_label(bars, labels=[f"{c:,} ({h} Hubs)" for c, h in zip(paths["copies"], paths["hubs"])],
                      padding=3, fontsize="small")  # fmt: skip
    bars_ax.invert_yaxis()
    bars_ax.set(xlabel="copies delivered between sites (grey: Hub to Hub; red: a stop on the way)")
    bars_ax.margins(x=0.25)
    tidy(bars_ax)
    topology(result, ax=map_ax, legend=False)
    map_ax.set_title("", loc="left")
    question = "Which path does mail take between AD sites, and where does it stop?"
    if not len(paths):
        why = "the run kept no row per recipient (record: messages)" if result.scenario.record == "summary" else \
            "no mail crossed between sites"  # fmt: skip
        return titled(fig, f"No paths to show: {why}", question, result)
    total = int(paths["copies"].sum())
    stops = paths[paths["hubs"] > 2]
    if not len(stops):
        answer = (f"Direct relay: all {count(total)} copies between sites went Hub to Hub, 2 Hubs, never 3; "
                  "no site on the way saw them")  # fmt: skip
        return titled(fig, answer, question, result)
    via = stops.groupby("via")["copies"].sum().sort_values(ascending=False)
    site, stopped = str(via.index[0]), int(via.iloc[0])
    pairs = stops[stops["via"] == site]
    crossing = paths[paths[["origin", "destination"]].apply(tuple, axis=1).isin(
        set(pairs[["origin", "destination"]].apply(tuple, axis=1)))]["copies"].sum()  # fmt: skip
    names = sorted({" and ".join(sorted(p)) for p in pairs[["origin", "destination"]].itertuples(index=False)})
    answer = (f"Mail between {', '.join(names)} stops at hub site {site}: {pct(stopped / crossing)} of "
              f"{count(crossing)} copies; other pairs relay directly")  # fmt: skip
    return titled(fig, answer, question, result)
