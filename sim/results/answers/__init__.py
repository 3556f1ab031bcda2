"""The figure that answers a scenario's question, titled with the answer computed from the run.

A general figure answers "what happened"; a scenario asks something specific ("a whole Hub fails at the peak:
is N-1 enough?"). Each question has one figure here, and the report opens with it. A scenario names its
question (`question:` in the YAML, one of sim.scenario.schema.Question); `auto` picks one from what the
scenario holds: its first fault, then back pressure, SMTP clients, Send connectors, Edges, several sites, and
otherwise the headroom at the busiest hour.

    result.answer()                 # the figure; its title is the answer
    sim.results.answers.question_of(result)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, get_args

from ...scenario.schema import Question
from . import hubs, outages, perimeter, routing

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..view import ResultView

ANSWERS: dict[str, Callable[[ResultView], Figure]] = {
    "round-robin": routing.round_robin,
    "routing": routing.routing,
    "failover": hubs.failover,
    "n-1": hubs.n_minus_one,
    "headroom": hubs.headroom,
    "point-of-failure": outages.point_of_failure,
    "held-mail": outages.held_mail,
    "back-pressure": outages.back_pressure,
    "anti-spam": perimeter.anti_spam,
    "send-connectors": perimeter.send_connectors,
    "receive-connectors": perimeter.receive_connectors,
}
"""One figure per question; sim.scenario.schema.Question lists the same names (a test holds them equal)."""
QUESTIONS = tuple(name for name in get_args(Question) if name != "auto")


def _from_faults(result: ResultView) -> str | None:
    """The question the first fault asks: a site link or partition, a Hub (server or service), anything else."""
    faults = result.scenario.faults
    if not faults:
        return None
    windows = result.fault_windows
    first = windows.sort_values("start").iloc[0] if len(windows) else None
    kind = str(first["kind"]) if first is not None else faults[0].kind
    target = str(first["target"]) if first is not None else ""
    roles = dict(zip(result.record.servers, result.record.server_roles))
    if kind in ("site_link", "partition"):
        return "point-of-failure"
    if roles.get(target) in hubs.HUB_ROLES:
        return "n-1" if kind == "server" else "failover"
    return "held-mail"


def question_of(result: ResultView) -> str:
    """The scenario's question, or for `auto` the one its contents ask (this package's docstring)."""
    declared = result.scenario.question
    if declared != "auto":
        return declared
    scenario = result.scenario
    found = _from_faults(result)
    if found:
        return found
    if len(result.pressure) and (result.pressure["level"] != "Normal").any():
        return "back-pressure"
    if scenario.smtp_clients:
        return "receive-connectors"
    if scenario.send_connectors:
        return "send-connectors"
    if scenario.edges:
        return "anti-spam"
    if len(scenario.sites) > 1:
        return "routing"
    return "headroom"


def answer(result: ResultView) -> Figure:
    """The figure answering the scenario's question; its title (fig.get_suptitle()) is the answer."""
    return ANSWERS[question_of(result)](result)


__all__ = ["ANSWERS", "QUESTIONS", "answer", "question_of"]
