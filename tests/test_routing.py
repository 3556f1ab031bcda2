"""Routing between AD sites (DOMAIN.md 2): least cost, Exchange's tie-breaks, hub sites, the routing table."""

from __future__ import annotations

import pickle
import random
from itertools import pairwise
from types import SimpleNamespace

import networkx as nx
import pytest
import yaml

import sim
from sim.cli import main
from sim.exchange.topology import Topology, site_order
from sim.results.plots.topology import topology as topology_figure


def org(links, hub_sites=(), sites=None, mailboxes=None) -> dict:
    """Sites with one Hub each, joined by `links` given as (a, b, cost) or (a, b, cost, extra fields)."""
    names = sites or list(dict.fromkeys(name for link in links for name in link[:2]))
    site_links = [
        {"sites": [link[0], link[1]], "cost": link[2], **(link[3] if len(link) > 3 else {})} for link in links
    ]
    return {
        "name": "routing",
        "duration": "10min",
        "sites": [
            {
                "name": name,
                "hubs": 1,
                "hub_site": name in hub_sites,
                **(
                    {"mailbox_servers": [{"name": f"{name}-MBX", "mailboxes": 10}]}
                    if mailboxes and name in mailboxes
                    else {}
                ),
            }
            for name in names
        ],
        "site_links": site_links,
    }


def topo(links, **kwargs) -> Topology:
    return Topology(sim.load_scenario(org(links, **kwargs)))


# -- least cost and tie-breaks -----------------------------------------------------------------------
def test_fewest_hops_beats_an_equal_cost_path_with_more_hops():
    # A>B>C>D and A>Z>D both cost 20; the 3-hop path would win on names (C sorts before Z), so only
    # the hop count can pick A>Z>D.
    t = topo([("A", "B", 5), ("B", "C", 5), ("C", "D", 10), ("A", "Z", 10), ("Z", "D", 10)])
    route = t.route("A", "D")
    assert route.path == ("A", "Z", "D")
    assert route.cost == 20
    assert "fewest hops (2) beat an equal-cost path of 3 hops" in route.reason


def test_lower_cost_beats_fewer_hops():
    t = topo([("A", "B", 5), ("B", "C", 5), ("C", "D", 9), ("A", "Z", 10), ("Z", "D", 10)])
    route = t.route("A", "D")
    assert route.path == ("A", "B", "C", "D") and route.cost == 19
    assert "fewest hops" not in route.reason and "sorts before" not in route.reason


def test_site_before_the_destination_with_the_lower_name_wins():
    # The blog's Example 2: {A-B-D} over {A-C-D}.
    t = topo([("A", "C", 10), ("C", "D", 10), ("A", "B", 10), ("B", "D", 10)])
    route = t.route("A", "D")
    assert route.path == ("A", "B", "D")
    assert "B sorts before C as the site before the destination" in route.reason


def test_names_are_compared_next_to_the_destination_not_next_to_the_source():
    # A>B>Y>D against A>C>X>D: the first intermediate site favours B (B < C), the site before the
    # destination favours X (X < Y). Exchange compares the site before the destination.
    t = topo([("A", "B", 10), ("B", "Y", 10), ("Y", "D", 10), ("A", "C", 10), ("C", "X", 10), ("X", "D", 10)])
    assert t.route("A", "D").path == ("A", "C", "X", "D")
    assert "X sorts before Y as the site before the destination" in t.route("A", "D").reason
    # The other way round the same two paths meet the destination A through B or C: B wins, so the
    # route back is not the reverse of the route there.
    assert t.route("D", "A").path == ("D", "Y", "B", "A")


def test_same_site_before_the_destination_falls_back_to_the_site_before_that():
    # S>B>Y>M>D against S>C>X>M>D: both reach D through M; before M, X beats Y (B would win first).
    t = topo([("S", "B", 1), ("B", "Y", 1), ("Y", "M", 1), ("S", "C", 1), ("C", "X", 1), ("X", "M", 1), ("M", "D", 1)])
    route = t.route("S", "D")
    assert route.path == ("S", "C", "X", "M", "D")
    assert "X sorts before Y as the site before M" in route.reason


def _key(graph, path):
    """Exchange's order of paths: cost, hops, then site names read from the destination back."""
    cost = sum(graph.edges[a, b]["cost"] for a, b in pairwise(path))
    return cost, len(path), [site_order(name) for name in reversed(path)]


