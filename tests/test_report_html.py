"""`exsim run --report` (issue 10): one self-contained report.html with every section, checked in headless
Chromium: its screenshot is not blank and every image has loaded."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from browser import chromium, require_chromium
from matplotlib.image import imread
from test_faults import chain

from sim.cli import main
from sim.results.report_html import SECTIONS


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    scenario = folder / "chain.yaml"
    scenario.write_text(json.dumps({**chain(), "record": "messages"}))  # a site link down: every section has content
    assert main(["run", str(scenario), "--report", "--out", str(folder / "out"), "--quiet"]) == 0
    return folder / "out" / "report.html"


def test_the_report_has_every_section_and_needs_nothing_outside_itself(report):
    html = report.read_text()
    ids = re.findall(r'<section id="([a-z]+)"', html)
    assert (
        ids == list(SECTIONS) and ids[0] == "answer"
    )  # in order, the answer first; faults included, the link was down
    assert "Topology" in html and "London" in html and "DOWN 00:10-00:40" not in html  # (the figure is a PNG)
    images = re.findall(r'<img alt="[^"]*" src="([^"]+)"', html)
    assert len(images) == 7  # answer, topology, throughput, latency, queues, utilisation, faults
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'(src|href)="(?!data:)', html)  # no file, no network
    slowest = html[html.index('id="slowest"') : html.index('id="verdict"')]
    assert "SEA-MBX1&gt;SEA-HUB1&gt;DEN-HUB1&gt;LON-HUB1&gt;LON-MBX1" in slowest  # the slowest waited out the outage
    assert "Not overloaded" in html
    counters = html[html.index('id="counters"') :]  # mail held for the link: Microsoft's "never above" broken
    assert 'DEN-HUB1</td><td>Hub</td><td class="warn">over' in counters
    assert "Retry Remote Delivery Queue Length" in counters and "bb201704" in counters


def test_in_headless_chromium_the_report_is_not_blank_and_every_image_loads(report, tmp_path):
    browser = require_chromium()
    shot = tmp_path / "shot.png"
    done = chromium(browser, tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2400, 1280)
    ink = (pixels.mean(axis=2) < 0.9).mean()  # share of pixels that are not white
    assert ink > 0.03 and pixels.std() > 0.05, (ink, pixels.std())
    # every <img> loaded: a copy of the report counts them once the page has loaded, and the DOM is dumped
    probe = tmp_path / "probe.html"
    script = ("<script>window.addEventListener('load', () => { const all = [...document.images];"
              " document.body.dataset.images = all.length + ':' +"
              " all.filter(i => i.complete && i.naturalWidth > 0).length; });</script>")  # fmt: skip
    probe.write_text(report.read_text().replace("</body>", script + "</body>"))
    dom = chromium(browser, tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()).stdout
    counted = re.search(r'data-images="(\d+):(\d+)"', dom)
    assert counted, dom[:500]
    assert counted.group(1) == counted.group(2) == "7"
    assert np.isfinite(pixels).all()
