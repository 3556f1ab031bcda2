"""The Hub stage costs of the calibrated scenario, scaled to the CPU per message the counters measured.

Why scale rather than set: % Processor Time is one figure per server, so the counters give the sum of what the
stages cost per message, never how it splits between them. The split stays the schema's stand-in proportions
(sim/scenario/schema.py `Stages`); every core-time figure of every stage (mean, per KB, per recipient) is
multiplied by one factor k, chosen so that a message of the logs' mean size and recipient count costs the
measured demand on the path a user's message takes through a Hub: Store Driver submission, the categorizer,
Store Driver delivery (DOMAIN.md 1.2; sim.model.pipelines.HUB). SMTP Receive is scaled by the same k, so a
relayed message keeps its stand-in ratio to a submitted one; the SMTP send time is a session time, not core
time (the schema says so), and the antivirus cost is not measured here: both are left as they are.
"""

from __future__ import annotations

from ..scenario.distributions import Service
from ..scenario.schema import Stages

SCALED = ("store_driver_submit", "smtp_receive", "categorizer", "store_driver_deliver")
PATH = ("store_driver_submit", "categorizer", "store_driver_deliver")
"""The stages a user's message delivered in its Hub's site costs core time in, on that Hub."""


def service_mean(service: Service, mean_kb: float, mean_recipients: float) -> float:
    """Mean core seconds of one stage for a message of the mean size and recipient count (the cost is linear
    in both, so the mean of the cost is the cost at the means)."""
    return service.mean_value + service.per_kb * mean_kb + service.per_recipient * mean_recipients


def path_cost(stages: Stages, mean_kb: float, mean_recipients: float) -> float:
    """Core seconds a user's message costs a Hub on its path, at the mean size and recipients."""
    return sum(service_mean(getattr(stages, name), mean_kb, mean_recipients) for name in PATH)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.6g}ms"


def scaled_stages(demand: float, mean_kb: float, mean_recipients: float) -> tuple[dict, float, float]:
    """(the `stages` mapping to write, the factor k, the stand-in path cost) for a measured demand in
    CPU-seconds per message."""
    stand_in = Stages()
    before = path_cost(stand_in, mean_kb, mean_recipients)
    k = demand / before
    out: dict = {}
    for name in SCALED:
        service = getattr(stand_in, name)
        spec: dict = {"dist": service.dist, "mean": _ms(service.mean_value * k)}
        if service.per_kb:
            spec["per_kb"] = _ms(service.per_kb * k)
        if service.per_recipient:
            spec["per_recipient"] = _ms(service.per_recipient * k)
        out[name] = spec
    return out, k, before
