"""Send connector selection (DOMAIN.md 2), accepted domains (4) and organisation limits (5.4).

Each selection test is built so that it fails if its rule were removed or moved: the connector that
the decisive rule rejects is the one every later rule (down to the name) would have picked.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from sim.exchange.domains import classify_domain, match_length
from sim.exchange.send_connectors import (
    ConnectorChoice,
    connector_source_site,
    select_send_connector,
    size_and_recipient_verdict,
)
from sim.exchange.status import MESSAGE_TOO_LARGE, NO_ROUTE, TOO_MANY_RECIPIENTS
from sim.scenario.checks.connectors import accepted_domain_problems, source_site_problems
from sim.scenario.connectors import MB, AcceptedDomain, AddressSpace, OrganizationLimits, SendConnector

# Three AD sites in a line: A --10-- B --10-- C (A to C costs 20).
SITE_OF = {"HUB-A1": "A", "HUB-A2": "A", "HUB-B1": "B", "HUB-B2": "B", "HUB-C1": "C", "EDGE-A": "A"}
LINKS = {("A", "B"): 10, ("B", "C"): 10, ("A", "C"): 20}


def path_cost(a: str, b: str) -> int:
    return 0 if a == b else LINKS[tuple(sorted((a, b)))]


def conn(name: str, spaces, servers, **extra) -> SendConnector:
    spaces = [spaces] if isinstance(spaces, (str, dict)) else spaces
    servers = [servers] if isinstance(servers, str) else servers
    return SendConnector(name=name, address_spaces=spaces, source_servers=servers, **extra)


def choose(
    domain: str, connectors, size: float = 50 * 1024, server: str = "HUB-A1", cost=path_cost
) -> ConnectorChoice | None:
    return select_send_connector(domain, size, SITE_OF[server], server, connectors, SITE_OF, cost)


# ---- match_length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern, domain, expected",
    [
        ("contoso.com", "contoso.com", 12),  # exact: every character, plus the whole name
        ("contoso.com", "sales.contoso.com", None),  # a plain domain does not cover its subdomains
        ("contoso.com", "fabrikam.com", None),
        ("*.contoso.com", "sales.contoso.com", 12),  # '.contoso.com' matched
        ("*.contoso.com", "eu.sales.contoso.com", 12),  # any depth of subdomain
        ("*.contoso.com", "contoso.com", 11),  # the parent itself (TechNet aa998662)
        ("*.contoso.com", "notcontoso.com", None),  # a label boundary is needed
        ("*.contoso.com", "contoso.com.fabrikam.net", None),
        ("*.com", "contoso.com", 4),
        ("*", "anything.example.org", 0),
        ("Contoso.COM", "contoso.com", 12),  # domains are case-insensitive
        ("contoso.com", "CONTOSO.com", 12),
    ],
)
def test_match_length_table(pattern, domain, expected):
    assert match_length(pattern, domain) == expected


def test_longer_literal_match_is_more_specific():
    domain = "chicago.contoso.com"
    ranked = ["chicago.contoso.com", "*.chicago.contoso.com", "*.contoso.com", "*.com", "*"]
    scores = [match_length(p, domain) for p in ranked]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)


def test_exact_domain_beats_its_own_wildcard():
    assert match_length("contoso.com", "contoso.com") > match_length("*.contoso.com", "contoso.com")


# ---- rule 1: filtering -------------------------------------------------------------------------


def test_rule_1_too_small_connector_is_dropped_even_when_more_specific():
    small = conn("A-Partner", "fabrikam.com", "HUB-A1", max_message_size="1MB")
    internet = conn("Z-Internet", "*", "HUB-A1", max_message_size="unlimited")
    assert choose("fabrikam.com", [small, internet], size=2 * MB).connector.name == "Z-Internet"
    choice = choose("fabrikam.com", [small, internet], size=1 * MB)  # exactly at the limit fits
    assert choice.connector.name == "A-Partner"


def test_rule_1_reason_names_the_connector_that_was_too_small():
    small = conn("Partner", "fabrikam.com", "HUB-A1", max_message_size="1MB")
    internet = conn("Internet", "*", "HUB-A1")
    choice = choose("fabrikam.com", [small, internet], size=2 * MB)
    assert "'Partner' (max message size 1 MB < 2 MB)" in choice.reason
    assert choice.decided_by == 1


def test_rule_1_disabled_connector_is_never_chosen():
    disabled = conn("A-Partner", "fabrikam.com", "HUB-A1", enabled=False)
    internet = conn("Z-Internet", "*", "HUB-A1")
    choice = choose("fabrikam.com", [disabled, internet])
    assert choice.connector.name == "Z-Internet"
    assert "'A-Partner' (disabled)" in choice.reason


def test_rule_1_site_scoped_connector_serves_only_its_own_site():
    scoped = conn("A-Branch", "fabrikam.com", "HUB-B1", scope="site")
    internet = conn("Z-Internet", "*", "HUB-C1")
    assert choose("fabrikam.com", [scoped, internet], server="HUB-A1").connector.name == "Z-Internet"
    assert choose("fabrikam.com", [scoped, internet], server="HUB-B2").connector.name == "A-Branch"
    # the same connector with organisation scope serves everyone
    open_to_all = conn("A-Branch", "fabrikam.com", "HUB-B1")
    assert choose("fabrikam.com", [open_to_all, internet], server="HUB-A1").connector.name == "A-Branch"


def test_rule_1_non_matching_connector_is_ignored():
    other = conn("A-Other", "contoso.net", "HUB-A1")
    internet = conn("Z-Internet", "*", "HUB-C1")
    assert choose("fabrikam.com", [other, internet]).connector.name == "Z-Internet"


def test_rule_1_unreachable_source_site_is_dropped():
    far = conn("A-Far", "fabrikam.com", "HUB-C1")
    near = conn("Z-Near", "*", "HUB-A2")
    choice = choose("fabrikam.com", [far, near], cost=lambda a, b: None if "C" in (a, b) else path_cost(a, b))
    assert choice.connector.name == "Z-Near" and "no site path to 'C'" in choice.reason


@pytest.mark.parametrize(
    "connectors",
    [
        [],
        [conn("Contoso", "contoso.net", "HUB-A1")],  # nothing matches
        [conn("Internet", "*", "HUB-A1", enabled=False)],  # everything disabled
        [conn("Internet", "*", "HUB-A1", max_message_size="1MB")],  # everything too small
        [conn("Internet", "*", "HUB-B1", scope="site")],  # out of scope for site A
        [conn("Internet", "*", "NO-SUCH-HUB")],  # no known source site
    ],
)
def test_no_connector_left_means_no_route(connectors):
    assert choose("fabrikam.com", connectors, size=2 * MB) is None
    assert NO_ROUTE.code == "5.4.4"


# ---- rule 2: most specific address space -------------------------------------------------------


def test_rule_2_more_specific_address_space_wins_at_a_higher_aggregate_cost():
    partner = conn("Z-Partner", {"domain": "*.fabrikam.com", "cost": 50}, "HUB-C1")  # 20 + 50 = 70
    internet = conn("A-Internet", "*", "HUB-A1")  # 0 + 1 = 1
    choice = choose("mail.fabrikam.com", [internet, partner])
    assert choice.connector.name == "Z-Partner"
    assert choice.aggregate_cost == 70 and choice.source_site == "C"
    assert choice.decided_by == 2
    assert "'A-Internet' lost on address space * (less specific than *.fabrikam.com)" in choice.reason


def test_rule_2_exact_domain_beats_the_wildcard_of_the_same_domain():
    wildcard = conn("A-Wildcard", "*.fabrikam.com", "HUB-A1")
    exact = conn("Z-Exact", {"domain": "fabrikam.com", "cost": 9}, "HUB-B1")
    assert choose("fabrikam.com", [wildcard, exact]).connector.name == "Z-Exact"
    assert choose("sales.fabrikam.com", [wildcard, exact]).connector.name == "A-Wildcard"


def test_rule_2_uses_the_connectors_best_matching_address_space_and_its_cost():
    both = conn("Both", ["*", {"domain": "fabrikam.com", "cost": 7}], "HUB-B1")
    choice = choose("fabrikam.com", [both])
    assert choice.address_space == AddressSpace(domain="fabrikam.com", cost=7)
    assert choice.aggregate_cost == 17
    assert choose("contoso.net", [both]).address_space.domain == "*"


# ---- rule 3: aggregate cost --------------------------------------------------------------------


def test_rule_3_counts_the_site_path_not_only_the_address_space_cost():
    far = conn("A-Far", "*", "HUB-C1")  # address space 1, aggregate 20 + 1 = 21
    mid = conn("Z-Mid", {"domain": "*", "cost": 5}, "HUB-B1")  # address space 5, aggregate 10 + 5 = 15
    choice = choose("fabrikam.com", [far, mid])
    assert choice.connector.name == "Z-Mid" and choice.aggregate_cost == 15
    assert choice.decided_by == 3
    assert "'A-Far' lost on aggregate cost 21" in choice.reason


def test_rule_3_lower_aggregate_cost_beats_proximity():
    mine = conn("A-Mine", {"domain": "*", "cost": 20}, "HUB-A1")  # on this very server, aggregate 20
    remote = conn("Z-Remote", "*", "HUB-B1")  # another site, aggregate 11
    choice = choose("fabrikam.com", [mine, remote], server="HUB-A1")
    assert choice.connector.name == "Z-Remote" and choice.aggregate_cost == 11 and choice.decided_by == 3


def test_reason_reads_as_a_teaching_line():
    internet = conn("Internet", "*", "HUB-B1")
    backup = conn("Backup", "*", "HUB-C1")
    choice = choose("fabrikam.com", [backup, internet])
    assert choice.reason == (
        "'Internet' chosen by rule 3 (lowest aggregate cost): address space * (cost 1), "
        "aggregate cost 11 from site 'B'; 'Backup' lost on aggregate cost 21"
    )


# ---- rule 4: proximity -------------------------------------------------------------------------


def test_rule_4_a_connector_on_this_server_beats_one_on_another_hub_of_the_site():
    colleague = conn("A-Colleague", "*", "HUB-A2")
    mine = conn("Z-Mine", "*", ["HUB-A2", "HUB-A1"])
    for server, expected in (("HUB-A1", "Z-Mine"), ("HUB-A2", "A-Colleague")):
        choice = choose("fabrikam.com", [colleague, mine], server=server)
        assert choice.connector.name == expected and choice.aggregate_cost == 1
    choice = choose("fabrikam.com", [colleague, mine], server="HUB-A1")
    assert choice.decided_by == 4
    assert "'A-Colleague' lost on proximity (source servers in this AD site)" in choice.reason


def test_rule_4_same_site_beats_another_site_at_equal_aggregate_cost():
    remote = conn("A-Remote", "*", "HUB-B1")  # 10 + 1 = 11
    local = conn("Z-Local", {"domain": "*", "cost": 11}, "HUB-A2")  # 0 + 11 = 11
    choice = choose("fabrikam.com", [remote, local], server="HUB-A1")
    assert choice.connector.name == "Z-Local" and choice.decided_by == 4


def test_edge_subscription_connector_counts_in_its_subscribed_site():
    edge = conn("Z-EdgeSync", "*", "EDGE-A")
    remote = conn("A-Remote", "*", "HUB-B1")
    choice = choose("fabrikam.com", [remote, edge], server="HUB-A2")
    assert choice.connector.name == "Z-EdgeSync" and choice.source_site == "A"


# ---- rule 5: name ------------------------------------------------------------------------------


def test_rule_5_lowest_name_breaks_the_last_tie_ignoring_case():
    beta = conn("Beta", "*", "HUB-A2")
    alpha = conn("alpha", "*", "HUB-A2")  # 'Beta' < 'alpha' by code point, but alpha < beta by name
    for order in ([beta, alpha], [alpha, beta]):
        choice = choose("fabrikam.com", order)
        assert choice.connector.name == "alpha" and choice.decided_by == 5
        assert "'Beta' lost on name" in choice.reason


def test_selection_calls_path_cost_once_per_other_site():
    calls = []

    def counting(a, b):
        calls.append((a, b))
        return path_cost(a, b)

    connectors = [conn(f"C{i}", "*", server) for i, server in enumerate(["HUB-A2", "HUB-B1", "HUB-B2", "HUB-C1"])]
    choose("fabrikam.com", connectors, cost=counting)
    assert sorted(calls) == [("A", "B"), ("A", "C")]


# ---- property: the chosen connector always passes rule 1 and wins rule 2 (and 3) -------------------

PATTERNS = [
    "*",
    "*.com",
    "contoso.com",
    "*.contoso.com",
    "sales.contoso.com",
    "*.sales.contoso.com",
    "fabrikam.com",
    "*.fabrikam.com",
    "org",
    "*.org",
]
RECIPIENT_DOMAINS = [
    "contoso.com",
    "sales.contoso.com",
    "eu.sales.contoso.com",
    "fabrikam.com",
    "mail.fabrikam.com",
    "example.org",
    "org",
    "example.net",
]
NAMES = ["Internet", "Backup", "Partner", "alpha", "Beta", "Edge", "Z", "smart"]

connector_strategy = st.builds(
    lambda spaces, servers, enabled, scope, size: dict(
        address_spaces=[{"domain": d, "cost": c} for d, c in spaces],
        source_servers=servers,
        enabled=enabled,
        scope=scope,
        max_message_size=size,
    ),
    spaces=st.lists(st.tuples(st.sampled_from(PATTERNS), st.integers(1, 100)), min_size=1, max_size=3),
    servers=st.sampled_from(
        [["HUB-A1"], ["HUB-A2"], ["HUB-A1", "HUB-A2"], ["HUB-B1"], ["HUB-B1", "HUB-B2"], ["HUB-C1"], ["EDGE-A"]]
    ),
    enabled=st.booleans(),
    scope=st.sampled_from(["organization", "site"]),
    size=st.sampled_from([None, 1 * MB, 10 * MB]),
)


@settings(max_examples=300, deadline=None)
@given(
    specs=st.lists(connector_strategy, max_size=len(NAMES)),
    domain=st.sampled_from(RECIPIENT_DOMAINS),
    size=st.sampled_from([1024, 2 * MB, 20 * MB]),
    server=st.sampled_from(sorted(SITE_OF)),
    data=st.data(),
)
def test_property_choice_is_eligible_and_most_specific(specs, domain, size, server, data):
    connectors = [SendConnector(name=name, **spec) for name, spec in zip(NAMES, specs)]
    site = SITE_OF[server]

    def eligible(c: SendConnector) -> int | None:
        """The best match_length of an eligible connector, else None."""
        scores = [s for s in (match_length(a.domain, domain) for a in c.address_spaces) if s is not None]
        if not scores or not c.enabled or (c.max_message_size is not None and size > c.max_message_size):
            return None
        if c.scope == "site" and connector_source_site(c, SITE_OF) != site:
            return None
        return max(scores)

    choice = choose(domain, connectors, size=size, server=server)
    scored = {c.name: eligible(c) for c in connectors}
    if choice is None:
        assert all(score is None for score in scored.values())
        return
    chosen = choice.connector
    assert chosen.enabled
    assert chosen.max_message_size is None or size <= chosen.max_message_size
    assert match_length(choice.address_space.domain, domain) is not None
    assert choice.address_space in chosen.address_spaces
    assert scored[chosen.name] is not None
    assert match_length(choice.address_space.domain, domain) == scored[chosen.name]
    assert all(score is None or score <= scored[chosen.name] for score in scored.values())
    assert choice.aggregate_cost == path_cost(site, choice.source_site) + choice.address_space.cost
    equally_specific = [c for c in connectors if scored[c.name] == scored[chosen.name]]
    for rival in equally_specific:
        best_cost = min(a.cost for a in rival.address_spaces if match_length(a.domain, domain) == scored[rival.name])
        assert path_cost(site, connector_source_site(rival, SITE_OF)) + best_cost >= choice.aggregate_cost
    # the order connectors are listed in never matters
    shuffled = data.draw(st.permutations(connectors))
    assert choose(domain, shuffled, size=size, server=server).connector.name == chosen.name


# ---- accepted domains --------------------------------------------------------------------------

ACCEPTED = [
    AcceptedDomain(domain="contoso.com", default=True),
    AcceptedDomain(domain="sales.contoso.com", type="internal_relay"),
    AcceptedDomain(domain="*.partner.com", type="external_relay"),
]


@pytest.mark.parametrize(
    "domain, expected",
    [
        ("contoso.com", ("contoso.com", "authoritative")),
        ("Contoso.COM", ("contoso.com", "authoritative")),
        ("sales.contoso.com", ("sales.contoso.com", "internal_relay")),
        ("eu.partner.com", ("*.partner.com", "external_relay")),
        ("partner.com", ("*.partner.com", "external_relay")),
        ("hr.contoso.com", None),  # 'contoso.com' does not cover its subdomains
        ("eu.sales.contoso.com", None),
        ("fabrikam.com", None),
    ],
)
def test_classify_domain(domain, expected):
    found = classify_domain(domain, ACCEPTED)
    assert (found.domain, found.type) == expected if expected else found is None


def test_classify_domain_prefers_the_most_specific_accepted_domain():
    accepted = [*ACCEPTED, AcceptedDomain(domain="*.contoso.com")]
    assert classify_domain("hr.contoso.com", accepted).domain == "*.contoso.com"
    assert classify_domain("sales.contoso.com", accepted).type == "internal_relay"
    assert classify_domain("contoso.com", accepted).domain == "contoso.com"
    assert classify_domain("anything.net", []) is None


def test_accepted_domain_shorthand_and_problems():
    assert AcceptedDomain.model_validate("Contoso.com") == AcceptedDomain(domain="contoso.com")
    problems = accepted_domain_problems(
        [
            {"domain": "contoso.com", "default": True},
            AcceptedDomain(domain="CONTOSO.com"),
            {"domain": "fabrikam.com", "default": True},
        ]
    )
    assert problems == [
        ("accepted_domains[1].domain", "duplicate accepted domain 'contoso.com' (also accepted_domains[0])"),
        ("accepted_domains[2].default", "only one accepted domain can be the default (also accepted_domains[0])"),
    ]


# ---- source servers ----------------------------------------------------------------------------


def test_connector_source_site():
    assert connector_source_site(conn("X", "*", ["HUB-B1", "hub-b2"]), SITE_OF) == "B"
    assert connector_source_site(conn("X", "*", ["HUB-B1", "NOBODY"]), SITE_OF) == "B"
    assert connector_source_site(conn("X", "*", ["HUB-A1", "HUB-B1"]), SITE_OF) is None
    assert connector_source_site(conn("X", "*", ["NOBODY"]), SITE_OF) is None


def test_source_site_problems():
    connectors = [
        conn("Internet", "*", ["HUB-A1", "HUB-B1"]),
        {"name": "internet", "address_spaces": ["*"], "source_servers": ["HUBC1", "hub-a1", "HUB-A1"]},
        conn("Fine", "*", ["HUB-C1"]),
    ]
    assert source_site_problems(connectors, SITE_OF) == [
        (
            "send_connectors[0].source_servers[1]",
            "'HUB-B1' is in AD site 'B' but 'HUB-A1' is in 'A'; all source servers of a Send connector must be "
            "in the same AD site (DOMAIN.md 2)",
        ),
        (
            "send_connectors[1].name",
            "duplicate Send connector name 'internet' (also send_connectors[0]); connector names must be unique",
        ),
        (
            "send_connectors[1].source_servers[0]",
            "unknown source server 'HUBC1' (did you mean 'HUB-C1'?); a source server is a Hub Transport server "
            "(or a subscribed Edge server)",
        ),
        ("send_connectors[1].source_servers[2]", "source server 'HUB-A1' is listed twice"),
    ]


def test_source_site_problems_tolerates_a_wrong_shape():
    assert source_site_problems([{"name": 3, "source_servers": "HUB-A1"}, "junk"], SITE_OF) == []


# ---- organisation limits -----------------------------------------------------------------------


def test_limits_defaults_are_exchange_2007_sp1():
    limits = OrganizationLimits()
    assert (limits.max_send_size, limits.max_receive_size, limits.max_recipient_envelope_limit) == (
        10 * MB,
        10 * MB,
        5000,
    )


@pytest.mark.parametrize(
    "size, recipients, limits, receive, expected",
    [
        (50 * 1024, 3, {}, None, None),
        (10 * MB, 5000, {}, None, None),  # exactly at both limits
        (10 * MB + 1, 1, {}, None, MESSAGE_TOO_LARGE),  # max_send_size
        (15 * MB, 1, {"max_send_size": "20MB"}, None, MESSAGE_TOO_LARGE),  # max_receive_size still 10 MB
        (15 * MB, 1, {"max_send_size": "20MB", "max_receive_size": "20MB"}, None, None),
        (15 * MB, 1, {"max_send_size": "20MB", "max_receive_size": "20MB"}, 10 * MB, MESSAGE_TOO_LARGE),
        (1024, 5001, {}, None, TOO_MANY_RECIPIENTS),
        (20 * MB, 5001, {}, None, MESSAGE_TOO_LARGE),  # size is checked first
        (
            1e12,
            10**6,
            {"max_send_size": "unlimited", "max_receive_size": None, "max_recipient_envelope_limit": "unlimited"},
            None,
            None,
        ),
    ],
)
def test_size_and_recipient_verdict(size, recipients, limits, receive, expected):
    assert size_and_recipient_verdict(size, recipients, OrganizationLimits(**limits), receive) == expected


def test_ndr_codes():
    assert MESSAGE_TOO_LARGE == ("5.3.4", "Message size exceeds fixed maximum message size")
    assert TOO_MANY_RECIPIENTS.code == "5.5.3"


# ---- schema ------------------------------------------------------------------------------------


def _error(model: type[BaseModel], **data) -> str:
    with pytest.raises(ValidationError) as caught:
        model(**data)
    return "; ".join(e["msg"] for e in caught.value.errors())


def test_smart_host_delivery_needs_smart_hosts():
    message = _error(SendConnector, name="X", address_spaces=["*"], source_servers=["HUB-A1"], delivery="smart_host")
    assert "smart_hosts must list at least one host when delivery is smart_host" in message
    ok = conn("X", "*", "HUB-A1", delivery="smart_host", smart_hosts=["relay.isp.net"])
    assert ok.smart_hosts == ["relay.isp.net"]


def test_dns_delivery_refuses_smart_hosts():
    message = _error(SendConnector, name="X", address_spaces=["*"], source_servers=["HUB-A1"], smart_hosts=["relay"])
    assert "only used with delivery: smart_host" in message


@pytest.mark.parametrize(
    "pattern",
    [
        "*.",
        "*contoso.com",
        "contoso..com",
        "-contoso.com",
        "contoso.com;2",
        "",
        "user@contoso.com",
        "*.*.com",
        "con toso.com",
    ],
)
def test_bad_address_space_says_what_is_expected(pattern):
    message = _error(AddressSpace, domain=pattern)
    assert "expected an SMTP address space: a domain such as 'contoso.com'" in message
    assert repr(pattern) in message


def test_address_space_shorthand_cost_range_and_case():
    assert AddressSpace.model_validate("*.Contoso.COM") == AddressSpace(domain="*.contoso.com", cost=1)
    assert "{domain: contoso.com, cost: N}" in _error(AddressSpace, domain="contoso.com;2")
    assert "greater than or equal to 1" in _error(AddressSpace, domain="*", cost=0)
    assert "less than or equal to 100" in _error(AddressSpace, domain="*", cost=101)


def test_accepted_domain_refuses_star():
    assert "'*' would make every domain the organisation's own" in _error(AcceptedDomain, domain="*")


def test_send_connector_shape():
    assert "at least 1 item" in _error(SendConnector, name="X", address_spaces=[], source_servers=["HUB-A1"])
    assert "at least 1 item" in _error(SendConnector, name="X", address_spaces=["*"], source_servers=[])
    assert "Extra inputs" in _error(SendConnector, name="X", address_spaces=["*"], source_servers=["H"], colour=1)
    defaults = conn("X", "*", "HUB-A1")
    assert (defaults.max_message_size, defaults.delivery, defaults.scope, defaults.enabled) == (
        10 * MB,
        "dns",
        "organization",
        True,
    )
    assert conn("X", "*", "HUB-A1", max_message_size="Unlimited").max_message_size is None
    assert "greater than 0" in _error(
        SendConnector, name="X", address_spaces=["*"], source_servers=["H"], max_message_size="0KB"
    )


@pytest.mark.parametrize("model", [AddressSpace, SendConnector, AcceptedDomain, OrganizationLimits])
def test_every_field_has_a_description(model):
    assert all(field.description for field in model.model_fields.values())


def test_json_schema_shows_shorthands():
    schema = SendConnector.model_json_schema()
    items = schema["properties"]["address_spaces"]["items"]["anyOf"]
    assert {"type": "string", "examples": ["contoso.com", "*.contoso.com"]} in items
    assert {"type": "string", "examples": ["10MB", "unlimited"]} in schema["properties"]["max_message_size"]["anyOf"]
