"""Fault schedules: what breaks (sim.scenario.faults), when, and what it does to the model.

Each fault is a target with `stop()` and `start()` (a Transport service, a whole server, site links,
the Internet, a Send connector) and a schedule of (down, up) windows: once, repeating, or random with
exponential times to failure and repair drawn from the stream faults/LABEL. Every window is a pair of
scheduled events, never a polling loop, and is written to the record (`fault_windows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..scenario.faults import Fault
from .engine import Environment

if TYPE_CHECKING:
    from .context import Context

NEVER = float("inf")


class Target:
    """Something a fault takes down: `stop()` when it breaks, `start()` when it is repaired."""

    def __init__(self, stop: Callable[[], None], start: Callable[[], None], description: str) -> None:
        self.stop = stop
        self.start = start
        self.description = description


def windows(fault: Fault, end: float, unit: Callable[[], float] | None) -> Iterator[tuple[float, float]]:
    """(down, up) times of a fault that starts before `end` (up is inf: it stays down)."""
    if fault.down_at is not None:
        if fault.down_at <= end:
            yield fault.down_at, fault.up_at if fault.up_at is not None else NEVER
        return
    if fault.every is not None:
        t = fault.first_at if fault.first_at is not None else fault.every
        while t <= end:
            yield t, t + fault.for_
            t += fault.every
        return
    t = unit() * fault.mtbf
    while t <= end:
        repaired = t + unit() * fault.mttr
        yield t, repaired
        t = repaired + unit() * fault.mtbf


def target_of(model: Context, fault: Fault) -> Target:
    """The part of the model a fault takes down."""
    kind = fault.kind
    if kind in ("transport", "server"):
        servers = []
        transport = model.transport_servers.get(fault.server)
        if transport is not None:
            servers.append(transport)
        if kind == "server" and fault.server in model.mailbox_servers:
            servers.append(model.mailbox_servers[fault.server])
        if not servers:
            raise ValueError(f"fault {fault.label}: no server {fault.server!r}")
        return Target(lambda: [s.stop() for s in servers], lambda: [s.start() for s in servers], fault.server)
    network = model.network
    if kind in ("site_link", "partition"):
        pairs = _links(model, fault)
        return Target(lambda: [network.set_link(a, b, False) for a, b in pairs],
                      lambda: [network.set_link(a, b, True) for a, b in pairs], "-".join(fault.sites))  # fmt: skip
    if kind == "internet":
        return Target(lambda: network.set_internet(fault.mode, False), lambda: network.set_internet(fault.mode, True),
                      f"Internet ({fault.mode})")  # fmt: skip
    router = model.router
    return Target(lambda: router.disable(fault.connector), lambda: router.enable(fault.connector), fault.connector)


def _links(model: Context, fault: Fault) -> list[tuple[str, str]]:
    graph = model.topology.graph
    if fault.kind == "site_link":
        return [tuple(fault.sites)]
    inside = set(fault.sites)
    return [(a, b) for a, b in graph.edges if (a in inside) != (b in inside)]


def schedule(model: Context, fault: Fault, index: int) -> None:
    """Schedule every window of one fault, and note each in the recorder."""
    env: Environment = model.env
    target = target_of(model, fault)
    label = fault.label
    unit = (model.streams.batched(f"faults/{label}/{index}", lambda g, n: g.exponential(1.0, n)).next
            if fault.mtbf is not None else None)  # fmt: skip
    for down, up in windows(fault, model.scenario.end_time, unit):
        window = {"fault": label, "kind": fault.kind, "target": target.description, "start": down,
                  "end": None if up == NEVER else up}  # fmt: skip
        model.recorder.fault_windows.append(window)
        env.call_later(down, lambda _event: target.stop())
        if up != NEVER:
            env.call_later(up, lambda _event: target.start())
