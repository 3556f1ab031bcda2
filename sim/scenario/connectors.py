"""Schema of Send connectors, accepted domains and organisation limits, with their address-space syntax.

Which connector a message uses, and what an accepted domain means for a recipient, are Exchange's
rules and live in sim.exchange (send_connectors, domains). Here is only what a scenario file may
say and how it is checked: address spaces as TechNet aa998662 allows them, sizes with units or
'unlimited', and one default accepted domain at most (sim.scenario.checks.connectors).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from .quantities import Size

MB = 1024 * 1024


# ---- SMTP address spaces ----------------------------------------------------------------------

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_EXPECTED_SPACE = (
    "expected an SMTP address space: a domain such as 'contoso.com', the domain and all its "
    "subdomains such as '*.contoso.com', or '*' for every domain"
)
_EXPECTED_ACCEPTED = (
    "expected an accepted domain: a domain such as 'contoso.com', or the domain and all its "
    "subdomains such as '*.contoso.com'"
)


def normalise_domain(text: str) -> str:
    """A domain as Exchange compares it: without surrounding spaces, in lower case."""
    return text.strip().lower()


def _check_pattern(value: object, allow_star: bool = True) -> str:
    """The address space in lower case, or ValueError saying which forms are allowed.

    Allowed (TechNet aa998662, Exchange 2007): '*', '*.' followed by an RFC 1035 domain ('*.com' and
    '*.contoso.com', not '*contoso.com'), or a domain. Domains are case-insensitive, so they are kept
    in lower case. The Edge-only '--' address space (all accepted domains) is not modelled.
    """
    expected = _EXPECTED_SPACE if allow_star else _EXPECTED_ACCEPTED
    if not isinstance(value, str):
        raise ValueError(f"{expected}, got {value!r}")
    text = normalise_domain(value)
    if text == "*":
        if allow_star:
            return text
        raise ValueError(f"{expected}; '*' would make every domain the organisation's own, got {value!r}")
    rest = text[2:] if text.startswith("*.") else text
    if ";" in text:
        raise ValueError(
            f"{expected}; give a cost as {{domain: {value.split(';')[0].strip()}, cost: N}}, got {value!r}"
        )
    if len(rest) > 253 or not _DOMAIN.match(rest):
        raise ValueError(f"{expected}, got {value!r}")
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _unlimited(value: object) -> object:
    """'unlimited' (as Exchange writes it) means no limit: None."""
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        return None
    return value


SizeLimit = Annotated[
    Size | None,
    BeforeValidator(_unlimited),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "examples": ["10MB", "unlimited"]}, {"type": "number"}, {"type": "null"}],
            "description": "a size in B, KB, MB or GB (1 KB = 1024 B), or unlimited",
        }
    ),
]
CountLimit = Annotated[
    int | None,
    BeforeValidator(_unlimited),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["unlimited"]}, {"type": "null"}]}),
]


class _BareDomainSchema:
    """Shows editors that a bare string ('contoso.com') is accepted where the model is expected."""

    def __get_pydantic_json_schema__(self, core_schema, handler):
        return {"anyOf": [{"type": "string", "examples": ["contoso.com", "*.contoso.com"]}, handler(core_schema)]}


class _BareDomain(_Strict):
    """A model that may be written as just its domain: "contoso.com" means {domain: contoso.com}."""

    @model_validator(mode="before")
    @classmethod
    def _bare_domain(cls, data):
        return {"domain": data} if isinstance(data, str) else data


class AddressSpace(_BareDomain):
    """An SMTP address space of a Send connector with its cost; a bare 'contoso.com' means cost 1."""

    domain: str = Field(description="'contoso.com', '*.contoso.com' (the domain and all its subdomains) or '*'")
    cost: int = Field(
        1,
        ge=1,
        le=100,
        description="address space cost, 1 to 100; lower is preferred "
        "(New-SendConnector -AddressSpaces 'domain;cost', default 1)",
    )

    @field_validator("domain", mode="before")
    @classmethod
    def _pattern(cls, value):
        return _check_pattern(value)

    def __str__(self) -> str:
        return f"{self.domain} (cost {self.cost})"


AddressSpaceField = Annotated[AddressSpace, _BareDomainSchema()]
"""An AddressSpace that editors are shown may also be written as a bare string."""


class SendConnector(_Strict):
    """A Send connector: the way out of the organisation for the recipient domains of its address spaces."""

    name: str = Field(
        min_length=1,
        description="connector name, unique in the organisation; the lowest name wins the last tie (DOMAIN.md 2)",
    )
    address_spaces: list[AddressSpaceField] = Field(
        min_length=1,
        description="recipient domains it serves, each with a cost: 'contoso.com', "
        "'*.contoso.com', '*', or {domain: ..., cost: N}",
    )
    source_servers: list[str] = Field(
        min_length=1,
        description="Hub Transport servers that send through it (or Edge servers, for an "
        "Edge Subscription connector); all in one AD site (DOMAIN.md 2)",
    )
    delivery: Literal["dns", "smart_host"] = Field(
        "dns", description="dns: to the recipient domain's MX hosts; smart_host: to the smart hosts listed"
    )
    smart_hosts: list[str] = Field(
        default_factory=list,
        description="host names or IP addresses; required with delivery: smart_host, not allowed with dns",
    )
    max_message_size: SizeLimit = Field(
        10 * MB,
        gt=0,
        description="bigger messages cannot use this connector; unlimited for none (10 MB default, DOMAIN.md 5.3)",
    )
    enabled: bool = Field(True, description="false: the connector is never chosen")
    scope: Literal["organization", "site"] = Field(
        "organization",
        description="organization: usable by every Hub; site: only by Hubs in its source "
        "servers' AD site (Exchange 2007 SP1 -IsScopedConnector)",
    )
    protocol_logging_level: Literal["None", "Verbose"] = Field(
        "None",
        description="ProtocolLoggingLevel: Verbose writes every session of this connector to its source "
        "server's SMTP Send protocol log (a run's --out folder: protocol/<SERVER>/ProtocolLog/SmtpSend/); "
        "None by default (E2007 aa997624, New-SendConnector bb123546)",
    )

    @field_validator("source_servers", "smart_hosts")
    @classmethod
    def _names_not_empty(cls, names):
        if any(not name.strip() for name in names):
            raise ValueError("names must not be empty")
        return names

    @model_validator(mode="after")
    def _smart_hosts_fit_delivery(self):
        if self.delivery == "smart_host" and not self.smart_hosts:
            raise ValueError("smart_hosts must list at least one host when delivery is smart_host")
        if self.delivery == "dns" and self.smart_hosts:
            raise ValueError(
                "smart_hosts are only used with delivery: smart_host; with delivery dns "
                "(MX lookup) remove them or set delivery: smart_host"
            )
        return self


class AcceptedDomain(_BareDomain):
    """An SMTP domain the organisation accepts mail for (DOMAIN.md 4); a bare 'contoso.com' is authoritative."""

    domain: str = Field(description="'contoso.com', or '*.contoso.com' for the domain and all its subdomains")
    type: Literal["authoritative", "internal_relay", "external_relay"] = Field(
        "authoritative",
        description="authoritative: mailboxes here; internal_relay: relayed on by the Hubs "
        "(shared namespace); external_relay: relayed on by the Edge servers",
    )
    default: bool = Field(False, description="the default accepted domain (at most one)")

    @field_validator("domain", mode="before")
    @classmethod
    def _pattern(cls, value):
        return _check_pattern(value, allow_star=False)


AcceptedDomainField = Annotated[AcceptedDomain, _BareDomainSchema()]
"""Use as `accepted_domains: list[AcceptedDomainField]` so editors see that 'contoso.com' is accepted."""


class OrganizationLimits(_Strict):
    """Organisation-wide message limits (Set-TransportConfig, DOMAIN.md 5.4; Exchange 2007 SP1 defaults)."""

    max_send_size: SizeLimit = Field(
        10 * MB, gt=0, description="largest message a sender may send; unlimited for none (SP1 10 MB, RTM unlimited)"
    )
    max_receive_size: SizeLimit = Field(
        10 * MB,
        gt=0,
        description="largest message a recipient may receive; unlimited for none (SP1 10 MB, RTM unlimited)",
    )
    max_recipient_envelope_limit: CountLimit = Field(
        5000,
        ge=1,
        description="most recipients in one message, distribution-list members counted; "
        "unlimited for none (SP1 5000, RTM unlimited)",
    )