def test_route_matches_brute_force_over_all_simple_paths():
    """Random small organisations: the chosen path is the minimum of (cost, hops, site names read
    from the destination back) over every simple path."""
    rng = random.Random(20070315)
    checked = 0
    for _ in range(60):
        count = rng.randint(3, 7)
        names = [f"{rng.choice('ABCab')}{i}" for i in range(count)]
        rng.shuffle(names)
        pairs = [(names[rng.randrange(i)], names[i]) for i in range(1, count)]
        pairs += [tuple(rng.sample(names, 2)) for _ in range(count)]
        links = [(a, b, rng.choice([1, 2, 3]), {"exchange_cost": 1} if rng.random() < 0.15 else {}) for a, b in pairs]
        t = topo(links, sites=names)
        graph = t.graph
        for source in names:
            for target in names:
                if source == target:
                    continue
                best = min(nx.all_simple_paths(graph, source, target), key=lambda path: _key(graph, path))
                route = t.route(source, target)
                assert list(route.path) == best
                assert route.cost == _key(graph, best)[0]
                checked += 1
    assert checked > 500


# -- Exchange cost --------------------------------------------------------------------------------
def test_exchange_cost_overrides_the_ad_cost():
    links = [("A", "B", 10), ("B", "D", 10), ("A", "C", 15), ("C", "D", 15)]
    assert topo(links).route("A", "D").path == ("A", "B", "D")
    links[2] = ("A", "C", 15, {"exchange_cost": 4})
    route = topo(links).route("A", "D")
    assert route.path == ("A", "C", "D")
    assert route.cost == 19
    assert "Exchange cost on A-C" in route.reason


def test_a_high_exchange_cost_steers_mail_off_a_cheap_ad_link():
    links = [("A", "B", 1, {"exchange_cost": 50}), ("B", "D", 1), ("A", "C", 15), ("C", "D", 15)]
    assert topo(links).route("A", "D").path == ("A", "C", "D")
    assert topo(links).route("A", "D").cost == 30


def test_parallel_site_links_use_the_cheaper():
    t = topo([("A", "B", 30, {"latency": "1s"}), ("A", "B", 10, {"latency": "10ms"})])
    route = t.route("A", "B")
    assert route.cost == 10 and route.latency == pytest.approx(0.010)


# -- direct relay and hub sites ----------------------------------------------------------------------
CHAIN = [
    ("Seattle", "Denver", 10, {"latency": "20ms", "bandwidth": "50Mbps"}),
    ("Denver", "London", 10, {"latency": "80ms", "bandwidth": "10Mbps"}),
]


def test_direct_relay_crosses_the_whole_path_in_one_transfer():
    route = topo(CHAIN).route("Seattle", "London")
    assert route.path == ("Seattle", "Denver", "London") and route.cost == 20
    assert route.next_hop == "London"
    assert route.segment == route.path
    assert route.latency == pytest.approx(0.100)
    assert route.bandwidth == pytest.approx(10e6)
    assert route.transfer_time(100_000) == pytest.approx(0.100 + 100_000 * 8 / 10e6)
    assert route.reason == "least-cost path Seattle>Denver>London, cost 20; direct relay to London"


def test_hub_site_on_the_path_is_the_next_hop_and_bounds_the_transfer():
    t = topo(CHAIN, hub_sites={"Denver"})
    route = t.route("Seattle", "London")
    assert route.path == ("Seattle", "Denver", "London") and route.cost == 20  # the path itself is unchanged
    assert route.next_hop == "Denver"
    assert route.segment == ("Seattle", "Denver")
    assert route.latency == pytest.approx(0.020)
    assert route.bandwidth == pytest.approx(50e6)
    assert route.transfer_time(100_000) == pytest.approx(0.020 + 100_000 * 8 / 50e6)
    assert route.reason.endswith("; stops at hub site Denver")
    # The hub site's Hub then relays on to the target.
    onward = t.route("Denver", "London")
    assert onward.next_hop == "London" and onward.latency == pytest.approx(0.080)
    # A hub site at either end of a route changes nothing.
    assert t.route("Seattle", "Denver").next_hop == "Denver"
    assert t.route("London", "Denver").next_hop == "Denver"


def test_first_of_several_hub_sites_is_the_next_hop():
    t = topo([("A", "B", 1), ("B", "C", 1), ("C", "D", 1)], hub_sites={"B", "C"})
    assert t.route("A", "D").next_hop == "B"
    assert t.route("A", "D").segment == ("A", "B")
    assert t.route("B", "D").next_hop == "C"
    assert t.route("D", "A").next_hop == "C"
    assert "stops at hub site B (then C)" in t.route("A", "D").reason


def test_hub_site_off_the_least_cost_path_changes_nothing():
    links = [("Seattle", "Dallas", 10), ("Dallas", "London", 10), ("Seattle", "Denver", 10), ("Denver", "London", 11)]
    plain = topo(links).route("Seattle", "London")
    with_hub_site = topo(links, hub_sites={"Denver"}).route("Seattle", "London")
    assert with_hub_site.path == ("Seattle", "Dallas", "London")
    assert with_hub_site.next_hop == "London"
    assert with_hub_site == plain


def test_hub_site_without_a_hub_is_passed_over():
    scenario = org([("A", "B", 1), ("B", "C", 1)], hub_sites={"B"})
    scenario["sites"][1]["hubs"] = 0
    route = Topology(sim.load_scenario(scenario)).route("A", "C")
    assert route.next_hop == "C"
    assert "has no Hub Transport server" in route.reason


