"""Queueing theory the tests check the model against, written apart from the model and from sim.capacity.analytic:
Erlang C for M/M/c stations."""

from __future__ import annotations


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability an arrival waits in an M/M/c queue with offered load a = lambda/mu (needs a < c)."""
    if offered_load >= servers:
        raise ValueError("offered load must be below the number of servers for a stable queue")
    term, total = 1.0, 1.0
    for k in range(1, servers):  # sum of a^k/k! for k < c, built up without overflow
        term *= offered_load / k
        total += term
    last = term * offered_load / servers / (1.0 - offered_load / servers)
    return last / (total + last)


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in queue (before service) of an M/M/c station."""
    load = arrival_rate / service_rate
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)
