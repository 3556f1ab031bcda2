"""The tables of routing decisions, for `trace` and teaching: the AD-site routes the Hubs used, and the decision
behind each remote domain's queue. The record keeps them as these columns and `Results` shows them as they are.
"""

from __future__ import annotations

from .declare import Column, Table

ROUTES = Table("routes", "one AD-site route from a site with a Hub to another site it reaches", [
    Column("source", "text", "", "the site the route starts from"),
    Column("target", "text", "", "the site it reaches"),
    Column("path", "text", "", "the sites on the least-cost path, SITE>SITE>..."),
    Column("next_hop", "text", "", "the site mail is relayed to first (a hub site, or the target)"),
    Column("cost", "int64", "", "the path's cost: the sum of its IP site link costs"),
    Column("reason", "text", "", "why this path and next hop (Exchange's tie-breaks, hub sites)"),
])  # fmt: skip

DECISIONS = Table("decisions", "one routing decision for a domain on one server", [
    Column("server", "text", "", "the Hub or Edge that decided"),
    Column("domain", "text", "", "the recipient domain"),
    Column("reason", "text", "", "why this next hop: the Send connector, smart host, Edge or site chosen (sim.exchange.routing)"),
])  # fmt: skip
