"""Accepted domains and address spaces: which rule covers a recipient domain, and how specifically.

DOMAIN.md 2 ranks address spaces by the "longest character match" and DOMAIN.md 4 says what an
accepted domain's type means for a recipient. Pure functions on names already validated by the
schema (sim.scenario.connectors), cheap enough to call per routing decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..scenario.connectors import AcceptedDomain, normalise_domain


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
