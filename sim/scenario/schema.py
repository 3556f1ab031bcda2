"""The scenario schema: one Exchange organisation and its workload, with every default in one place.

Every field has a default and a description, so `exsim schema` gives editors autocompletion and
`exsim validate` can show what was assumed. Values marked UNCONFIRMED in their description are
stand-ins where docs/exchange/ found no Exchange 2007 source: always overridable, never hidden.
Cross-references (names of sites and servers, rules across keys) are checked by `sim.scenario.checks`, which
Scenario runs in its own model validator beside the shape check.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from .checks import cross_checks, timing
from .clients import SmtpClient
from .connectors import AcceptedDomain, AcceptedDomainField, OrganizationLimits, SendConnector
from .distributions import CountDistribution, Service, SizeDistribution, coerce_shorthand
from .errors import with_problems
from .faults import Fault
from .hub_count import default_hub_names, resize_hubs
from .perimeter import EdgeServer, Internet, RecipientDomain
from .quantities import Bandwidth, Duration, Rate
from .receive import DomainSecurity, IPv4, ReceiveConnector, SmtpUser
from .transport import BackPressure, Poison, Transport, TransportOverrides

PROFILES: dict[str, float] = {"light": 5, "average": 10, "heavy": 20, "very-heavy": 30}
"""Messages sent per mailbox per day (DOMAIN.md section 7; the table itself is UNCONFIRMED for 2007)."""
PROFILES_RECEIVED: dict[str, float] = {"light": 20, "average": 40, "heavy": 80, "very-heavy": 120}
"""Messages received per mailbox per day, as published beside the sent figures (DOMAIN.md 7, UNCONFIRMED)."""

# A working day: quiet night, ramp from 07:00, peaks mid-morning and mid-afternoon, tail to 20:00.
BUSINESS_DAY = [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 2.0, 2.6, 2.4, 2.0, 1.6, 2.2, 2.4, 2.2, 1.8, 1.2, 0.7, 0.4, 0.3, 0.2, 0.1, 0.1]  # fmt: skip
DIURNAL_CURVES: dict[str, list[float]] = {"flat": [1.0] * 24, "business-day": BUSINESS_DAY}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _svc(mean: str, dist: str = "exponential", per_kb: str = "0s", per_recipient: str = "0s"):
    return Field(
        default_factory=lambda: Service(dist=dist, mean=mean, per_kb=per_kb, per_recipient=per_recipient),
        description=f"core time per message: {dist} mean {mean}, plus {per_kb}/KB and {per_recipient}/recipient "
        "(UNCONFIRMED: no public Exchange 2007 per-message CPU figure; calibrate to your hardware)",
    )


ServiceField = Annotated[Service, BeforeValidator(coerce_shorthand)]
Question = Literal["auto", "round-robin", "routing", "failover", "n-1", "point-of-failure", "held-mail", "back-pressure",
                   "anti-spam", "send-connectors", "receive-connectors", "headroom"]  # fmt: skip
"""The questions a report's answer figure can answer (sim.results.answers draws one figure for each)."""


class Stages(_Strict):
    """Core time each Hub Transport stage spends per message; a stage of zero time costs no event."""

    store_driver_submit: ServiceField = _svc("25ms", per_kb="0.2ms")
    smtp_receive: ServiceField = _svc("15ms", per_kb="0.1ms")
    categorizer: ServiceField = _svc("40ms", per_recipient="5ms")
    store_driver_deliver: ServiceField = _svc("30ms", per_kb="0.2ms")
    smtp_send: ServiceField = Field(
        default_factory=lambda: Service(dist="exponential", mean="20ms"),
        description="SMTP session time on the sending Hub's outbound connection (not core time), "
        "before the site link's latency and transfer time (UNCONFIRMED stand-in)",
    )
    hub_antivirus: bool = Field(
        False, description="antivirus scanning on the Hubs: every message categorized also pays `antivirus`"
    )
    antivirus: ServiceField = Field(
        default_factory=lambda: Service(dist="exponential", mean="25ms", per_kb="0.75ms"),
        description="core time of the Hub antivirus scan per message (with hub_antivirus): about 62 ms for 50 KB, "
        "40% over the default Hub cost of such a message, as the 5:1 against 7:1 Mailbox:Hub core ratio implies "
        "(UNCONFIRMED stand-in, DOMAIN.md 7.x)",
    )


