"""Answers about what waits when something is down: queue at point of failure (a site link), mail held until it
expires (a Mailbox server, the Internet), and back pressure (a queue drive filling)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..palette import FAULT_COLOR, server_look, site_looks
from ..plots.time_series import time_axes
from ..plots.topology import topology
from ..style import hours, shade_faults
from .common import ANSWER_BIN, binned_queues, count, fault_windows, figure, outbox_lengths, retry_queues, titled, wait

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..view import ResultView

SHOWN = 6


STATION_DASHES = {"Submission": ":", "StoreDriverSubmission": "-.", "SmtpReceive": (0, (1, 3)),
                  "AntiSpam": (0, (3, 1, 1, 1, 1, 1))}  # fmt: skip
"""A server's own stages, told apart by their dashes (they share the server's colour)."""


def _dashes(queue: str, sites: dict) -> object:
    """A queue's line style: mail for a site in that site's dashes, a server's own stage in its own, else solid."""
    destination = queue.partition("\\")[2]
    if destination in sites:
        return sites[destination].linestyle
    return STATION_DASHES.get(destination, "-")


def _held_lines(ax: Axes, result: ResultView, names: list[str], outboxes: bool = False) -> None:
    """The most each named queue held per 5 minutes, in the colour and marker of the server holding it (where a
    server holds several, mail for a site in that site's dashes), the fullest boldest; with `outboxes`, each Outbox
    that held mail too (its samples); faults shaded."""
    binned = binned_queues(result, names)
    sites = site_looks(result.scenario)
    peaks = binned.groupby("queue")["length"].max().sort_values(ascending=False, kind="stable")
    shown = list(peaks.index[:SHOWN])
    holders = [str(queue).partition("\\")[0] for queue in shown]
    for rank, queue in enumerate(shown):
        rows = binned[binned["queue"] == queue]
        look = server_look(result.scenario, str(rows["server"].iloc[0]))  # the server where the mail waits
        shared = holders.count(holders[rank]) > 1  # dashes tell apart the queues of one server, only where needed
        x = np.append(hours(rows["bin"]), hours(rows["bin"].iloc[-1] + ANSWER_BIN))
        ax.plot(x, np.append(rows["length"], rows["length"].iloc[-1]), drawstyle="steps-post", label=queue,
                **look.line(len(x), linestyle=_dashes(str(queue), sites) if shared else "-",
                            linewidth=3.0 if rank == 0 else 1.8))  # the answer's queue the boldest  # fmt: skip
    if outboxes:
        frame = outbox_lengths(result)
        for queue, rows in frame.groupby("queue", sort=True):
            if rows["length"].max() > 0:
                look = server_look(result.scenario, str(rows["server"].iloc[0]))
                ax.plot(hours(rows["time"]), rows["length"], label=f"{queue} (not yet submitted)",
                        **look.line(0, linestyle="--", marker=None))  # fmt: skip
    shade_faults(ax, result)
    time_axes(ax, result, "messages held")
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize="small", frameon=False)


def point_of_failure(result: ResultView) -> Figure:
    """Where does mail wait when a site link goes down? The queues that went to Retry while it was down, in their
    server's colour, beside the topology with the link cut. Title: the largest of them (the summary's fault
    window figures): whose mail, on which server, how many at most."""
    window = next(iter(fault_windows(result.summary(), ("site_link", "partition"))), None)
    fig = figure(14, 5.2)
    held_ax, map_ax = fig.subplots(1, 2, width_ratios=(1.3, 1))
    start, end = (window["start_s"], window["end_s"]) if window else (0.0, 0.0)
    _held_lines(held_ax, result, retry_queues(result, start, end))
    held_ax.set_title("queues in Retry while the link was down, most per 5 minutes", loc="left", fontsize=10)
    topology(result, ax=map_ax, legend=False)
    map_ax.set_title("", loc="left")
    question = "When a site link goes down, where does the mail wait?"
    if window is None or not window["largest_queue"]:
        return titled(fig, "No site link was down in this run: no mail waited for one", question, result)
    server, _, destination = window["largest_queue"].partition("\\")
    answer = (f"Queue at point of failure: mail for {destination} waited in Retry on {server}, up to "
              f"{count(window['max_queue_length'])} messages, while {window['target']} was down")  # fmt: skip
    return titled(fig, answer, question, result)


def expiry_times(result: ResultView) -> np.ndarray:
    """When each expired recipient was NDR'd (4.4.7), in seconds, sorted: from result.messages, or without a row per
    recipient, each one's submission plus the message expiration timeout."""
    if result.scenario.record != "summary":
        m = result.messages
        expired = m[(m["status"] == "ndr") & m["reason"].astype(str).str.contains("4.4.7", regex=False)]
        return np.sort(expired["finished_at"].to_numpy(dtype=float))
    return np.sort(result.record.expired_submitted + result.scenario.transport.message_expiration_timeout)


