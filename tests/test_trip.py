"""Watch one message travel (issue 22.3): `result.trace_figure(id)` draws the trip on the topology, each hop and
why, and `exsim trace --html` writes one self-contained page that plays it, checked in headless Chromium."""

from __future__ import annotations

import re

import numpy as np
import pytest
from browser import chromium, require_chromium
from conftest import shared_run
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import FancyArrowPatch
from test_faults import chain

from sim.cli import main
from sim.results.trip.html import trip_html
from sim.results.trip.reasons import trip


@pytest.fixture(scope="module")
def result():
    return shared_run(chain())  # Seattle - Denver - London, the Denver-London link down from 10 to 40 minutes


@pytest.fixture(scope="module")
def held(result):
    """A message for London submitted while the link was down: it waited on Denver's Hub."""
    m = result.messages
    london = m[(m["destination_site"] == "London") & (m["submitted_at"] > 900)]
    return int(london.sort_values("submitted_at")["message_id"].iloc[0])


def test_the_trip_goes_round_the_failed_link_and_says_why(result, held):
    found = trip(result, held)
    assert [(m.source, m.target) for m in found.moves] == [
        ("SEA-MBX1", "SEA-HUB1"),
        ("SEA-HUB1", "DEN-HUB1"),
        ("DEN-HUB1", "LON-HUB1"),
        ("LON-HUB1", "LON-MBX1"),
    ]
    backed_off = found.moves[1].text
    assert "no Hub of London answered, so it backed off along the path to DEN-HUB1 in Denver" in backed_off
    waited = max(found.hops, key=lambda hop: hop.wait_s)
    assert (waited.server, waited.station) == ("DEN-HUB1", "London") and waited.wait_s > 300
    assert waited.status.startswith("the queue was in Retry while it waited")


def test_trace_figure_draws_every_hop_on_the_topology(result, held):
    fig = result.trace_figure(held)
    assert isinstance(fig, Figure)
    found = trip(result, held)
    map_ax, steps_ax = fig.axes
    arrows = [p for p in map_ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(found.moves) == 4
    texts = [t.get_text() for t in map_ax.texts]
    assert {"SEA-MBX1", "SEA-HUB1", "DEN-HUB1", "LON-HUB1", "LON-MBX1", "1", "2", "3", "4"} <= set(texts)
    assert any(text.startswith("waited") and "DEN-HUB1\\London" in text for text in texts)
    assert "link down" in texts  # the cut link is drawn as such
    words = steps_ax.texts[0].get_text()
    assert "4. " in words and "backed off" in words and "Retry" in words
    assert f"Message {held}: SEA-MBX1" in fig.get_suptitle()


def test_trace_html_is_one_self_contained_file(result, held, tmp_path, root, capsys):
    page = trip_html(result, held)
    assert not re.search(r'(src|href)="', page) and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "https://" not in page and "@import" not in page
    assert page.count('class="move"') == 4 and '<circle id="message"' in page and 'data-total="4"' in page
    scenario = root / "scenarios" / "three-sites-hub-site.yaml"
    out = tmp_path / "trip.html"
    code = main(["trace", str(scenario), "--set", "duration=5m", "--set", "warmup=0", "--message", "3", "--html",
                 str(out)])  # fmt: skip
    assert code == 0 and out.exists()
    assert "The trip, animated: " in capsys.readouterr().out


def test_in_headless_chromium_the_trip_plays_to_the_end(result, held, tmp_path):
    browser = require_chromium()
    page = tmp_path / "trip.html"
    page.write_text(trip_html(result, held), encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = chromium(browser, tmp_path, "--window-size=1400,800", "--virtual-time-budget=4000",
                     f"--screenshot={shot}", page.as_uri())  # fmt: skip
    assert shot.exists(), done.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (800, 1400) and np.isfinite(pixels).all()
    ink = (pixels.mean(axis=2) < 0.9).mean()
    assert ink > 0.02 and pixels.std() > 0.05, (ink, pixels.std())
    red = (pixels[..., 0] > 0.7) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.3)
    assert red.sum() > 50  # the message (a red dot), the cut link, the wait: the animation is on the page
    dom = chromium(browser, tmp_path, "--virtual-time-budget=60000", "--dump-dom", page.as_uri()).stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    assert 'data-moves="4"' in body.group(1) and 'data-total="4"' in body.group(1), body.group(1)
    assert 'data-finished="true"' in body.group(1)  # the script drew every move, in turn, to the end
    assert re.search(r'<circle id="message" cx="[\d.]+" cy="[\d.]+"', dom)
    assert dom.count('class="move drawn"') == 4 and "11:" not in dom.split('id="clock">')[1][:2]