class HubSettings(_Strict):
    """Set-TransportServer limits and hardware of one Hub Transport server (DOMAIN.md 5.1)."""

    cores: int = Field(4, ge=1, description="processor cores shared by all stages (4 recommended for a Hub)")
    max_concurrent_mailbox_submissions: int = Field(
        20, ge=1, description="Store Driver submission threads (20 per E2010 doc; 2007 value UNCONFIRMED)"
    )
    max_concurrent_mailbox_deliveries: int = Field(
        20,
        ge=1,
        le=256,
        description="Store Driver delivery threads over all mailbox delivery queues "
        "(20 per E2010 doc, 30 per a 2007 blog; UNCONFIRMED)",
    )
    categorizer_threads: int = Field(
        4, ge=1, description="messages the categorizer works on at once, FIFO (UNCONFIRMED stand-in)"
    )
    max_per_domain_outbound_connections: int = Field(
        20, ge=1, description="SMTP connections per next hop (remote delivery queue)"
    )
    max_outbound_connections: int = Field(1000, ge=1, description="SMTP connections over all remote queues")
    ip: IPv4 | None = Field(
        None,
        description="IP address of the server; empty means derived from its place "
        "in the file (Hubs 10.0.0.1, 10.0.0.2, ... in order)",
    )
    receive_connectors: list[ReceiveConnector] | None = Field(
        None,
        description="Receive connectors; empty means the two defaults 'Default SERVER' (0.0.0.0:25) and "
        "'Client SERVER' (0.0.0.0:587) with E2010 permission groups and auth mechanisms (UNCONFIRMED for 2007)",
    )
    transport: TransportOverrides | None = Field(
        None, description="this server's Set-TransportServer timers where they differ from the organisation's"
    )
    back_pressure: BackPressure | None = Field(
        None, description="this server's resource monitoring where it differs from the organisation's"
    )


class Hub(HubSettings):
    """A Hub Transport server."""

    name: str = Field(min_length=1, description="server name, unique in the organisation")


class MailboxServer(_Strict):
    """A Mailbox server; with roles [mailbox, hub] it also holds the Hub Transport role."""

    name: str = Field(min_length=1, description="server name, unique in the organisation")
    mailboxes: int = Field(1000, ge=0, description="mailboxes homed on this server")
    roles: list[Literal["mailbox", "hub"]] = Field(
        default_factory=lambda: ["mailbox"], description="[mailbox] or [mailbox, hub] for a co-located Hub"
    )
    hub: HubSettings = Field(default_factory=HubSettings, description="settings of the co-located Hub role")
    sends_mail: bool = Field(True, description="false: its mailboxes receive mail but their users send none")
    cores: int | None = Field(
        None, ge=1, description="processor cores, for the Mailbox:Hub core ratio only (not simulated); empty: unknown"
    )
    mapi_encryption_required: bool = Field(
        False,
        description="Set-MailboxServer -MAPIEncryptionRequired: MAPI clients must encrypt RPC traffic; "
        "shown by exsim audit",
    )
    mapi_encryption_cost: Duration = Field(
        0.0005,
        ge=0,
        description="extra core time per Store Driver message when MAPI encryption is required (UNCONFIRMED stand-in)",
    )

    @property
    def is_hub(self) -> bool:
        """True when this Mailbox server also holds the Hub Transport role."""
        return "hub" in self.roles


