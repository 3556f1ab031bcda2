"""Microsoft's thresholds for the transport counters, and a run's verdict against them, per server.

Each rule is a counter (sim.results.counters), a limit, Microsoft's wording and its kind:

- "never above": the documented ceiling ("should be less than 250 at all times", "not more than 5,000"); a Hub
  over it at any judged sample has broken it, and `exsim size` fails a candidate for it (sim.capacity.size);
- "should be below": the level to stay under in normal running ("should be less than 3,000"); over it is
  reported, not a failure.

A value is over a rule worded "less than" or "below" when it reaches the limit (250 is not less than 250), over
one worded "not more than", "not exceed" or "be 0" when it passes it. Samples before the warm-up are not judged (the model
starts empty, as every statistic after the warm-up, sim.results.results); a rate's first sample has no value.

Sources (every limit): Microsoft, "Monitoring Hub Transport Servers", Exchange Server 2007 (TechNet bb201704),
table "Transport Queue Length Counters"; Microsoft keeps the same table, same wording, for Exchange 2010 as
"Transport Server Counters" (TechNet ff367923). % Processor Time: Exchange Server 2007 Help, "Processor"
performance counters (ID 6ba77cd4-8fa8-4bfc-8889-4f775e93410f): "The average CPU utilization should be below 90
percent at all times".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import counters as c

HUB_TABLE = (
    "Microsoft, Monitoring Hub Transport Servers, Exchange Server 2007 (bb201704), Transport Queue Length Counters"
)
PROCESSOR_HELP = "Microsoft, Exchange Server 2007 Help, performance counters for processors (6ba77cd4)"
NEVER, BELOW = "never above", "should be below"


@dataclass(frozen=True)
class Rule:
    """One documented threshold of one counter."""

    counter: c.Counter
    limit: float
    kind: str
    wording: str
    source: str
    inclusive: bool = False
    """True when the limit itself breaks the rule ("less than 250": 250 is over)."""

    def breaks(self, value: float) -> bool:
        """Whether a value is over this rule."""
        return value >= self.limit if self.inclusive else value > self.limit


RULES: tuple[Rule, ...] = (
    Rule(c.AGGREGATE, 3000, BELOW, "should be less than 3,000", HUB_TABLE, True),
    Rule(c.AGGREGATE, 5000, NEVER, "and not more than 5,000", HUB_TABLE),
    Rule(c.ACTIVE_REMOTE, 250, NEVER, "should be less than 250 at all times", HUB_TABLE, True),
    Rule(c.ACTIVE_MAILBOX, 250, NEVER, "should be less than 250 at all times", HUB_TABLE, True),
    Rule(c.SUBMISSION, 100, NEVER, "should not exceed 100", HUB_TABLE),
    Rule(c.RETRY_REMOTE, 100, NEVER, "should be less than 100 at all times", HUB_TABLE, True),
    Rule(c.RETRY_MAILBOX, 100, NEVER, "should be less than 100 at all times", HUB_TABLE, True),
    Rule(c.UNREACHABLE, 100, NEVER, "should be less than 100 at all times", HUB_TABLE, True),
    Rule(c.LARGEST, 200, NEVER, "should be less than 200 at all times", HUB_TABLE, True),
    Rule(c.POISON, 0, NEVER, "should be 0 at all times", HUB_TABLE),
    Rule(c.PROCESSOR_TIME, 90, BELOW, "the average CPU utilization should be below 90 percent at all times",
         PROCESSOR_HELP, True),
)  # fmt: skip
"""Every rule judged, in the order reports list them."""


@dataclass(frozen=True)
class Finding:
    """One rule on one server: the worst judged value, when (seconds from the start), and whether it is over."""

    server: str
    role: str
    rule: Rule
    worst: float
    at: float
    over: bool

    def line(self) -> str:
        """'Active Remote Delivery Queue Length 312, over 250 (should be less than 250 at all times; never above)'."""
        sign = "over" if self.over else "within"
        return (f"{self.rule.counter.counter} {_number(self.worst)}, {sign} {_number(self.rule.limit)} "
                f"({self.rule.wording}; {self.rule.kind})")  # fmt: skip


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def judge(log: c.CounterLog, warmup: float) -> list[Finding]:
    """Every rule on every server that has its counter: the worst value at or after the warm-up."""
    judged = log.times >= warmup
    found = []
    for server in log.servers:
        for rule in RULES:
            values = server.values.get(rule.counter)
            if values is None:
                continue
            kept = np.where(judged & np.isfinite(values), values, -np.inf)
            if not len(kept) or not np.isfinite(kept.max()):
                continue
            i = int(np.argmax(kept))
            found.append(Finding(server.server, server.role, rule, float(kept[i]), float(log.times[i]),
                                 rule.breaks(float(kept[i]))))  # fmt: skip
    return found


def verdicts(findings: list[Finding], clock) -> dict[str, dict]:
    """Per server: 'within' or 'over', and each rule over as {counter, worst, limit, kind, wording, at, at_s}.
    `clock(seconds)` gives the clock time text of an instant."""
    out: dict[str, dict] = {}
    for f in findings:
        entry = out.setdefault(f.server, {"role": f.role, "verdict": "within", "over": []})
        if f.over:
            entry["verdict"] = "over"
            entry["over"].append({"counter": f.rule.counter.counter, "worst": f.worst, "limit": f.rule.limit,
                                  "kind": f.rule.kind, "wording": f.rule.wording, "at_s": f.at, "at": clock(f.at)})  # fmt: skip
    return out


def breaches(findings: list[Finding], roles: tuple[str, ...] = ("Hub",)) -> list[str]:
    """One line per 'never above' rule broken on a server of `roles`: what `exsim size` fails a candidate for."""
    return [f"{f.server}: {f.line()}" for f in findings if f.over and f.rule.kind == NEVER and f.role in roles]


def summary_lines(summary: dict) -> list[str]:
    """The verdicts as text, one line per server and one per rule over: what `exsim run` and the report show."""
    found = summary.get("perfmon") or {}
    lines = []
    for server, entry in found.items():
        lines.append(f"{server} ({entry['role']}): {entry['verdict']}")
        lines += [f"  {o['counter']} {_number(o['worst'])} at {o['at']}, over {_number(o['limit'])} ({o['wording']}; "
                  f"{o['kind']})" for o in entry["over"]]  # fmt: skip
    return lines
