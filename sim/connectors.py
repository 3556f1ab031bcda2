"""Send connectors, accepted domains and organisation limits: their schema and the rules that use them.

An external recipient leaves the organisation through a Send connector. Which one is decided per
recipient domain by the order of ../shared/DOMAIN.md section 2 ("Choosing a Send connector"):

1. keep only connectors that are enabled, in scope, big enough for the message and whose address
   space matches the recipient domain;
2. the most specific address space (longest match) wins;
3. then the lowest aggregate cost: the least-cost site path to the connector's source site plus the
   address space's own cost;
4. then proximity: a connector on this very server, then one in this AD site, then one elsewhere;
5. then the alphanumerically lowest connector name.

Everything here is pure and deterministic (no clock, no random stream, no I/O), so the simulator can
call it per message, and tests can check each rule on its own. Accepted domains (DOMAIN.md section 4)
say which recipient domains are the organisation's own, and the organisation limits
(Set-TransportConfig, DOMAIN.md 5.4) which messages are refused with an NDR before routing.

Where DOMAIN.md is silent, the choice made is written in the docstring and marked "Decision:".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .checks import nearest
from .quantities import Size

MB = 1024 * 1024


# ---- delivery status codes, all in one place --------------------------------------------------

class Ndr(NamedTuple):
    """An enhanced status code (RFC 3463) with the text of the NDR that carries it."""

    code: str
    text: str


# DOMAIN.md 5.4 gives the limits but not the NDR text. 5.3.4 is RFC 3463's "message too big for
# system"; the text is the wording of Exchange's SmtpResponse for 552 5.3.4. UNCONFIRMED for 2007.
MESSAGE_TOO_LARGE = Ndr("5.3.4", "Message size exceeds fixed maximum message size")
# 5.5.3 is RFC 3463's "too many recipients"; DOMAIN.md 5.4 says only that going over
# MaxRecipientEnvelopeLimit gives an NDR. Code and text UNCONFIRMED for Exchange 2007.
TOO_MANY_RECIPIENTS = Ndr("5.5.3", "Too many recipients")
# No Send connector left (DOMAIN.md 2, "No route"): the message goes to the Unreachable queue and is
# NDRed. The 2007 code is UNCONFIRMED; DOMAIN.md cites a third-party list for this 5.4.4 text.
NO_ROUTE = Ndr("5.4.4", "No route found to next hop")


# ---- SMTP address spaces ----------------------------------------------------------------------

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_EXPECTED_SPACE = ("expected an SMTP address space: a domain such as 'contoso.com', the domain and all its "
                   "subdomains such as '*.contoso.com', or '*' for every domain")
_EXPECTED_ACCEPTED = ("expected an accepted domain: a domain such as 'contoso.com', or the domain and all its "
                      "subdomains such as '*.contoso.com'")


def normalise_domain(text: str) -> str:
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
        raise ValueError(f"{expected}; give a cost as {{domain: {value.split(';')[0].strip()}, cost: N}}, "
                         f"got {value!r}")
    if len(rest) > 253 or not _DOMAIN.match(rest):
        raise ValueError(f"{expected}, got {value!r}")
    return text


def match_length(pattern: str, domain: str) -> int | None:
    """How specifically an address space matches a recipient domain: higher is more specific; None: no match.

    DOMAIN.md 2 ranks address spaces by the "longest character match" (chicago.contoso.com beats
    *.contoso.com beats *). The score counts the characters of the recipient domain that the pattern
    matches literally:

    - 'contoso.com' matches contoso.com only: len(domain) + 1, the 1 for matching the whole name;
    - '*.contoso.com' matches every subdomain of contoso.com: len('.contoso.com') (the dot is matched);
    - '*.contoso.com' also matches contoso.com itself: len('contoso.com'). TechNet aa998662 (Exchange
      2007): "*.Contoso.com: all recipients ... in the Contoso.com domain or any subdomain";
    - '*' matches every domain: 0, the lowest.

    Decision (DOMAIN.md is silent): for contoso.com, 'contoso.com' (12) beats '*.contoso.com' (11), as
    an exact match beat a wildcard match in earlier Exchange routing (KB Q229961). Two different
    patterns that match the same domain never score the same, so rule 2 has no ties between them.
    Case is ignored. Pure and cheap: a few string comparisons.
    """
    return match_lowercase(pattern.lower(), domain.lower())


def match_lowercase(pattern: str, domain: str) -> int | None:
    """match_length on names already in lower case (validated patterns are), for the per-message path."""
    if pattern == "*":
        return 0
    if pattern.startswith("*."):
        parent = pattern[2:]
        if domain == parent:
            return len(parent)
        return len(parent) + 1 if domain.endswith(pattern[1:]) else None
    return len(domain) + 1 if domain == pattern else None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _unlimited(value: object) -> object:
    """'unlimited' (as Exchange writes it) means no limit: None."""
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        return None
    return value


SizeLimit = Annotated[Size | None, BeforeValidator(_unlimited), WithJsonSchema(
    {"anyOf": [{"type": "string", "examples": ["10MB", "unlimited"]}, {"type": "number"}, {"type": "null"}],
     "description": "a size in B, KB, MB or GB (1 KB = 1024 B), or unlimited"})]
CountLimit = Annotated[int | None, BeforeValidator(_unlimited), WithJsonSchema(
    {"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["unlimited"]}, {"type": "null"}]})]


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
    cost: int = Field(1, ge=1, le=100, description="address space cost, 1 to 100; lower is preferred "
                      "(New-SendConnector -AddressSpaces 'domain;cost', default 1)")

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

    name: str = Field(min_length=1, description="connector name, unique in the organisation; "
                      "the lowest name wins the last tie (DOMAIN.md 2)")
    address_spaces: list[AddressSpaceField] = Field(
        min_length=1, description="recipient domains it serves, each with a cost: 'contoso.com', "
        "'*.contoso.com', '*', or {domain: ..., cost: N}")
    source_servers: list[str] = Field(
        min_length=1, description="Hub Transport servers that send through it (or Edge servers, for an "
        "Edge Subscription connector); all in one AD site (DOMAIN.md 2)")
    delivery: Literal["dns", "smart_host"] = Field(
        "dns", description="dns: to the recipient domain's MX hosts; smart_host: to the smart hosts listed")
    smart_hosts: list[str] = Field(
        default_factory=list, description="host names or IP addresses; required with delivery: smart_host, "
        "not allowed with dns")
    max_message_size: SizeLimit = Field(
        10 * MB, gt=0, description="bigger messages cannot use this connector; unlimited for none "
        "(10 MB default, DOMAIN.md 5.3)")
    enabled: bool = Field(True, description="false: the connector is never chosen")
    scope: Literal["organization", "site"] = Field(
        "organization", description="organization: usable by every Hub; site: only by Hubs in its source "
        "servers' AD site (Exchange 2007 SP1 -IsScopedConnector)")

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
            raise ValueError("smart_hosts are only used with delivery: smart_host; with delivery dns "
                             "(MX lookup) remove them or set delivery: smart_host")
        return self


class AcceptedDomain(_BareDomain):
    """An SMTP domain the organisation accepts mail for (DOMAIN.md 4); a bare 'contoso.com' is authoritative."""

    domain: str = Field(description="'contoso.com', or '*.contoso.com' for the domain and all its subdomains")
    type: Literal["authoritative", "internal_relay", "external_relay"] = Field(
        "authoritative", description="authoritative: mailboxes here; internal_relay: relayed on by the Hubs "
        "(shared namespace); external_relay: relayed on by the Edge servers")
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
        10 * MB, gt=0, description="largest message a sender may send; unlimited for none (SP1 10 MB, RTM unlimited)")
    max_receive_size: SizeLimit = Field(
        10 * MB, gt=0, description="largest message a recipient may receive; unlimited for none "
        "(SP1 10 MB, RTM unlimited)")
    max_recipient_envelope_limit: CountLimit = Field(
        5000, ge=1, description="most recipients in one message, distribution-list members counted; "
        "unlimited for none (SP1 5000, RTM unlimited)")


# ---- accepted domains -------------------------------------------------------------------------

def classify_domain(domain: str, accepted: Sequence[AcceptedDomain]) -> AcceptedDomain | None:
    """The most specific accepted domain covering a recipient domain; None means the domain is external.

    Specificity is `match_length`, so sales.contoso.com set up as internal relay wins over
    *.contoso.com authoritative for sales.contoso.com, and 'contoso.com' wins over '*.contoso.com'
    for contoso.com itself. Why: the accepted-domain type decides whether the categorizer resolves the
    recipient in AD (authoritative), or relays it on by a Send connector (internal or external relay).
    """
    domain = normalise_domain(domain)
    best, best_score = None, -1
    for entry in accepted:
        score = match_length(entry.domain, domain)
        if score is not None and score > best_score:
            best, best_score = entry, score
    return best


def accepted_domain_problems(accepted: Sequence[AcceptedDomain | Mapping],
                             prefix: str = "accepted_domains") -> list[tuple[str, str]]:
    """(key path, message) for a domain listed twice and for more than one default accepted domain.

    Reads models or raw mappings, so sim.checks can run it before the shape is known to be right.
    """
    problems, seen, default = [], {}, None
    for i, entry in enumerate(accepted):
        name = _get(entry, "domain")
        if isinstance(name, str):
            key = normalise_domain(name)
            if key in seen:
                problems.append((f"{prefix}[{i}].domain",
                                 f"duplicate accepted domain {name!r} (also {prefix}[{seen[key]}])"))
            seen.setdefault(key, i)
        if _get(entry, "default") is True:
            if default is not None:
                problems.append((f"{prefix}[{i}].default",
                                 f"only one accepted domain can be the default (also {prefix}[{default}])"))
            else:
                default = i
    return problems


# ---- source servers ---------------------------------------------------------------------------

def _get(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def _site_of(server: str, site_of_server: Mapping[str, str]) -> str | None:
    """The AD site of a server name; Windows computer names are case-insensitive."""
    site = site_of_server.get(server)
    if site is None:
        folded = server.casefold()
        site = next((s for name, s in site_of_server.items() if name.casefold() == folded), None)
    return site


def connector_source_site(connector: SendConnector, site_of_server: Mapping[str, str]) -> str | None:
    """The AD site of a connector's source servers (DOMAIN.md 2: all in one site).

    `site_of_server` maps Hub names, and Edge names to the site the Edge is subscribed to. Unknown
    names are skipped. None when no source server is known, or when they are in different sites: such
    a connector is invalid (source_site_problems reports it) and is never chosen.
    """
    sites = {site for site in (_site_of(s, site_of_server) for s in connector.source_servers) if site is not None}
    return next(iter(sites)) if len(sites) == 1 else None


def source_site_problems(connectors: Sequence[SendConnector | Mapping], site_of_server: Mapping[str, str],
                         prefix: str = "send_connectors") -> list[tuple[str, str]]:
    """(key path, message) for each unknown source server, each connector spanning AD sites, and each
    duplicate connector name.

    `site_of_server` should hold only the servers that may be source servers (Hubs, and Edge servers
    mapped to their subscribed site). Reads models or raw mappings, so sim.checks can run it on a
    file whose shape is wrong elsewhere.
    """
    problems: list[tuple[str, str]] = []
    known = list(site_of_server)
    seen_names: dict[str, int] = {}
    for i, connector in enumerate(connectors):
        name = _get(connector, "name")
        if isinstance(name, str):
            key = name.casefold()
            if key in seen_names:
                problems.append((f"{prefix}[{i}].name", f"duplicate Send connector name {name!r} "
                                 f"(also {prefix}[{seen_names[key]}]); connector names must be unique"))
            seen_names.setdefault(key, i)
        servers = _get(connector, "source_servers")
        if not isinstance(servers, list):
            continue
        first: tuple[str, str] | None = None  # (server, site) of the first known source server
        listed: set[str] = set()
        for j, server in enumerate(servers):
            if not isinstance(server, str):
                continue
            path = f"{prefix}[{i}].source_servers[{j}]"
            if server.casefold() in listed:
                problems.append((path, f"source server {server!r} is listed twice"))
                continue
            listed.add(server.casefold())
            site = _site_of(server, site_of_server)
            if site is None:
                problems.append((path, f"unknown source server {server!r}{nearest(server, known)}; a source "
                                 "server is a Hub Transport server (or a subscribed Edge server)"))
            elif first is None:
                first = (server, site)
            elif site != first[1]:
                problems.append((path, f"{server!r} is in AD site {site!r} but {first[0]!r} is in {first[1]!r}; "
                                 "all source servers of a Send connector must be in the same AD site (DOMAIN.md 2)"))
    return problems