def _list_or_count(schema: dict) -> None:
    """`hubs` in the JSON Schema: the list of Hubs, or a count of default Hubs (as Site reads it)."""
    listed = {key: schema.pop(key) for key in ("type", "items") if key in schema}
    schema["anyOf"] = [listed, {"type": "integer", "minimum": 0}]


class Site(_Strict):
    """An Active Directory site with its Exchange servers."""

    name: str = Field(min_length=1, description="AD site name")
    hubs: list[Hub] = Field(
        default_factory=list,
        description="Hub Transport servers; a count N instead makes N default Hubs",
        json_schema_extra=_list_or_count,
    )
    mailbox_servers: list[MailboxServer] = Field(default_factory=list, description="Mailbox servers of this site")
    hub_site: bool = Field(
        False, description="Set-AdSite -HubSiteEnabled: mail crossing this site stops here to be re-categorized"
    )
    hub_count: int | None = Field(
        None,
        ge=0,
        description="resize hubs to this many, keeping their settings: new Hubs copy the last Hub's settings and "
        "are named on from its name (sim/scenario/hub_count.py); empty means the hubs as listed",
    )

    @model_validator(mode="before")
    @classmethod
    def _expand_hub_count(cls, data):
        count = data.get("hubs") if isinstance(data, dict) else None
        if count is not None and (isinstance(count, bool) or not isinstance(count, (int, list))):
            raise ValueError("hubs must be a list of servers or a count of zero or more")  # `hubs: lots`
        if isinstance(count, int):
            if count < 0:
                raise ValueError("hubs must be a list of servers or a count of zero or more")
            data = {**data, "hubs": [{"name": name} for name in default_hub_names(data.get("name", "SITE"), count)]}
        wanted = data.get("hub_count") if isinstance(data, dict) else None
        if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted >= 0:
            taken = {m.get("name") for m in data.get("mailbox_servers") or [] if isinstance(m, dict)}
            hubs = resize_hubs(str(data.get("name", "SITE")), data.get("hubs"), wanted, {str(n) for n in taken})
            data = {**data, "hubs": hubs, "hub_count": None}  # applied: the list is what counts from here on
        return data

    @property
    def all_hubs(self) -> list[Hub]:
        """Dedicated Hubs, then the Hub role of co-located Mailbox servers, in file order."""
        colocated = [Hub(name=m.name, **m.hub.model_dump()) for m in self.mailbox_servers if m.is_hub]
        return list(self.hubs) + colocated


class SiteLink(_Strict):
    """An AD IP site link between two sites."""

    sites: tuple[str, str] = Field(description="the two AD sites it joins")
    cost: int = Field(100, ge=1, description="AD site link cost (AD default 100)")
    exchange_cost: int | None = Field(None, ge=1, description="Exchange-specific cost; overrides cost for routing")
    latency: Duration = Field(0.0, ge=0, description="one-way network latency per SMTP transfer")
    bandwidth: Bandwidth = Field(100e6, gt=0, description="bandwidth available to one transfer")

    @property
    def routing_cost(self) -> int:
        """The cost routing uses: the Exchange cost where set, else the AD cost."""
        return self.exchange_cost if self.exchange_cost is not None else self.cost


Diurnal = Literal["flat", "business-day"] | Annotated[list[float], Field(min_length=24, max_length=24)]


