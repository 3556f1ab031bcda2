"""`exsim trace --html`: one message's trip as a page that plays it: the message moves along the topology step by
step, waits where it waited (a long wait plays longer, on a log scale), with each step's reason beside the map.

One self-contained file: the map is inline SVG, the style and the script are inline, the trip is JSON inside the
page; nothing is fetched, so it opens offline and can be mailed. The page marks its progress on <body> for tests
and tools: data-moves (moves drawn so far), data-total and data-finished. A reader who prefers reduced motion
gets the whole trip drawn at once. Layout and steps: sim.results.trip.layout (shared with the figure).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from ..palette import FAULT_COLOR, server_look
from .figure import RAD, cut_links
from .layout import duration, outside_names, positions, steps
from .reasons import trip

if TYPE_CHECKING:
    from ..view import ResultView
    from .journey import Trip

SCALE = 140.0
"""Pixels per data unit of the layout."""
CSS = """body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:20px;color:#222}
h1{font-size:20px;margin:0 0 4px 0}.note{color:#555;margin:0 0 12px 0;font-size:14px}
.stage{display:flex;gap:18px;align-items:flex-start}svg{border:1px solid #eee;background:#fff;flex:0 0 auto}
#panel{max-width:520px;font-size:14px}#clock{font:bold 26px monospace;margin-bottom:6px}
ol{padding-left:22px;margin:6px 0}li{margin:0 0 8px 0;color:#999}li.now{color:#000}li.done{color:#333}
li .wait{color:#d62728;font-weight:bold}button{font-size:14px;padding:4px 12px}
.link{stroke:#bbb;stroke-width:2}.link.cut{stroke:#d62728;stroke-dasharray:8 5;stroke-width:3}
.site{fill:#ddd;stroke:#000}.sitename{font-weight:bold;font-size:14px;text-anchor:middle}
.server rect{fill:#fff;stroke:#ccc;rx:6}.server text{font-size:12px;fill:#999;text-anchor:middle}
.server.trip text{fill:#000;font-weight:bold}.server.here rect{stroke-width:4}
.move{fill:none;stroke:#000;stroke-width:2.5;opacity:.12;marker-end:url(#arrow)}.move.drawn{opacity:1}
.num{font:bold 12px sans-serif;fill:#fff;text-anchor:middle}.numdot{fill:#000;opacity:.15}.numdot.drawn{opacity:1}
#message{fill:#d62728;stroke:#fff;stroke-width:2}#waiting{font:bold 13px sans-serif;fill:#d62728}"""
SCRIPT = """const trip = JSON.parse(document.getElementById('trip-data').textContent);
const dot = document.getElementById('message'), clock = document.getElementById('clock');
const waiting = document.getElementById('waiting'), body = document.body;
const still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const sleep = ms => new Promise(done => setTimeout(done, still ? 0 : ms));
let run = 0;
const hhmmss = s => [s / 3600 % 24, s / 60 % 60, s % 60].map(v => String(Math.floor(v)).padStart(2, '0')).join(':');
function mark(step) {
  document.getElementById('move-' + step.number).classList.add('drawn');
  document.getElementById('num-' + step.number).classList.add('drawn');
  body.dataset.moves = String(Number(body.dataset.moves) + 1);
}
async function travel(path, ms, mine) {
  const length = path.getTotalLength(), n = Math.max(10, Math.round(ms / 30));
  for (let i = 0; i <= n && mine === run; i++) {
    const p = path.getPointAtLength(length * i / n);
    dot.setAttribute('cx', p.x); dot.setAttribute('cy', p.y);
    await sleep(ms / n);
  }
}
async function play() {
  const mine = ++run;
  body.dataset.moves = '0'; body.dataset.finished = 'false';
  document.querySelectorAll('.drawn,.here,.now,.done').forEach(e => e.classList.remove('drawn', 'here', 'now', 'done'));
  for (const step of trip.steps) {
    if (mine !== run) return;
    const item = document.getElementById('step-' + step.number);
    item.classList.add('now'); clock.textContent = step.clock;
    mark(step);
    await travel(document.getElementById('move-' + step.number), 900, mine);
    document.querySelectorAll('.server.here').forEach(e => e.classList.remove('here'));
    const box = document.querySelector('.server[data-name="' + step.target + '"]');
    if (box) box.classList.add('here');
    if (step.wait_s >= 1) {
      waiting.textContent = 'waiting ' + step.wait;
      waiting.setAttribute('x', Number(dot.getAttribute('cx')) + 14);
      waiting.setAttribute('y', Number(dot.getAttribute('cy')) - 12);
      const ms = Math.min(4000, 600 + 900 * Math.log10(1 + step.wait_s)), ticks = 20;
      for (let i = 1; i <= ticks && mine === run; i++) {  // the clock runs through the wait
        await sleep(ms / ticks);
        clock.textContent = hhmmss(step.day_s + step.wait_s * i / ticks);
      }
      waiting.textContent = '';
    }
    item.classList.replace('now', 'done');
  }
  if (mine === run) body.dataset.finished = 'true';
}
document.getElementById('replay').addEventListener('click', play);
window.addEventListener('load', play);"""


def _box(name: str, x: float, y: float, on_trip: bool, color: str) -> str:
    width = max(70.0, 7.4 * len(name) + 18)
    style = f' style="stroke:{color};fill:{color}22"' if on_trip else ""
    kind = "server trip" if on_trip else "server"
    return (f'<g class="{kind}" data-name="{escape(name)}"><rect x="{x - width / 2:.1f}" y="{y - 12:.1f}" '
            f'width="{width:.1f}" height="24"{style}/><text x="{x:.1f}" y="{y + 4:.1f}">{escape(name)}</text></g>')  # fmt: skip


def _svg(result: ResultView, found: Trip) -> tuple[str, dict[str, tuple[float, float]]]:
    """The map as SVG, and each name's position in pixels."""
    scenario = result.scenario
    where = positions(scenario, outside_names(scenario, found))
    left, top = min(x for x, _ in where.values()) - 1.3, max(y for _, y in where.values()) + 0.6
    px = {name: ((x - left) * SCALE, (top - y) * SCALE) for name, (x, y) in where.items()}
    width = (max(x for x, _ in where.values()) + 1.3 - left) * SCALE
    height = (top - min(y for _, y in where.values()) + 0.6) * SCALE
    cut = cut_links(result, found)
    parts = ['<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#000"/></marker></defs>']  # fmt: skip
    for link in scenario.site_links:
        (x1, y1), (x2, y2) = px[link.sites[0]], px[link.sites[1]]
        kind = "link cut" if frozenset(link.sites) in cut else "link"
        parts.append(f'<line class="{kind}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>')
    sites = {site.name for site in scenario.sites}
    for site in scenario.sites:
        x, y = px[site.name]
        label = site.name + (" (hub site)" if site.hub_site else "")
        parts.append(f'<circle class="site" cx="{x:.1f}" cy="{y:.1f}" r="11"/>'
                     f'<text class="sitename" x="{x:.1f}" y="{y - 20:.1f}">{escape(label)}</text>')  # fmt: skip
    on_trip = set(found.servers)
    parts += [_box(name, x, y, name in on_trip, server_look(scenario, name).color)
              for name, (x, y) in px.items() if name not in sites]  # fmt: skip
    for number, move in enumerate(found.moves, start=1):
        (x1, y1), (x2, y2) = px[move.source], px[move.target]
        cx, cy = (x1 + x2) / 2 - RAD * (y2 - y1), (y1 + y2) / 2 + RAD * (x2 - x1)
        nx, ny = (x1 + 2 * cx + x2) / 4, (y1 + 2 * cy + y2) / 4
        parts.append(f'<path class="move" id="move-{number}" d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} '
                     f'{x2:.1f},{y2:.1f}"/><circle class="numdot" id="num-{number}" cx="{nx:.1f}" cy="{ny:.1f}" '
                     f'r="10"/><text class="num" x="{nx:.1f}" y="{ny + 4:.1f}">{number}</text>')  # fmt: skip
    ox, oy = px[found.origin] if found.origin in px else (0.0, 0.0)
    parts.append(f'<circle id="message" cx="{ox:.1f}" cy="{oy:.1f}" r="8"/><text id="waiting" x="0" y="0"></text>')
    svg = (f'<svg id="map" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="the trip on the topology">'
           f"{''.join(parts)}</svg>")  # fmt: skip
    return svg, px


def _day_seconds(clock: str) -> int:
    """'10:01:54' as seconds since midnight (the page's clock runs on from it through a wait)."""
    h, m, sec = (int(part) for part in clock.split(":"))
    return h * 3600 + m * 60 + sec


def trip_html(result: ResultView, message_id: int) -> str:
    """The page for `message_id` (needs `record: hops`)."""
    found = trip(result, message_id)
    told = steps(found, result.start)
    svg, _ = _svg(result, found)
    data = {"message": found.message_id, "steps": [
        {"number": s.number, "source": s.source, "target": s.target, "clock": s.clock, "wait_s": s.wait_s,
         "wait": duration(s.wait_s), "day_s": _day_seconds(s.clock)} for s in told]}  # fmt: skip
    items = "".join(
        f'<li id="step-{s.number}"><b>{escape(s.clock)}</b> {escape(s.source)} &rarr; {escape(s.target)}<br>'
        f"{escape(s.text)}" + (f'<br><span class="wait">{escape(s.wait_text)}</span>' if s.wait_text else "") + "</li>"
        for s in told
    )  # fmt: skip
    delivered = [r for r in found.recipients if r["status"] == "delivered"]
    ends = ", ".join(dict.fromkeys(r["destination"] for r in delivered)) or "not delivered"
    took = f", {duration(max(r['latency_s'] for r in delivered))} end to end" if delivered else ""
    title = f"Message {found.message_id}: {found.origin} \u2192 {ends}{took}"
    note = (f"{result.scenario.name}, seed {result.seed}. The red dot is the message; each numbered step plays in "
            "turn, and a long wait plays longer (on a log scale). The clock is simulated time (UTC).")  # fmt: skip
    payload = json.dumps(data).replace("</", "<\\/")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS.replace('#d62728', FAULT_COLOR)}</style></head><body data-moves=\"0\" "
            f'data-total="{len(told)}" data-finished="false"><h1>{escape(title)}</h1><p class="note">{escape(note)}</p>'
            f'<div class="stage">{svg}<div id="panel"><div id="clock">{escape(told[0].clock if told else "")}</div>'
            f'<button id="replay" type="button">Replay</button><ol id="steps">{items}</ol></div></div>'
            f'<script type="application/json" id="trip-data">{payload}</script><script>{SCRIPT}</script>'
            "</body></html>\n")  # fmt: skip


def write_trip_html(result: ResultView, message_id: int, path: str | Path) -> Path:
    """Write the page to `path` (its folder made if need be) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(trip_html(result, message_id), encoding="utf-8")
    return path
