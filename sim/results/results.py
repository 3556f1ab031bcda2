"""`Results`: what a run produced, as DataFrames, a summary with its conservation check, figures and files.

End of run: `run()` stops at duration + drain; events due exactly then are not processed. Mail still
anywhere in the model at that moment (Outbox, queue, service, transit) is counted in `in_queue_at_end`,
never in latency statistics. Latency statistics cover recipients whose message was submitted at or
after the warm-up; throughput covers deliveries at or after it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..model.message import DELIVERED, NDR, REJECTED, STATUS_NAMES
from ..model.recorder import MESSAGE_FLOATS, MESSAGE_INTS, TRACK_COLUMNS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..model.organisation import Model

FIGURES = ("throughput", "latency", "queues", "utilisation", "topology")


class Results:
    """Everything one run produced; tables are built on first use."""

    def __init__(self, model: Model) -> None:
        self.scenario = model.scenario
        self.seed = model.seed
        self.end_time = model.env.now
        self._model = model
        self._recorder = model.recorder
        self._topology = model.topology
        self._generated = sum(s.generated for s in model.sources)
        self._internet_generated = model.internet.generated
        self._recipients = sum(s.recipients_generated for s in model.sources)
        self._in_flight = model.recipients_in_flight()
        warmup = self.scenario.warmup
        self._station_stats = [station.stats(warmup) for station in model.stations]
        self._utilisation = {
            name: server.cpu.utilisation(warmup, self.end_time) for name, server in model.transport_servers.items()
        }
        self._rejected_by = {}
        for edge in model.edges.values():
            for agent, n in edge.rejected_by.items():
                self._rejected_by[agent] = self._rejected_by.get(agent, 0) + n
        self._submissions = {name: hub.submissions for name, hub in model.hubs.items()}

    # -- tables ---------------------------------------------------------------------------------
    @cached_property
    def messages(self) -> pd.DataFrame:
        """One row per recipient outcome (empty unless `record` is messages or hops)."""
        r, topo, book = self._recorder, self._topology, self._model.addresses
        servers = np.array([*topo.servers, ""], dtype=object)  # index -1: no server (NDR, rejection)
        sites = np.array([*topo.server_site, ""], dtype=object)
        ints = (
            np.frombuffer(r.m_ints, dtype=np.int64).reshape(-1, len(MESSAGE_INTS))
            if len(r.m_ints)
            else np.zeros((0, len(MESSAGE_INTS)), dtype=np.int64)
        )
        floats = (
            np.frombuffer(r.m_floats, dtype=float).reshape(-1, len(MESSAGE_FLOATS))
            if len(r.m_floats)
            else np.zeros((0, len(MESSAGE_FLOATS)))
        )
        msg_id, rcpt, sender, origin, dest, status, path_ids, reason_ids = ints.T
        size, submitted, finished = floats.T
        delivered = status == DELIVERED
        path_names = [">".join(topo.servers[i] for i in path) for path in r.paths]
        path_hops = np.array([len(path) - 1 for path in r.paths] or [0])
        reasons = np.array(list(r.reasons), dtype=object)
        return pd.DataFrame(
            {
                "message_id": msg_id,
                "recipient": [book.text(n) for n in rcpt.tolist()],
                "sender": [book.text(n) for n in sender.tolist()],
                "origin_server": pd.Categorical(servers[origin], categories=list(dict.fromkeys(servers))),
                "origin_site": sites[origin],
                "destination_server": pd.Categorical(servers[dest], categories=list(dict.fromkeys(servers))),
                "destination_site": sites[dest],
                "size_bytes": size,
                "submitted_at": submitted,
                "delivered_at": np.where(delivered, finished, np.nan),
                "finished_at": finished,
                "latency_s": np.where(delivered, finished - submitted, np.nan),
                "status": pd.Categorical([STATUS_NAMES[s] for s in status], categories=list(STATUS_NAMES.values())),
                "reason": reasons[reason_ids],
                "hops": path_hops[path_ids] if len(path_ids) else np.array([], dtype=int),
                "path": pd.Categorical(
                    np.array(path_names, dtype=object)[path_ids] if len(path_ids) else [],
                    categories=list(dict.fromkeys(path_names)),
                ),
            }
        )

    @cached_property
    def tracking_raw(self) -> pd.DataFrame:
        """The model's tracking events, one row each, with names and addresses resolved (sim/tracking.py input)."""
        r, topo, book = self._recorder, self._topology, self._model.addresses
        names = [*topo.servers, ""]
        roles = {name: "Hub" for name in self._model.hubs} | {name: "Edge" for name in self._model.edges}
        k = dict(zip(TRACK_COLUMNS, zip(*r.k_rows))) if r.k_rows else {c: () for c in TRACK_COLUMNS}
        servers = [names[i] for i in k["server"]]
        events = list(k["event"])
        peers = [name or names[i] for i, name in zip(k["peer"], k["peer_name"])]
        receive = [event == "RECEIVE" for event in events]
        text = book.text
        domain = self.scenario.domain
        msgs = k["msg"]
        message_ids = [
            f"<{m.id:08d}@{names[m.origin]}.{domain}>"
            if names[m.origin] != "Internet"
            else f"<{m.id:08d}@internet.example>"
            for m in msgs
        ]
        return pd.DataFrame(
            {
                "time_s": np.asarray(k["time"], dtype=float),
                "server": servers,
                "role": [
                    "Mailbox" if event == "SUBMIT" else roles.get(server, "Hub")
                    for event, server in zip(events, servers)
                ],
                "event_id": events,
                "source": list(k["source"]),
                "internal_message_id": np.asarray(k["internal"], dtype=np.int64),
                "message_id": message_ids,
                "recipients": [[text(a) for a in recipients] for recipients in k["recipients"]],
                "recipient_status": list(k["status"]),
                "total_bytes": np.asarray([m.size for m in msgs], dtype=float).astype(np.int64),
                "sender": [text(m.sender) for m in msgs],
                "client_hostname": [p if is_receive else "" for p, is_receive in zip(peers, receive)],
                "server_hostname": [p if not is_receive else "" for p, is_receive in zip(peers, receive)],
                "connector_id": list(k["connector"]),
                "reference": list(k["reference"]),
                "subject": [f"Message {m.id}" for m in msgs],
                "original_time_s": np.asarray([m.submitted_at for m in msgs], dtype=float),
            }
        )

    @cached_property
    def tracking_log(self) -> pd.DataFrame:
        """The message tracking log in the Exchange 2007 fields, plus `server` and `role` (empty when off)."""
        from .tracking import format_log

        return format_log(self.tracking_raw, self.start, set(self._topology.servers) - {"Internet"})

    @property
    def start(self) -> datetime:
        """The UTC clock time of simulated second 0."""
        day = datetime.fromisoformat(self.scenario.start_date).replace(tzinfo=timezone.utc)
        return day + timedelta(seconds=self.scenario.workload.start_of_day)

    @cached_property
    def hops(self) -> pd.DataFrame:
        """One row per message copy per station (empty unless `record: hops`)."""
        r = self._recorder
        station_ids = np.asarray(r.h_station, dtype=np.int64)
        servers = np.array([s.server for s in r.stations] or [""], dtype=object)
        names = np.array([s.name for s in r.stations] or [""], dtype=object)
        queued, started, finished = np.asarray(r.h_queued), np.asarray(r.h_started), np.asarray(r.h_finished)
        return pd.DataFrame(
            {
                "message_id": np.asarray(r.h_id),
                "server": servers[station_ids],
                "station": names[station_ids],
                "queued_at": queued,
                "started_at": started,
                "finished_at": finished,
                "wait_s": started - queued,
                "service_s": finished - started,
            }
        )

    @cached_property
    def queues(self) -> pd.DataFrame:
        """Queue samples every sample_interval: length counts waiting and in-service messages.

        Every station has a row at every sample from the first one after it was made; the recorder
        keeps only rows of stations holding mail, and the idle ones are filled in here (0, Ready).
        """
        r = self._recorder
        times = np.asarray(r.sample_times)
        n_stations = len(r.stations)
        first = np.full(n_stations, len(times), dtype=np.int64)
        for sid, index in r.first_sample.items():
            first[sid] = index
        present = first[None, :] <= np.arange(len(times))[:, None]  # time-major grid
        t_idx, s_idx = np.nonzero(present)
        position = np.full(present.shape, -1, dtype=np.int64)
        position[t_idx, s_idx] = np.arange(len(t_idx))
        length = np.zeros(len(t_idx), dtype=np.int64)
        waiting = np.zeros(len(t_idx), dtype=np.int64)
        state = np.full(len(t_idx), "Ready", dtype=object)
        if len(r.s_time):
            rows = position[np.searchsorted(times, np.asarray(r.s_time)), np.asarray(r.s_station, dtype=np.int64)]
            length[rows] = np.asarray(r.s_length)
            waiting[rows] = np.asarray(r.s_waiting)
            state[rows] = np.asarray(r.s_state, dtype=object)
        servers = np.array([s.server for s in r.stations] or [""], dtype=object)
        identity = np.array([s.identity for s in r.stations] or [""], dtype=object)
        types = np.array([s.delivery_type for s in r.stations] or [""], dtype=object)
        return pd.DataFrame(
            {
                "time": times[t_idx],
                "server": servers[s_idx],
                "queue": identity[s_idx],
                "delivery_type": types[s_idx],
                "length": length,
                "waiting": waiting,
                "state": state,
            }
        )

    @cached_property
    def stations(self) -> pd.DataFrame:
        """Per station since warm-up: arrivals, mean wait, time-averaged queue length, utilisation."""
        return pd.DataFrame(self._station_stats)

    @cached_property
    def throughput(self) -> pd.DataFrame:
        """Messages categorized per Hub in each sample interval, and the hourly rate."""
        r = self._recorder
        frame = pd.DataFrame(
            {
                "time": np.asarray(r.t_time),
                "server": [self._topology.servers[i] for i in r.t_server],
                "cumulative": np.asarray(r.t_count),
            }
        )
        frame["messages"] = frame.groupby("server")["cumulative"].diff().fillna(frame["cumulative"]).astype(int)
        frame["per_hour"] = frame["messages"] * 3600.0 / self.scenario.sample_interval
        return frame

    def _station_named(self, server: str, name: str):
        for station in self._model.stations:
            if station.server == server and station.name == name:
                return station
        raise KeyError(f"{server}\\{name}")

    # -- summary --------------------------------------------------------------------------------
    def summary(self) -> dict:
        """Headline figures; `lost` is what no end state or queue accounts for, and must be 0."""
        r = self._recorder
        delivered, ndr, rejected = r.outcomes[DELIVERED], r.outcomes[NDR], r.outcomes[REJECTED]
        lost = self._recipients - delivered - ndr - rejected - self._in_flight
        latencies = np.frombuffer(r.latencies, dtype=float) if len(r.latencies) else np.array([np.nan])
        p50, p90, p99 = np.percentile(latencies, [50, 90, 99])
        window = self.end_time - self.scenario.warmup
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "simulated_s": self.end_time,
            "messages_generated": self._generated,
            "recipients_total": self._recipients,
            "delivered": delivered,
            "ndr": ndr,
            "rejected": rejected,
            "in_queue_at_end": self._in_flight,
            "lost": lost,
            "throughput_per_hour": r.delivered_in_window * 3600.0 / window if window > 0 else 0.0,
            "latency_mean_s": float(np.mean(latencies)),
            "latency_p50_s": float(p50),
            "latency_p90_s": float(p90),
            "latency_p99_s": float(p99),
            "latency_max_s": float(np.max(latencies)),
            "rejected_by": dict(sorted(self._rejected_by.items())),
            "outcomes_by_reason": {
                f"{STATUS_NAMES[status]}: {reason}": n for (status, reason), n in sorted(r.outcome_reasons.items())
            },
            "internet_messages_generated": self._internet_generated,
            "submissions_by_hub": dict(self._submissions),
            "utilisation_by_server": {k: round(v, 4) for k, v in self._utilisation.items()},
            "max_queue_length": {s["queue"]: s["max_queue_length"] for s in self._station_stats},
        }

    # -- figures and files ----------------------------------------------------------------------
    def figure(self, name: str) -> Figure:
        """A matplotlib Figure: throughput, latency, queues, utilisation or topology."""
        from . import plots, plots_topology

        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; choose one of {', '.join(FIGURES)}")
        if name == "topology":
            return plots_topology.topology(self)
        return getattr(plots, name)(self)

    def save(self, folder: str | Path) -> Path:
        """Every table (CSV), the summary (JSON), the effective scenario and every figure (PNG)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(self.summary(), indent=2) + "\n")
        (out / "scenario.json").write_text(self.scenario.model_dump_json(indent=2) + "\n")
        tables = {"stations": self.stations, "queues": self.queues, "throughput": self.throughput}
        if self._recorder.keep_messages:
            tables["messages"] = self.messages
        if self._recorder.keep_hops:
            tables["hops"] = self.hops
        for name, table in tables.items():
            table.to_csv(out / f"{name}.csv", index=False)
        if self._recorder.keep_tracking:
            from .tracking import write_logs

            write_logs(self.tracking_log, out / "tracking")
        for name in FIGURES:
            fig = self.figure(name)
            fig.savefig(out / f"{name}.png", dpi=110)
        return out
