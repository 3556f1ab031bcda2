"""Answers about the organisation's edge: what the Edges' anti-spam agents turn away, which Send connector mail
for each domain leaves by, and what each Receive connector accepts or refuses from the SMTP clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...exchange.receive.rules import select_connector
from ...exchange.receive.servers import receiving_servers
from ..palette import FAULT_COLOR
from ..style import tidy
from .common import count, figure, pct, titled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..view import ResultView

OK_COLOR = "#555555"
AGENT_NAMES = {"sender_id": "Sender ID"}
"""How an anti-spam agent is named on a slide (the rest: underscores as spaces)."""


def _agent(name: str) -> str:
    return AGENT_NAMES.get(name, name.replace("_", " "))


def _funnel_rows(result: ResultView) -> list[tuple[str, int]]:
    """Internet recipients offered to the Edges, those each agent rejected (in the agents' order), and those let in."""
    summary = result.summary()
    rejected = summary.get("rejected_by") or {}
    order = [agent.name for agent in result.scenario.internet.antispam]
    agents = [name for name in order if rejected.get(name)] + sorted(set(rejected) - set(order))
    if result.scenario.record == "summary":
        offered = sum(rejected.values())
        return [("rejected in all", offered)] + [(f"rejected by {_agent(a)}", rejected[a]) for a in agents]
    m = result.messages
    inbound = m[m["origin_server"].astype(str) == "Internet"]
    delivered = int((inbound["status"] == "delivered").sum())
    return [("offered to the Edges", len(inbound))] + [
        (f"rejected by {_agent(a)}", rejected[a]) for a in agents] + [("delivered inside", delivered)]  # fmt: skip


def anti_spam(result: ResultView) -> Figure:
    """What do the Edges turn away? Internet recipients offered, then those each anti-spam agent rejected in the
    agents' order, then those delivered inside. Title: the share rejected and the agent that rejects most."""
    rows = _funnel_rows(result)
    fig = figure(11, 1.6 + 0.45 * len(rows))
    ax = fig.add_subplot()
    labels, values = [r[0] for r in rows], [r[1] for r in rows]
    colors = [FAULT_COLOR if label.startswith("rejected") else OK_COLOR for label in labels]
    bars = ax.barh(labels, values, color=colors)
    total = values[0] if values and values[0] else 1
    ax.bar_label(bars, labels=[f"{v:,} ({v / total:.0%})" for v in values], padding=3, fontsize="small")
    ax.invert_yaxis()
    ax.margins(x=0.2)
    ax.set(xlabel="Internet recipients (red: rejected at the Edge)")
    tidy(ax)
    question = "What do the Edge's anti-spam agents turn away, and what reaches the mailboxes?"
    rejected = {label: v for label, v in rows if label.startswith("rejected by")}
    if not rejected or result.scenario.record == "summary":
        return titled(fig, f"The Edges rejected {count(sum(rejected.values()))} Internet recipients", question, result)
    top = max(rejected, key=rejected.get)
    share = sum(rejected.values()) / total
    answer = (f"The Edges turned away {pct(share)} of Internet mail, {pct(rejected[top] / total)} "
              f"{top.removeprefix('rejected ')}; {count(values[-1])} recipients delivered inside")  # fmt: skip
    return titled(fig, answer, question, result)


def _route(path: str, roles: dict[str, str]) -> str:
    """Where a copy went after its first Hub: 'to the mailbox', 'via HUB1 to the Internet', 'to notes-gw...'."""
    steps = path.split(">")[2:]
    if not steps:
        return "no route"
    last = steps[-1]
    where = ("to a mailbox" if roles.get(last) in ("Mailbox", "Mailbox+Hub") else
             "to the Internet" if last == "Internet" else f"to {last}")  # fmt: skip
    via = [s for s in steps[:-1]]
    return f"via {' > '.join(via)} {where}" if via else where


def domain_routes(result: ResultView) -> pd.DataFrame:
    """Recipients per recipient domain and route (or NDR code): columns domain, route, recipients."""
    if result.scenario.record == "summary":
        return pd.DataFrame(columns=["domain", "route", "recipients"])
    m = result.messages
    m = m[m["origin_server"].astype(str) != "Internet"]
    roles = dict(zip(result.record.servers, result.record.server_roles))
    domain = m["recipient"].astype(str).str.rsplit("@", n=1).str[-1]
    route = [f"NDR {str(reason).split(' ')[1]}" if status == "ndr" else _route(str(path), roles)
             for status, reason, path in zip(m["status"], m["reason"], m["path"])]  # fmt: skip
    frame = pd.DataFrame({"domain": domain.to_numpy(), "route": route, "size": m["size_bytes"].to_numpy()})
    return frame.groupby(["domain", "route"], as_index=False).agg(recipients=("size", "size"),
                                                                  smallest=("size", "min"), largest=("size", "max"))  # fmt: skip


def _megabytes(size: float) -> str:
    return f"{size / 1024**2:.1f} MB"


def _by_size(row, routes: pd.DataFrame) -> str:
    """' (all 1.0 MB or more)' when a route's messages are all larger than every other route's (or smaller): a
    connector's size limit at work; '' otherwise."""
    others = routes[routes["route"] != row.route]
    if not len(others):
        return ""
    if row.smallest > others["largest"].max():
        return f" (all {_megabytes(row.smallest)} or more)"
    if row.largest < others["smallest"].min():
        return f" (all under {_megabytes(others['smallest'].min())})"
    return ""


def send_connectors(result: ResultView) -> Figure:
    """Which way does mail for each domain leave? Recipients per domain and route (a mailbox, a smart host, the
    Edge, an NDR). Title: the domain whose mail leaves more than one way, and how it splits."""
    routes = domain_routes(result)
    fig = figure(12, 1.8 + 0.38 * max(len(routes), 1))
    ax = fig.add_subplot()
    labels = [f"{r.domain}: {r.route}" for r in routes.itertuples()]
    colors = [FAULT_COLOR if r.route.startswith("NDR") else OK_COLOR for r in routes.itertuples()]
    bars = ax.barh(labels, routes["recipients"], color=colors)
    ax.bar_label(bars, labels=[f"{n:,}" for n in routes["recipients"]], padding=3, fontsize="small")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set(xlabel="recipients (log scale; red: NDR)")
    tidy(ax)
    question = "Which Send connector does mail for each domain leave by, and what is refused?"
    if not len(routes):
        return titled(fig, "No routes to show: the run kept no row per recipient (record: messages)", question, result)
    ways = routes[~routes["route"].str.startswith("NDR")].groupby("domain")["route"].nunique()
    ndr = int(routes.loc[routes["route"].str.startswith("NDR"), "recipients"].sum())
    refused = f"; {count(ndr)} NDRs" if ndr else ""
    if not len(ways) or ways.max() < 2:
        return titled(fig, f"Each domain's mail leaves one way{refused}", question, result)
    domain = str(ways.idxmax())
    split = routes[(routes["domain"] == domain) & ~routes["route"].str.startswith("NDR")].sort_values(
        "recipients", ascending=False)  # fmt: skip
    parts = ", ".join(f"{r.route} {count(r.recipients)}{_by_size(r, split)}" for r in split.itertuples())
    answer = f"{domain} leaves {len(split)} ways: {parts}{refused}"
    return titled(fig, answer, question, result)


def client_outcomes(result: ResultView) -> pd.DataFrame:
    """Per SMTP client population: the Receive connector it reaches and its recipients accepted and refused
    (columns client, connector, accepted, refused, reply)."""
    servers = receiving_servers(result.scenario)
    rows = []
    m = result.messages if result.scenario.record != "summary" else None
    for client in result.scenario.smtp_clients:
        info = servers.get(client.server)
        chosen = select_connector(info.connectors, info.ip, client.port, client.client_ip).connector if info else None
        accepted = refused = 0
        reply = ""
        if m is not None:
            rows_of = m[m["origin_server"].astype(str) == client.name]
            refused_rows = rows_of[rows_of["status"] == "rejected"]
            accepted, refused = len(rows_of) - len(refused_rows), len(refused_rows)
            reply = str(refused_rows["reason"].mode().iloc[0]) if len(refused_rows) else ""
        rows.append((client.name, chosen.name if chosen else "(no connector)", accepted, refused, reply))
    return pd.DataFrame(rows, columns=["client", "connector", "accepted", "refused", "reply"])


def receive_connectors(result: ResultView) -> Figure:
    """What does each Receive connector do with the SMTP clients that reach it? Per client population, its
    recipients accepted and refused, labelled with the connector that took the session. Title: who was refused,
    with the reply and the connector, and who was let through."""
    table = client_outcomes(result)
    fig = figure(12, 1.8 + 0.7 * max(len(table), 1))
    ax = fig.add_subplot()
    labels = [f"{r.client}\non {r.connector!r}" for r in table.itertuples()]
    y = np.arange(len(table))
    ax.barh(y, table["accepted"], color=OK_COLOR, label="accepted")
    ax.barh(y, table["refused"], left=table["accepted"], color=FAULT_COLOR, label="refused")
    for i, r in enumerate(table.itertuples()):
        text = f"{r.accepted:,} accepted" + (f", {r.refused:,} refused: {r.reply}" if r.refused else "")
        ax.annotate(text, (r.accepted + r.refused, i), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize="small")  # fmt: skip
    ax.set_yticks(y, labels, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, max(float((table["accepted"] + table["refused"]).max()), 1.0) * 1.8)  # room for the words
    ax.set(xlabel="recipients from each SMTP client population")
    ax.legend(loc="lower right", fontsize="small")
    tidy(ax)
    question = "Which Receive connector takes each SMTP client, and what does it accept or refuse?"
    if not len(table):
        return titled(fig, "No SMTP clients in this scenario: run `exsim audit` for its connectors", question, result)
    refused = table[table["refused"] > 0]
    if len(refused):
        r = refused.iloc[0]
        rest = table[table["refused"] == 0]
        others = f"; {', '.join(rest['client'])} accepted" if len(rest) else ""
        answer = f"{r['client']} refused on {r['connector']!r} ({r['reply']}, {count(r['refused'])}){others}"
        return titled(fig, answer, question, result)
    taken = "; ".join(f"{r.client} on {r.connector!r} ({count(r.accepted)})" for r in table.itertuples())
    return titled(fig, f"Every SMTP client accepted: {taken}", question, result)
