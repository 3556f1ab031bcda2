"""`Results`: what a run produced, as DataFrames, a summary with its conservation check, figures and files.

Built from the run's `RunRecord` alone (plain data), never from the live model, so a result pickles
and travels between processes. End of run: the model stops at duration + drain; events due exactly
then are not processed. Mail still anywhere in the model at that moment (Outbox, queue, service,
transit) is counted in `in_queue_at_end` and listed in `in_flight`, never in latency statistics.
Latency statistics cover recipients whose message was submitted at or after the warm-up; throughput
and every station and server statistic cover the time after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..formats.clock import start_of
from ..formats.frames import as_frame
from ..formats.record import STATUS_NAMES, RunRecord
from ..formats.routes import DECISIONS, ROUTES
from ..formats.stations import SERVERS, STATIONS
from ..scenario.schema import Scenario
from . import breakdowns, counters, hours, instant, notebook, overload, peak, tables, thresholds
from .notebook import Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .saving import FigureDrawer

Replayer = Callable[[Scenario, int], instant.QueueSource]
"""What replays a run to an instant, for `queue_view`: sim.run passes sim.runner.replay."""

FIGURES = ("throughput", "latency", "queues", "utilisation", "topology", "faults")


class NotRecorded(LookupError):
    """A table this run did not record: the message says which `record` level would have kept it."""


class Results:
    """Everything one run produced; tables are built from the record on first use.

    `replay` (a module-level function, so it pickles by name) replays the run to an instant for `queue_view`;
    sim.run passes sim.runner.replay, a Results built from a record alone has none."""

    def __init__(self, record: RunRecord, replay: Replayer | None = None) -> None:
        self.record = record
        self.scenario = record.scenario
        self.seed = record.seed
        self.end_time = record.end_time
        self.replay = replay
        self._replayed: instant.QueueSource | None = None

    def __getstate__(self) -> dict:
        """Pickle the record (tables are rebuilt from it on first use) and the replay's name."""
        return {"record": self.record, "replay": self.replay}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["record"], state.get("replay"))

    def __repr__(self) -> str:
        counts = self.record.counts
        return (f"<Results {self.scenario.name!r} seed {self.seed}: {counts['messages_generated']:,} messages, "
                f"{counts['delivered']:,} recipients delivered, {counts['in_flight']:,} still queued>")  # fmt: skip

    # -- tables ---------------------------------------------------------------------------------
    @cached_property
    def messages(self) -> pd.DataFrame:
        """One row per recipient outcome (empty unless `record` is messages or hops)."""
        return tables.messages(self.record)

    @cached_property
    def hops(self) -> pd.DataFrame:
        """One row per message copy per station; raises NotRecorded unless the run had `record: hops`.

        Decision: an empty table would read as "no message went anywhere", so a run that did not keep
        hops says so, and how to keep them.
        """
        if self.scenario.record != "hops":
            raise NotRecorded(
                f"result.hops: this run recorded {self.scenario.record!r}, not hops; run it with `record: hops` "
                "in the scenario (or overrides={'record': 'hops'}, --set record=hops, exsim run --record hops)"
            )
        return tables.hops(self.record)

    @cached_property
    def queues(self) -> pd.DataFrame:
        """Queue samples every sample_interval: time, server, queue, delivery_type, length (the queue length),
        waiting (for a thread), max_length and max_waiting (the most at once since the previous sample), state."""
        return tables.queues(self.record)

    @cached_property
    def stations(self) -> pd.DataFrame:
        """Per station since warm-up: arrivals and how messages left, waits for a thread and a core, service,
        queue length and waiting (mean and most), utilisation of threads and cores (sim.model.statistics)."""
        return as_frame(STATIONS, self.record.stations)

    @cached_property
    def servers(self) -> pd.DataFrame:
        """Per Hub and Edge since warm-up: core utilisation and the utilisation of each thread limit."""
        return as_frame(SERVERS, self.record.server_stats)

    @cached_property
    def throughput(self) -> pd.DataFrame:
        """Messages categorized per Hub in each sample interval, and the hourly rate."""
        return tables.throughput(self.record)

    @cached_property
    def in_flight(self) -> pd.DataFrame:
        """Every recipient still held at the end of the run, and where."""
        return tables.in_flight(self.record)

    @cached_property
    def routes(self) -> pd.DataFrame:
        """The AD-site routing table: source, target, path, next hop, cost and why."""
        return as_frame(ROUTES, self.record.routes)

    @cached_property
    def decisions(self) -> pd.DataFrame:
        """Every per-domain routing decision the run made: server, domain and why."""
        return as_frame(DECISIONS, self.record.decisions)

    @cached_property
    def queue_events(self) -> pd.DataFrame:
        """Every change of a queue's status (Active, Ready, Retry, Suspended), with LastError and NextRetryTime."""
        return breakdowns.queue_events(self.record)

    @cached_property
    def pressure(self) -> pd.DataFrame:
        """Every change of a server's back pressure level (Normal, Medium, High) and what moved it."""
        return breakdowns.pressure(self.record)

    @cached_property
    def fault_windows(self) -> pd.DataFrame:
        """Every time something was down: fault, kind, target, start, end."""
        return breakdowns.fault_windows(self.record)

    def queue_view(self, at: str | float) -> pd.DataFrame:
        """Get-Queue at an instant: a clock time on the run's first day ("10:30", "10:30:30") or a time from the
        start ("3h4m1s", seconds), within the run (else ValueError). The exact state then, every event before
        the instant processed and none at it, from the run replayed to the instant (sim.results.instant)."""
        seconds = instant.seconds_at(at, self.start, self.end_time, stopped=self.partial)
        if self.replay is None:
            raise NotRecorded("result.queue_view replays the run to the instant: build the Results with sim.run, or "
                              "pass Results(record, replay=sim.runner.replay)")  # fmt: skip
        if self._replayed is None:
            self._replayed = self.replay(self.scenario, self.seed)
        return instant.queue_view(self._replayed.queues_at(seconds), seconds, self.start)

    @cached_property
    def load(self) -> pd.DataFrame:
        """Per 5-minute bin and per Hub or Edge: busy cores and core utilisation (sim.results.peak)."""
        return peak.load_bins(self.record)

    @cached_property
    def counters(self) -> pd.DataFrame:
        """Performance counters per Hub and Edge at every sample, named as Exchange 2007 names them: time, server,
        object, instance, counter, value (sim.results.counters; their thresholds: sim.results.thresholds)."""
        return self.counter_log.frame(self.record)

    @property
    def counter_log(self) -> counters.CounterLog:
        """The counters as arrays per server (what `counters`, the perfmon files and the verdicts read)."""
        return self._counter_log

    @cached_property
    def _counter_log(self) -> counters.CounterLog:
        return counters.compute(self.record)

    @cached_property
    def arrivals(self) -> pd.DataFrame:
        """Messages entering the organisation per 5-minute bin, and the hourly rate."""
        return peak.arrival_bins(self.record)

    @property
    def latencies(self) -> np.ndarray:
        """End-to-end latency of every recipient delivered whose message was submitted after warm-up."""
        return self.record.latencies

    @cached_property
    def tracking_raw(self) -> pd.DataFrame:
        """The model's tracking events, one row each, with names and addresses resolved."""
        return tables.tracking_raw(self.record)

    @cached_property
    def tracking_log(self) -> pd.DataFrame:
        """The message tracking log in the Exchange 2007 fields, plus `server` and `role` (empty when off)."""
        from ..formats.tracking_format import format_log

        org = {name for name, role in zip(self.record.servers, self.record.server_roles)
               if role in ("Mailbox", "Hub", "Mailbox+Hub", "Edge")}  # fmt: skip
        return format_log(self.tracking_raw, self.start, org, run=f"{self.scenario.name}/{self.seed}")

    @property
    def start(self) -> datetime:
        """The UTC clock time of simulated second 0 (the clock columns of every table count from it)."""
        return start_of(self.scenario)

    def _repr_html_(self) -> str:
        """Jupyter's view: the headline figures, the overload verdict, then a compact table per server."""
        sizes = {"messages": len(self.record.messages["message_id"]), "queues": len(self.queues)}
        return notebook.results_html(self.summary(), sizes)

    @property
    def partial(self) -> bool:
        """True when the run stopped before duration + drain (Ctrl-C): its figures cover what finished."""
        return self.end_time < self.scenario.end_time

    # -- summary --------------------------------------------------------------------------------
    def summary_frame(self) -> pd.DataFrame:
        """The summary as one flat row ("utilisation_by_server.SEA-HUB1"): rows of runs concatenate.

        pd.concat([a.summary_frame(), b.summary_frame()], ignore_index=True) compares two runs side by side.
        """
        return pd.DataFrame([notebook.flatten(self.summary())])

    def summary(self) -> Summary:
        """Headline figures; `lost` is what no end state or queue accounts for, and must be 0.

        A dict (a Summary, which Jupyter shows as a table); `"partial": True` when the run was stopped early.
        """
        r = self.record
        c = r.counts
        lost = c["recipients_generated"] - c["delivered"] - c["ndr"] - c["rejected"] - c["poison"] - c["in_flight"]
        latencies = r.latencies if len(r.latencies) else np.array([np.nan])
        p50, p90, p99 = np.percentile(latencies, [50, 90, 99])
        window = self.end_time - self.scenario.warmup
        return Summary(
            {
                "scenario": self.scenario.name,
                "seed": self.seed,
                "start_clock": self.start.isoformat(),
                "simulated_s": self.end_time,
                "messages_generated": c["messages_generated"],
                "recipients_total": c["recipients_generated"],
                "delivered": c["delivered"],
                "ndr": c["ndr"],
                "rejected": c["rejected"],
                "in_queue_at_end": c["in_flight"],
                "lost": lost,
                "throughput_per_hour": c["delivered_in_window"] * 3600.0 / window if window > 0 else 0.0,
                "latency_mean_s": float(np.mean(latencies)),
                "latency_p50_s": float(p50),
                "latency_p90_s": float(p90),
                "latency_p99_s": float(p99),
                "latency_max_s": float(np.max(latencies)),
                "rejected_by": dict(r.rejected_by),
                "outcomes_by_reason": {
                    f"{STATUS_NAMES[status]}: {reason}": n for status, reason, n in r.outcome_reasons
                },
                "internet_messages_generated": c["internet_messages_generated"],
                "submissions_by_hub": dict(r.submissions_by_hub),
                "utilisation_by_server": dict(
                    zip(
                        r.server_stats["server"].tolist(),
                        (round(u, 4) for u in r.server_stats["core_utilisation"].tolist()),
                    )
                ),
                "max_queue_length": dict(zip(r.stations["queue"].tolist(), r.stations["max_queue_length"].tolist())),
                **breakdowns.accounting(r),
                "back_pressure_seconds": breakdowns.pressure_seconds(r),
                "faults": len(r.fault_windows["fault"]),
                **self.peak_summary(),
                **self.perfmon_summary(),
                **({"partial": True} if self.partial else {}),
            }
        )

    def peak_summary(self) -> dict:
        """The figures of the hours that matter (sim.results.hours) and the overload verdict (sim.results.overload)."""
        found = self._peak
        return {key: (type(value)(value) if isinstance(value, (dict, list)) else value) for key, value in found.items()}

    def perfmon_summary(self) -> dict:
        """The counters judged against Microsoft's thresholds (sim.results.thresholds): `perfmon`, per Hub and Edge
        'within' or 'over' and each rule over (worst value, when); `perfmon_breaches`, each 'never above' rule a
        Hub broke."""
        found = thresholds.judge(self.counter_log, self.scenario.warmup)
        start = self.start

        def clock(seconds: float) -> str:
            return (start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")

        return {"perfmon": thresholds.verdicts(found, clock), "perfmon_breaches": thresholds.breaches(found)}

    @cached_property
    def _peak(self) -> dict:
        reasons = overload.overload(self.record)
        return {**hours.hour_figures(self.record), "overloaded": bool(reasons), "overload": reasons,
                "verdict": overload.verdict(self.record)}  # fmt: skip

    # -- figures and files ----------------------------------------------------------------------
    def figure(self, name: str, ax: Axes | None = None) -> Figure:
        """A matplotlib Figure: throughput, latency, queues, utilisation, topology or faults.

        With `ax`, the figure's main panel is drawn into those axes (a subplot of the user's own figure)
        and that figure is returned: throughput per Hub with site totals dashed, the latency CDF, every
        queue on one axes, utilisation over time, the topology, or mail held by queue status.
        """
        from .plots import faults as plots_faults
        from .plots import time_series as plots
        from .plots import topology as plots_topology

        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; choose one of {', '.join(FIGURES)}")
        if name == "topology":
            return plots_topology.topology(self, ax=ax)
        if ax is not None:
            drawers = {"faults": plots_faults.draw_held, "throughput": plots.draw_throughput,
                       "latency": plots.draw_latency, "queues": plots.draw_queues,
                       "utilisation": plots.draw_utilisation}  # fmt: skip
            drawers[name](ax, self)
            return ax.figure
        if name == "faults":
            return plots_faults.faults(self)
        return getattr(plots, name)(self)

    def answer(self) -> Figure:
        """The figure answering the scenario's question (`question:` in the scenario, or chosen from what it holds),
        titled with the answer computed from this run: "N-1 holds: ..." (sim.results.answers)."""
        from .answers import answer

        return answer(self)

    def trace_figure(self, message_id: int) -> Figure:
        """One message's trip drawn on the topology: each hop, the queue and its wait, the connector and why
        (needs `record: hops`; sim.results.trip.figure)."""
        from .trip.figure import trip_figure

        return trip_figure(self, message_id)

    def save(self, folder: str | Path, format: str = "csv", figures: FigureDrawer | None = None) -> Path:
        """Every table (CSV, or Parquet with format="parquet"), the summary (JSON), the effective scenario, the
        tracking logs, the SMTP protocol logs of Verbose connectors and every figure (PNG). The files are shared out between this process and a forked child
        (sim.results.saving), so the figures are drawn while the tables are written; or the figures by `figures`,
        a worker forked before the run (sim.results.figure_worker), while the two write the tables."""
        from . import perfmon
        from .saving import TABLE_FORMATS, Job, log_seconds, run_jobs, write_table

        if format not in TABLE_FORMATS:
            raise ValueError(f"unknown table format {format!r}; choose one of {', '.join(TABLE_FORMATS)}")
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        if figures is not None:
            figures.draw(self.record, out)
        (out / "summary.json").write_text(json.dumps(self.summary(), indent=2) + "\n")
        (out / "scenario.json").write_text(self.scenario.model_dump_json(indent=2) + "\n")
        # The longest first (each process takes the next one when it is free): the figures, a fixed second or two,
        # then the tracking logs and the per-message tables, which grow with the run.
        jobs = [] if figures is not None else [Job("figures", lambda: self.save_figures(out))]  # matplotlib: once
        if self.scenario.tracking_log:
            from ..formats.tracking_write import write_logs

            jobs.append(Job("tracking", lambda: write_logs(self.tracking_log, out / "tracking")))
        if self.record.smtp_sessions:  # a connector logs Verbose: the SMTP protocol logs (sim.smtp.run_logs)
            from ..formats.tracking_contents import receive_session_ids
            from ..smtp.run_logs import write_run_logs

            record = self.record
            receive_ids = receive_session_ids(self.tracking_log) if self.scenario.tracking_log else None
            jobs.append(Job("protocol logs", lambda: write_run_logs(
                self.scenario, record.smtp_sessions, record.addresses.text, self.start, out, receive_ids)))  # fmt: skip
        tables = ["hops"] if self.scenario.record == "hops" else []
        tables += ["messages"] if self.scenario.record in ("messages", "hops") else []
        jobs += [Job(name, lambda name=name: write_table(getattr(self, name), out, name, format)) for name in tables]
        jobs.append(Job("perfmon", lambda: perfmon.write(self.counter_log, self.start, out / "perfmon")))
        small = ["stations", "servers", "queues", "throughput", "in_flight"]
        jobs += [Job(name, lambda name=name: write_table(getattr(self, name), out, name, format)) for name in small]
        run_jobs(jobs)
        if figures is not None:
            log_seconds({"figures": figures.wait()}, "worker forked before the run")
        return out

    def save_figures(self, out: Path) -> None:
        """Every figure as PNG (the faults figure only when something broke), and answer.png."""
        self.answer().savefig(out / "answer.png", dpi=110)
        for name in FIGURES:
            if name == "faults" and not (len(self.fault_windows) or len(self.pressure)):
                continue  # nothing broke: no picture of it
            self.figure(name).savefig(out / f"{name}.png", dpi=110)