def test_same_site_and_unreachable_sites():
    t = topo([("A", "B", 1)], sites=["A", "B", "Edge"])
    same = t.route("A", "A")
    assert (same.path, same.cost, same.next_hop, same.segment) == (("A",), 0, "A", ("A",))
    assert same.transfer_time(1e6) == 0
    with pytest.raises(ValueError, match="no route from AD site 'A' to 'Edge'"):
        t.route("A", "Edge")
    with pytest.raises(ValueError, match="unknown AD site 'Nowhere'"):
        t.route("A", "Nowhere")
    assert not t.reachable("A", "Edge") and t.reachable("A", "B")
    assert (t.path_cost("A", "B"), t.path_cost("A", "A"), t.path_cost("A", "Edge")) == (1, 0, None)


# -- caching and the routing table ---------------------------------------------------------------------
def test_routes_are_computed_once_per_pair():
    t = topo(CHAIN)
    first = t.route("Seattle", "London")
    before = t.route.cache_info()
    assert t.route("Seattle", "London") is first
    after = t.route.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses
    # Each Topology has its own cache; a copy made by pickling still caches.
    other = topo(CHAIN)
    assert other.route.cache_info().currsize == 0
    copy = pickle.loads(pickle.dumps(t))
    assert copy.route("Seattle", "London") == first
    assert copy.route("Seattle", "London") is copy.route("Seattle", "London")


def test_routing_table_lists_every_reachable_site_in_name_order():
    t = topo(
        [("Seattle", "denver", 10), ("denver", "London", 10), ("Seattle", "Austin", 5)],
        sites=["Seattle", "denver", "London", "Austin", "Edge"],
        hub_sites={"denver"},
    )
    table = t.routing_table("Seattle")
    assert [route.target for route in table] == ["Austin", "denver", "London"]  # Edge has no site link
    assert all(route.source == "Seattle" for route in table)
    assert all(route is t.route("Seattle", route.target) for route in table)
    assert [(route.cost, route.next_hop) for route in table] == [(5, "Austin"), (10, "denver"), (20, "denver")]
    assert t.routing_table("Edge") == []


def test_validate_prints_each_sites_routing_table(tmp_path, capsys):
    scenario = org(CHAIN, hub_sites={"Denver"}, mailboxes={"Seattle", "London"})
    scenario["sites"].append({"name": "Edge"})
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(scenario))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Hub sites: Denver" in out
    routes = out[out.index("Routes") :]
    seattle = routes[routes.index("  from Seattle") : routes.index("  from Denver")]
    london_row = next(line for line in seattle.splitlines() if line.strip().startswith("London"))
    assert london_row.split() == ["London", "Seattle", ">", "Denver", ">", "London", "20", "Denver"]
    assert "least-cost path Seattle>Denver>London, cost 20; stops at hub site Denver" in seattle
    assert "Edge    no route" in seattle or any(
        line.split()[:3] == ["Edge", "no", "route:"] for line in seattle.splitlines()
    )
    london = routes[routes.index("  from London") :]
    assert "least-cost path London>Denver>Seattle, cost 20; stops at hub site Denver" in london


# -- the topology figure ----------------------------------------------------------------------------
def _markers(fig):
    ax = fig.axes[0]
    return {collection.get_gid(): len(collection.get_offsets()) for collection in ax.collections}


def test_topology_figure_draws_each_site_once_with_costs_on_the_links():
    scenario = sim.load_scenario(
        org(
            [("Seattle", "Denver", 10), ("Denver", "London", 10, {"exchange_cost": 5}), ("Seattle", "Dallas", 7)],
            sites=["Seattle", "Denver", "London", "Dallas", "Edge"],
            hub_sites={"Denver"},
            mailboxes={"Seattle", "London"},
        )
    )
    fig = topology_figure(scenario)
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    assert _markers(fig) == {"sites": 4, "hub-sites": 1}
    ax = fig.axes[0]
    labels = sorted(text.get_text() for text in ax.texts if text.get_gid() == "site-link-label")
    assert labels == ["10", "10 (Exch 5)", "7"]
    texts = "\n".join(text.get_text() for text in ax.texts)
    assert "Denver (hub site)" in texts
    assert "Hub: Seattle-HUB1" in texts and "Mailbox: London-MBX (10)" in texts
    # Results (anything with .scenario) works too, and the layout is deterministic.
    again = topology_figure(SimpleNamespace(scenario=scenario))
    assert [tuple(c.get_offsets().ravel()) for c in again.axes[0].collections] == [
        tuple(c.get_offsets().ravel()) for c in ax.collections
    ]


def test_topology_figure_from_a_run():
    result = sim.run(org(CHAIN, mailboxes={"Seattle", "London"}))
    fig = topology_figure(result)
    assert _markers(fig) == {"sites": 3}