def _what_senders_hear(ax: Axes, result: ResultView, summary: dict, start: float) -> None:
    """The running count of NDRs for expired mail, and from when the delay DSN and expiry timers fire for mail
    held since the fault began."""
    times = expiry_times(result)
    x = np.concatenate([[0.0], hours(times), [result.end_time / 3600]])
    y = np.concatenate([[0], np.arange(1, len(times) + 1), [len(times)]])
    ax.plot(x, y, drawstyle="steps-post", color=FAULT_COLOR, linewidth=2.2,
            label=f"NDRs for expired mail (4.4.7): {count(len(times))}")  # fmt: skip
    transport = result.scenario.transport
    for timer, text, style in ((transport.delay_notification_timeout, "delay DSNs from here", ":"),
                               (transport.message_expiration_timeout, "expiry from here", "--")):  # fmt: skip
        at = (start + timer) / 3600
        if at < result.end_time / 3600:
            ax.axvline(at, color="#444444", linestyle=style, linewidth=1.4,
                       label=f"{text} ({wait(timer)} after the fault)")  # fmt: skip
    ax.plot([], [], " ", label=f"delay DSNs sent in all: {count(summary.get('delay_dsns', 0))}")
    shade_faults(ax, result, labelled=False)
    time_axes(ax, result, "recipients NDR'd (running count)", labelled=False)
    ax.set_ylim(bottom=0)
    ax.set_title("what senders hear", loc="left", fontsize=10)
    ax.legend(loc="upper left", fontsize="small", frameon=False)


def _down(window: dict) -> str:
    """'SEA-MBX2 was down', 'the Internet was unreachable'."""
    if window["kind"] == "internet":
        return "the Internet was unreachable"
    return f"{window['target']} was down"


def held_mail(result: ResultView) -> Figure:
    """What waits while a Mailbox server or the Internet is down, and what becomes of it? The queues in Retry and
    the Outboxes over time, beside the running count of NDRs and the moments the delay DSN and expiry timers fire.
    Title: the most held, the DSNs and the expiries (summary)."""
    summary = result.summary()
    window = next(iter(fault_windows(summary)), None)
    fig = figure(14, 5.0)
    held_ax, notes_ax = fig.subplots(1, 2, width_ratios=(1.3, 1))
    start, end = (window["start_s"], window["end_s"]) if window else (0.0, 0.0)
    _held_lines(held_ax, result, retry_queues(result, start, end), outboxes=True)
    held_ax.set_title("mail held: queues in Retry and Outboxes", loc="left", fontsize=10)
    _what_senders_hear(notes_ax, result, summary, start)
    question = "While something is down, where does mail wait, and when do senders hear of it?"
    if window is None:
        return titled(fig, "Nothing was down in this run: no mail was held", question, result)
    held = f"up to {count(window['max_queue_length'])} messages waited at {window['largest_queue']}"
    outboxes = outbox_lengths(result)
    outboxes = outboxes[(outboxes["time"] > start) & (outboxes["time"] <= end)]
    if len(outboxes) and outboxes["length"].max() > 0:
        most = outboxes.loc[outboxes["length"].idxmax()]
        held += f", {count(most['length'])} in {most['queue']} (not yet submitted)"
    answer = (f"While {_down(window)} ({wait(window['end_s'] - window['start_s'])}): {held}; "
              f"{count(summary.get('delay_dsns', 0))} delay DSNs, {count(summary.get('expired', 0))} expired into "
              "NDRs (4.4.7)")  # fmt: skip
    return titled(fig, answer, question, result)


def _level_seconds(summary: dict) -> dict[str, dict[str, float]]:
    return {server: levels for server, levels in (summary.get("back_pressure_seconds") or {}).items()
            if levels.get("Medium", 0) or levels.get("High", 0)}  # fmt: skip


def back_pressure(result: ResultView) -> Figure:
    """What does back pressure do? Each server's level over time (Normal, Medium, High), above the mail it made
    wait: the Outboxes (the Store Driver takes nothing at High) and the Hub's queues. Title: time at each level,
    the refusals retried, and whether all of it was delivered (summary)."""
    summary = result.summary()
    fig = figure(12, 6.4)
    level_ax, held_ax = fig.subplots(2, 1, sharex=True, height_ratios=(1, 2))
    pressure = result.pressure
    for server, changes in pressure.groupby("server", sort=True, observed=True):
        levels = changes["level"].map({"Normal": 0, "Medium": 1, "High": 2}).to_numpy()
        x = np.append(hours(changes["time"]), result.end_time / 3600)
        look = server_look(result.scenario, str(server))
        level_ax.plot(x, np.append(levels, levels[-1]), drawstyle="steps-post", label=str(server),
                      **look.line(0, marker=None))  # fmt: skip
    level_ax.set_yticks([0, 1, 2], ["Normal", "Medium", "High"])
    level_ax.axhspan(1.5, 2.5, color=FAULT_COLOR, alpha=0.08, linewidth=0)
    level_ax.set_ylim(-0.3, 2.3)
    time_axes(level_ax, result, "back pressure")
    level_ax.set_xlabel("")
    if level_ax.get_lines():
        level_ax.legend(loc="upper left", fontsize="small", frameon=False)
    hub_queues = [str(q) for q in result.queues["queue"].unique() if not str(q).endswith(("\\Poison", "\\Unreachable"))]
    _held_lines(held_ax, result, hub_queues, outboxes=True)
    held_ax.set_title("mail waiting: the Outbox fills while the Hub is at High", loc="left", fontsize=10)
    question = "When a queue drive fills, what does back pressure refuse, and is the mail delivered later?"
    levels = _level_seconds(summary)
    if not levels:
        return titled(fig, "No back pressure in this run: every Hub stayed at Normal", question, result)
    server, seconds = max(levels.items(), key=lambda item: item[1].get("High", 0))
    later = ("all delivered later" if summary["in_queue_at_end"] == 0 and summary["ndr"] == 0
             else f"{count(summary['in_queue_at_end'])} still queued at the end")  # fmt: skip
    answer = (f"Back pressure: {server} at High for {wait(seconds.get('High', 0))} and Medium for "
              f"{wait(seconds.get('Medium', 0))}; {count(summary.get('refused_and_retried', 0))} refused messages "
              f"retried, {later}")  # fmt: skip
    return titled(fig, answer, question, result)