class Workload(_Strict):
    """Mail generated by users on each Mailbox server."""

    profile: Literal["light", "average", "heavy", "very-heavy"] = Field(
        "average", description="messages sent per mailbox per day: light 5, average 10, heavy 20, very-heavy 30"
    )
    sent_per_mailbox_per_day: float | None = Field(None, gt=0, description="overrides the profile when set")
    diurnal: Diurnal = Field("business-day", description="flat, business-day, or 24 hourly weights")
    start_of_day: Duration = Field(0.0, ge=0, lt=86400, description="clock time at the start of the run, e.g. 7h")
    rate: Rate | None = Field(
        None, gt=0, description="fixed Poisson rate per Mailbox server (e.g. '2/s'); overrides profile and diurnal"
    )
    recipients: CountDistribution = Field(
        default_factory=lambda: CountDistribution(dist="geometric", mean=2.0),
        description="recipients per message (UNCONFIRMED default: geometric, mean 2)",
    )
    size: Annotated[SizeDistribution, BeforeValidator(coerce_shorthand)] = Field(
        default_factory=lambda: SizeDistribution(dist="lognormal", mean=50 * 1024, cv=1.0),
        description="message size (mean 50 KB per DOMAIN.md 7; the lognormal shape is a stand-in)",
    )
    domains: list[RecipientDomain] = Field(
        default_factory=list, description="other domains users send to (Internet, shared namespaces), with shares"
    )
    unknown_share: float = Field(
        0.0, ge=0, le=1, description="share of recipients addressed to no one in the organisation's own domain"
    )
    received_per_mailbox_per_day: float | None = Field(
        None,
        gt=0,
        description="overrides the profile's received figure (light 20, average 40, heavy 80, very-heavy 120 a day)",
    )
    internet_inbound: Literal["none", "edges", "hubs"] = Field(
        "none",
        description="where the Internet share of the profile's received mail arrives: none (only "
        "internet.inbound_rate), edges (the MX: Edge Transport) or hubs (Internet-facing Hubs' Receive "
        "connector); see sim/model/workload.py for how received mail splits into internal and Internet",
    )
    internet_hubs: list[str] = Field(
        default_factory=list, description="the Internet-facing Hubs (internet_inbound: hubs); empty means every Hub"
    )

    @model_validator(mode="after")
    def _shares_fit(self):
        if sum(d.share for d in self.domains) + self.unknown_share > 1:
            raise ValueError("the shares of domains and unknown_share add up to more than 1")
        return self

    @field_validator("diurnal")
    @classmethod
    def _weights_valid(cls, value):
        if isinstance(value, list) and (min(value) < 0 or sum(value) <= 0):
            raise ValueError("diurnal weights must be zero or more with a positive sum")
        return value

    @property
    def sent_per_day(self) -> float:
        """Messages each mailbox sends a day: the explicit number, else the profile's."""
        return self.sent_per_mailbox_per_day or PROFILES[self.profile]

    @property
    def received_per_day(self) -> float:
        """Messages each mailbox receives a day: the explicit number, else the profile's."""
        return self.received_per_mailbox_per_day or PROFILES_RECEIVED[self.profile]

    @property
    def hourly_weights(self) -> list[float]:
        """24 weights with mean 1, so a day's total equals the profile's."""
        weights = DIURNAL_CURVES[self.diurnal] if isinstance(self.diurnal, str) else self.diurnal
        mean = sum(weights) / 24.0
        return [w / mean for w in weights]


class MailSubmission(_Strict):
    """The Mailbox servers' Mail Submission Service."""

    retry_interval: Duration = Field(
        30.0,
        gt=0,
        description="wait before the Outbox is tried again while no Hub of the site takes mail (its Transport "
        "service down, or back pressure at High); mail waiting for a busy submission thread is taken as soon as "
        "one is free (UNCONFIRMED: DOMAIN.md 1.1 has no number)",
    )


