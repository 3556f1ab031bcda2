"""The analytic first pass of sizing: the Hubs as an open queueing network at the busiest hour's rates.

As queueing-network solvers such as PDQ do, every station is solved on its own (Jackson's
decomposition: Poisson flows in, each station an M/M/c) in microseconds, so every candidate of a
sizing can be bracketed before a single simulation runs. The stations of each Hub:

- one per stage with a thread limit (Store Driver submission, SMTP Receive, the categorizer, mailbox
  delivery): M/M/c with c = its threads, at the stage's arrival rate and mean core time;
- the Hub's cores: M/M/c with c = cores, at the sum of every stage's visits and their mean core time.

A message waits for a thread, then for a core (sim.model.station); Decision: the wait at a stage is
taken as the larger of the two Erlang C waits (the binding limit), not their sum. Rates: each Mailbox
server sends mailboxes x sent per day / 86,400 x the largest hourly weight inside the run's generation
window (or its fixed rate); Mail Submission spreads a site's mail evenly over its Hubs that are up (a
co-located Hub takes its own server's); recipients are uniform over the mailboxes, so a message
reaches Mailbox server s with probability E[1 - (1 - p_s)^K] (K the recipient count, drawn once from
the scenario's distribution with a fixed seed) and another site likewise, relayed as one copy to one of
its Hubs. The profile's Internet share (workload.internet_inbound) arrives at the Hubs (Edges are not
modelled here: their survivors reach the subscribed site's Hubs). The p-quantile of a latency adds to
the mean the largest excess of a station's p-quantile wait (Erlang C: P(W > t) = C exp(-(c mu - lambda) t))
over its mean wait, or of the longest stage's service (taken as exponential) over its mean, whichever is
larger: an approximation, which is why the simulation has the last word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..model.station import UNBOUNDED
from ..model.workload import internet_messages_per_day
from ..scenario.schema import Scenario

DRAWS = 20_000
"""Recipient counts drawn (fixed seed) to take expectations over the recipient distribution."""


@dataclass
class MMc:
    """One M/M/c station of the open network (named apart from sim.model's Station, which it approximates): arrivals per second, mean service in seconds, c servers."""

    server: str
    name: str
    arrivals: float
    service: float
    servers: int

    @property
    def utilisation(self) -> float:
        """rho = lambda x S / c."""
        return self.arrivals * self.service / self.servers if self.servers else math.inf

    def erlang_c(self) -> float:
        """Probability an arrival waits (Erlang B by recursion, then C); 1 when unstable."""
        a, c = self.arrivals * self.service, self.servers
        if a <= 0:
            return 0.0
        if a >= c:
            return 1.0
        if c >= a + 12 * math.sqrt(a) + 30:
            return 0.0  # far more servers than load: no wait worth a number
        b = 1.0
        for k in range(1, c + 1):
            b = a * b / (k + a * b)
        rho = a / c
        return b / (1 - rho * (1 - b))

    def mean_wait(self) -> float:
        """Erlang C mean wait in queue (infinite when unstable)."""
        if self.arrivals <= 0 or self.service <= 0:
            return 0.0
        if self.utilisation >= 1:
            return math.inf
        return self.erlang_c() / (self.servers / self.service - self.arrivals)

    def wait_quantile(self, p: float) -> float:
        """The p-quantile of the wait in queue: ln(C / (1 - p)) / (c mu - lambda), 0 when C <= 1 - p."""
        if self.arrivals <= 0 or self.service <= 0:
            return 0.0
        if self.utilisation >= 1:
            return math.inf
        waits = self.erlang_c()
        return math.log(waits / (1 - p)) / (self.servers / self.service - self.arrivals) if waits > 1 - p else 0.0

    def queue_quantile(self, p: float) -> float:
        """The p-quantile of messages held (waiting, P(Lq >= k) = C rho^k, plus those in service on average)."""
        rho = self.utilisation
        if rho >= 1:
            return math.inf
        waits = self.erlang_c()
        waiting = math.ceil(math.log((1 - p) / waits) / math.log(rho)) if 0 < rho and waits > 1 - p else 0
        return waiting + self.arrivals * self.service


@dataclass
class OpenNetwork:
    """Every station of one candidate, and each recipient class's route through them."""

    stations: dict[tuple[str, str], MMc] = field(default_factory=dict)
    routes: list[tuple[float, list[tuple[str, str]], float]] = field(default_factory=list)
    """(share of recipients, stations visited, fixed delay such as site links) per recipient class."""

    def visit(self, server: str, name: str, rate: float, service: float, threads: int) -> None:
        """Add `rate` visits of mean core time `service` to a stage (and so to its server's cores)."""
        key = (server, name)
        if key not in self.stations:
            self.stations[key] = MMc(server, name, 0.0, 0.0, min(threads, UNBOUNDED))
        station = self.stations[key]
        total = station.arrivals + rate
        if total > 0:
            station.service = (station.arrivals * station.service + rate * service) / total
        station.arrivals = total

    def wait(self, key: tuple[str, str], cores: dict[str, MMc]) -> float:
        """The wait at a stage: the larger of its thread wait and its server's core wait (none at a zero stage)."""
        if self.stations[key].service <= 0:
            return 0.0
        return max(self.stations[key].mean_wait(), cores[key[0]].mean_wait())

    def solve(self, cores_of: dict[str, int], p: float = 0.99) -> dict[str, float]:
        """Figures of the candidate: mean and p-quantile latency, largest utilisation and queue (p-quantile)."""
        cores = {}
        for server in {server for server, _ in self.stations}:
            cores[server] = MMc(server, "cores", 0.0, 0.0, cores_of[server])
        for (server, _), station in self.stations.items():
            if station.service <= 0:
                continue  # a stage of zero time costs no core (and no event)
            pool = cores[server]
            total = pool.arrivals + station.arrivals
            if total > 0:
                pool.service = (pool.arrivals * pool.service + station.arrivals * station.service) / total
            pool.arrivals = total
        everything = [*self.stations.values(), *cores.values()]
        mean, tail = 0.0, 0.0
        for share, path, delay in self.routes:
            mean += share * (delay + sum(self.wait(k, cores) + self.stations[k].service for k in path))
            for key in path:
                station = self.stations[key]
                if station.service <= 0:
                    continue
                binding = max((station, cores[key[0]]), key=lambda s: s.mean_wait())
                tail = max(tail, binding.wait_quantile(p) - binding.mean_wait(),
                           station.service * (math.log(1 / (1 - p)) - 1))  # an exponential service's own tail  # fmt: skip
        return {"latency_mean_s": mean, "latency_p_s": mean + tail,
                "utilisation": max((s.utilisation for s in everything), default=0.0),
                "max_queue": max((s.queue_quantile(p) for s in everything if s.arrivals > 0), default=0.0),
                "bottleneck": max(everything, key=lambda s: s.utilisation).server + "\\" +
                max(everything, key=lambda s: s.utilisation).name if everything else ""}  # fmt: skip


def peak_weight(scenario: Scenario) -> float:
    """The largest hourly weight (mean 1) of the clock hours inside the generation window [warmup, duration]."""
    workload = scenario.workload
    weights = workload.hourly_weights
    first = int((workload.start_of_day + scenario.warmup) // 3600)
    last = int(math.ceil((workload.start_of_day + scenario.duration) / 3600))
    return max(weights[h % 24] for h in range(first, max(last, first + 1)))


def sent_rates(scenario: Scenario) -> dict[str, float]:
    """Messages per second each sending Mailbox server submits at the busiest hour."""
    workload, weight = scenario.workload, peak_weight(scenario)
    return {m.name: workload.rate if workload.rate is not None else m.mailboxes * workload.sent_per_day / 86400 * weight
            for site in scenario.sites for m in site.mailbox_servers if m.sends_mail and m.mailboxes > 0}  # fmt: skip


def internet_rate(scenario: Scenario) -> float:
    """Messages per second the profile's Internet share brings to the Hubs at the busiest hour (0 without it).

    Through Edges only the messages no anti-spam agent rejects reach the Hubs.
    """
    if scenario.workload.internet_inbound == "none":
        return 0.0
    passed = 1.0
    if scenario.workload.internet_inbound == "edges":
        for agent in scenario.internet.antispam:
            passed *= 1.0 - agent.reject_share if agent.enabled else 1.0
    return internet_messages_per_day(scenario) / 86400 * peak_weight(scenario) * passed


def _counts(distribution) -> np.ndarray:
    """Recipient counts drawn with a fixed seed, to take expectations over the distribution."""
    if distribution.constant_value is not None:
        return np.full(DRAWS, float(distribution.constant_value))
    return np.asarray(distribution.drawer()(np.random.default_rng(12345), DRAWS), dtype=float)


class _Flows:
    """Adds the visits of one class of mail (users' or the Internet's) entering at given Hubs."""

    def __init__(self, net: OpenNetwork, scenario: Scenario, up: dict, hubs: dict) -> None:
        self.net, self.scenario, self.up, self.hubs = net, scenario, up, hubs
        self.stages = scenario.stages

    def cost(self, stage: str, recipients: float, kb: float) -> float:
        """Mean core time of a stage for a copy of `recipients` recipients and `kb` kilobytes."""
        spec = getattr(self.stages, stage)
        extra = 0.0
        if stage == "categorizer" and self.stages.hub_antivirus:
            av = self.stages.antivirus
            extra = av.mean_value + av.per_kb * kb + av.per_recipient * recipients
        return spec.mean_value + spec.per_kb * kb + spec.per_recipient * recipients + extra

    def enter(self, hub: str, site, rate: float, entry: str, counts: np.ndarray, share: dict, kb: float) -> None:
        """`rate` messages/s enter `hub` (of `site`) at stage `entry`; recipients land by `share` per server."""
        k = float(counts.mean() * sum(share.values()))
        hit = {name: float(np.mean(1 - (1 - p) ** counts)) for name, p in share.items()}
        spec = self.hubs[hub]
        threads = spec.max_concurrent_mailbox_submissions if entry == "StoreDriverSubmission" else UNBOUNDED
        stage = "store_driver_submit" if entry == "StoreDriverSubmission" else "smtp_receive"
        self.net.visit(hub, entry, rate, self.cost(stage, k, kb), threads)
        self.net.visit(hub, "Submission", rate, self.cost("categorizer", k, kb), spec.categorizer_threads)
        for other in self.scenario.sites:
            servers = {m.name: share[m.name] for m in other.mailbox_servers}
            in_site = sum(servers.values())
            reach = float(np.mean(1 - (1 - in_site) ** counts))
            if other.name == site.name:
                self._deliver(spec, other, rate, hit, share, counts, kb)
                continue
            if not self.up[other.name] or reach <= 0:
                continue  # an unreachable site's mail waits: the simulation shows it
            relayed = rate * reach / len(self.up[other.name])
            per_copy = float(counts.mean()) * in_site / reach
            for target in self.up[other.name]:
                t = self.hubs[target.name]
                self.net.visit(t.name, "SmtpReceive", relayed, self.cost("smtp_receive", per_copy, kb), UNBOUNDED)
                self.net.visit(
                    t.name, "Submission", relayed, self.cost("categorizer", per_copy, kb), t.categorizer_threads
                )
                self._deliver(t, other, relayed / reach, hit, share, counts, kb)

    def _deliver(self, hub, site, rate: float, hit: dict, share: dict, counts: np.ndarray, kb: float) -> None:
        """Mailbox delivery copies from `hub` to each Mailbox server of `site` (rate: messages of all recipients)."""
        for m in site.mailbox_servers:
            if hit[m.name] <= 0:
                continue
            recipients = float(counts.mean()) * share[m.name] / hit[m.name]
            self.net.visit(hub.name, f"delivery {m.name}", rate * hit[m.name],
                           self.cost("store_driver_deliver", recipients, kb), hub.max_concurrent_mailbox_deliveries)  # fmt: skip


def network(scenario: Scenario, down: frozenset[str] = frozenset()) -> tuple[OpenNetwork, dict[str, int]]:
    """The open network of a scenario with the Hubs in `down` stopped for the whole run."""
    workload = scenario.workload
    servers = [m for site in scenario.sites for m in site.mailbox_servers]
    total = sum(m.mailboxes for m in servers) or 1
    internal = 1.0 - workload.unknown_share - sum(d.share for d in workload.domains)
    share = {m.name: m.mailboxes / total * internal for m in servers}
    up = {site.name: [h for h in site.all_hubs if h.name not in down] for site in scenario.sites}
    hubs = {h.name: h for site in scenario.sites for h in site.all_hubs}
    net = OpenNetwork()
    flows = _Flows(net, scenario, up, hubs)
    rates = sent_rates(scenario)
    _users(flows, scenario, up, rates, share)
    _internet(flows, scenario, up, hubs, down, {m.name: m.mailboxes / total for m in servers})
    _routes(net, scenario, up, share, submitted_sites=rates)
    return net, {name: hub.cores for name, hub in hubs.items()}


def _users(flows: _Flows, scenario: Scenario, up: dict, rates: dict[str, float], share: dict[str, float]) -> None:
    """Users' mail enters at Store Driver submission: a co-located Hub takes its own server's, the site's
    dedicated Hubs share the rest evenly (the Mail Submission Service's round robin)."""
    counts, kb = _counts(scenario.workload.recipients), scenario.workload.size.mean_value / 1024
    for site in scenario.sites:
        colocated = {h.name for h in up[site.name]} & {m.name for m in site.mailbox_servers}
        shared = sum(rates.get(m.name, 0.0) for m in site.mailbox_servers if m.name not in colocated)
        dedicated = [h for h in up[site.name] if h.name not in colocated] or up[site.name]
        submitted = {h.name: shared / len(dedicated) if h in dedicated else 0.0 for h in up[site.name]}
        for name in colocated:
            submitted[name] += rates.get(name, 0.0)
        for hub, rate in submitted.items():
            if rate > 0:
                flows.enter(hub, site, rate, "StoreDriverSubmission", counts, share, kb)


def _internet(flows: _Flows, scenario: Scenario, up: dict, hubs: dict, down: frozenset[str],
              mailbox_share: dict[str, float]) -> None:  # fmt: skip
    """The profile's Internet share enters at SMTP Receive of the Hubs it reaches: through the Edges (their
    subscribed sites' Hubs; the Edges filtered unknown recipients out) or at the Internet-facing Hubs."""
    inbound = internet_rate(scenario)
    if inbound <= 0:
        return
    workload, internet = scenario.workload, scenario.internet
    if workload.internet_inbound == "edges":
        subscribed = {e.subscribed_site for e in scenario.edges}
        entry = [h for s in scenario.sites if s.name in subscribed for h in up[s.name]]
        known = dict(mailbox_share)
    else:
        listed = [hubs[n] for n in workload.internet_hubs if n not in down]
        entry = listed or [h for s in scenario.sites for h in up[s.name]]
        known = {name: part * (1 - internet.unknown_recipient_share) for name, part in mailbox_share.items()}
    entry = list({h.name: h for h in entry}.values())
    site_of = {h.name: s for s in scenario.sites for h in s.all_hubs}
    counts, kb = _counts(internet.recipients), internet.size.mean_value / 1024
    for hub in entry:
        flows.enter(hub.name, site_of[hub.name], inbound / len(entry), "SmtpReceive", counts, known, kb)


def _routes(net: OpenNetwork, scenario: Scenario, up: dict, share: dict, submitted_sites: dict) -> None:
    """Recipient classes: from each site's Hubs to each destination site's Mailbox servers, by share."""
    total = sum(submitted_sites.values()) or 1.0
    for site in scenario.sites:
        origin = sum(submitted_sites.get(m.name, 0.0) for m in site.mailbox_servers) / total
        for dest in scenario.sites:
            for m in dest.mailbox_servers:
                weight = origin * share[m.name] / (sum(share.values()) or 1.0)
                for hub in up[site.name]:
                    path = [(hub.name, "StoreDriverSubmission"), (hub.name, "Submission")]
                    delay = 0.0
                    target = hub
                    if dest.name != site.name:
                        if not up[dest.name]:
                            continue
                        target = up[dest.name][0]
                        path += [(target.name, "SmtpReceive"), (target.name, "Submission")]
                        delay = scenario.stages.smtp_send.mean_value
                    key = (target.name, f"delivery {m.name}")
                    if key in net.stations and all(p in net.stations for p in path):
                        net.routes.append((weight / len(up[site.name]), [*path, key], delay))


def evaluate(scenario: Scenario, down: frozenset[str] = frozenset(), p: float = 0.99) -> dict[str, float]:
    """The analytic figures of one configuration (one combination of Hubs down)."""
    net, cores = network(scenario, down)
    return net.solve(cores, p)


def hub_core_load(scenario: Scenario) -> tuple[float, int]:
    """(messages per second reaching the Hubs at the busiest hour: users' and the profile's Internet share, Hub cores).

    A fixed `internet.inbound_rate` is left out: how much of it passes the Edges is the simulation's to say.
    """
    rate = sum(sent_rates(scenario).values()) + internet_rate(scenario)
    return rate, sum(hub.cores for site in scenario.sites for hub in site.all_hubs)
