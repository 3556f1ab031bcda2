"""Schema of faults: what breaks, and when (once, repeating, or at random).

What breaks (`kind`):
- `transport`: the Microsoft Exchange Transport service of a Hub or Edge (or co-located Hub role) stops;
- `server`: a whole server is down, every role it holds: a Mailbox server's mailboxes cannot be
  delivered to and its users cannot submit (their mail waits in the Outbox);
- `site_link`: an IP site link is down; `partition`: every link between `sites` and the rest is down;
- `internet`: remote hosts `refuse` (4xx to every message) or are `unreachable` (no connection, in or out);
- `send_connector`: a Send connector is disabled (a scheduled configuration change): routing changes,
  and mail in the Unreachable queues is resubmitted through the categorizer when it is enabled again.

When (exactly one schedule): `down_at` with an optional `up_at`; `every` with `for` (and `first_at`);
or `mtbf` with `mttr`, exponential times drawn from the named stream `faults/NAME`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .quantities import Duration

FaultKind = Literal["transport", "server", "site_link", "partition", "internet", "send_connector"]
TARGET_FIELD = {"transport": "server", "server": "server", "site_link": "sites", "partition": "sites",
                "internet": "mode", "send_connector": "connector"}  # fmt: skip
"""The field that names what breaks, for each kind."""


class Fault(BaseModel):
    """Something that breaks, on a schedule."""

    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True)

    kind: FaultKind = Field("transport", description="transport (a Hub's or Edge's Transport service stops), server "
                            "(a whole server, Mailbox servers too), site_link, partition, internet or send_connector")  # fmt: skip
    server: str | None = Field(None, description="the Hub Transport server (or co-located Mailbox+Hub server)")
    service: Literal["transport"] | None = Field(None, description="the service that stops (transport, the default)")
    sites: list[str] | None = Field(None, description="site_link: the two sites it joins; partition: the sites cut "
                                    "off from all the others")  # fmt: skip
    mode: Literal["refuse", "unreachable"] | None = Field(
        None, description="internet: refuse (every delivery answered 4xx) or unreachable (no connection, in or out)"
    )
    connector: str | None = Field(None, description="send_connector: the Send connector disabled")
    name: str | None = Field(None, description="a label; also names the random stream faults/NAME")
    down_at: Duration | None = Field(None, ge=0, description="time from the start of the run")
    up_at: Duration | None = Field(None, description="time it starts again; empty means it stays down")
    every: Duration | None = Field(None, gt=0, description="repeating: it breaks every this long ...")
    for_: Duration | None = Field(None, gt=0, alias="for", description="repeating: ... for this long each time")
    first_at: Duration | None = Field(None, ge=0, description="repeating: the first time (default: `every`)")
    mtbf: Duration | None = Field(None, gt=0, description="random: mean time between failures (exponential)")
    mttr: Duration | None = Field(None, gt=0, description="random: mean time to repair (exponential)")

    @model_validator(mode="after")
    def _one_target(self):
        if self.service is not None and self.kind != "transport":
            raise ValueError(f"service: transport says the Transport service stops; a {self.kind} fault takes none")
        needed = TARGET_FIELD[self.kind]  # a missing target is reported by sim.scenario.checks.faults, with its key
        given = [f for f in ("server", "sites", "mode", "connector") if getattr(self, f) is not None and f != needed]
        if given:
            raise ValueError(f"a {self.kind} fault takes {needed}, not {', '.join(given)}")
        if self.kind == "site_link" and self.sites is not None and len(self.sites) != 2:
            raise ValueError("a site_link fault names the two sites the link joins")
        if self.kind == "partition" and self.sites == []:
            raise ValueError("a partition names at least one site to cut off")
        return self

    @model_validator(mode="after")
    def _one_schedule(self):
        forms = [self.down_at is not None, self.every is not None or self.for_ is not None,
                 self.mtbf is not None or self.mttr is not None]  # fmt: skip
        if sum(forms) != 1:
            raise ValueError("give one schedule: down_at (and up_at), or every and for, or mtbf and mttr")
        if forms[1] and (self.every is None or self.for_ is None):
            raise ValueError("a repeating fault needs both every and for")
        if forms[1] and self.for_ >= self.every:
            raise ValueError("for must be shorter than every (it is repaired before it breaks again)")
        if forms[2] and (self.mtbf is None or self.mttr is None):
            raise ValueError("a random fault needs both mtbf and mttr")
        if self.up_at is not None and self.down_at is None:
            raise ValueError("up_at goes with down_at")
        return self  # up_at later than down_at: sim.scenario.checks.faults (reported beside any other mistake)

    @property
    def label(self) -> str:
        """How the fault is named in tables and the random stream: `name`, else what breaks."""
        if self.name:
            return self.name
        target = getattr(self, TARGET_FIELD[self.kind])
        return f"{self.kind}:{'-'.join(target) if isinstance(target, list) else target}"