class Scenario(_Strict):
    """One organisation, its workload and how long to run it."""

    name: str = Field("unnamed scenario", description="a title for reports")
    description: str = Field("", description="what this scenario teaches or asks")
    question: Question = Field("auto", description="the question the report's first figure answers (sim.results."
                               "answers); auto: chosen from what the scenario holds (its faults, Edges, sites)")  # fmt: skip
    duration: Duration = Field(timing.DURATION, gt=0, description="simulated time during which mail is generated")
    warmup: Duration = Field(0.0, ge=0, description="mail submitted before this is left out of latency statistics")
    drain: Duration = Field(
        timing.DRAIN, ge=0, description="after duration, no new mail; run this much longer to let queues empty"
    )
    seed: int = Field(1, description="root seed of every named random stream")
    domain: str = Field("contoso.com", min_length=1, description="SMTP domain of the organisation's mailboxes")
    record: Literal["summary", "messages", "hops"] = Field(
        "messages", description="summary: latencies only; messages: a row per recipient; hops: also a row per hop"
    )
    sample_interval: Duration = Field(60.0, gt=0, description="how often queue lengths and throughput are sampled")
    sites: list[Site] = Field(min_length=1, description="the AD sites with their Exchange servers")
    site_links: list[SiteLink] = Field(default_factory=list, description="IP site links joining the AD sites")
    stages: Stages = Field(default_factory=Stages, description="time each Hub stage spends per message")
    workload: Workload = Field(default_factory=Workload, description="the mail users send")
    mail_submission: MailSubmission = Field(
        default_factory=MailSubmission, description="the Mailbox servers' Mail Submission Service"
    )
    transport: Transport = Field(
        default_factory=Transport, description="Set-TransportServer timers of every Hub and Edge (each may override)"
    )
    back_pressure: BackPressure = Field(
        default_factory=BackPressure, description="resource monitoring of every Hub and Edge (each may override)"
    )
    poison: Poison = Field(default_factory=Poison, description="messages that crash the Transport service")
    faults: list[Fault] = Field(
        default_factory=list,
        description="what breaks and when: services, servers, site links, the Internet, connectors",
    )
    edges: list[EdgeServer] = Field(default_factory=list, description="Edge Transport servers in the perimeter")
    internet: Internet = Field(default_factory=Internet, description="inbound Internet mail and remote hosts")
    accepted_domains: list[AcceptedDomainField] = Field(
        default_factory=list, description="accepted domains; empty means `domain` alone, authoritative"
    )
    send_connectors: list[SendConnector] = Field(default_factory=list, description="Send connectors")
    smtp_clients: list[SmtpClient] = Field(
        default_factory=list, description="POP3/IMAP4 users and applications submitting over SMTP to a connector"
    )
    smtp_users: list[SmtpUser] = Field(
        default_factory=list,
        description="accounts that may authenticate on Receive connectors (AUTH PLAIN, LOGIN, NTLM)",
    )
    limits: OrganizationLimits = Field(
        default_factory=OrganizationLimits, description="Set-TransportConfig organisation limits (SP1 defaults)"
    )
    domain_security: DomainSecurity = Field(
        default_factory=DomainSecurity,
        description="Set-TransportConfig TLSReceiveDomainSecureList and TLSSendDomainSecureList: partner "
        "domains whose mail must use mutual TLS (Domain Security)",
    )
    tracking_log: bool = Field(True, description="keep the message tracking log (result.tracking_log, tracking/ files)")
    start_date: str = Field(
        "2026-01-05",
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="UTC date of the run's first day, for tracking log timestamps",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _cross_checked(cls, data, handler):
        """The rules across the scenario (sim.scenario.checks) run on the mapping as given, beside the shape check,
        and come out in one ValidationError with it: every way of building a Scenario checks them, and a file's
        mistakes are all reported at once."""
        problems = cross_checks(data) if isinstance(data, dict) else []
        try:
            scenario = handler(data)
        except ValidationError as error:
            raise with_problems(error, problems, cls.__name__) from None
        if problems:
            raise with_problems(None, problems, cls.__name__)
        return scenario

    @property
    def end_time(self) -> float:
        """When the run stops: duration, then drain."""
        return self.duration + self.drain

    @property
    def effective_accepted_domains(self) -> list[AcceptedDomain]:
        """The accepted domains, with the organisation's own `domain` authoritative if not listed."""
        listed = list(self.accepted_domains)
        if not any(d.domain.lower() == self.domain.lower() for d in listed):
            listed.insert(0, AcceptedDomain(domain=self.domain, type="authoritative", default=not listed))
        return listed
