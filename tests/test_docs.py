"""The documentation (docs/) builds without a single warning, and the examples on its pages run and print what
they show (Sphinx's doctest builder), so the docs cannot drift from the code.

Both builds run in a fresh interpreter (`python -m sphinx`) from the repository's root into a temporary folder,
the doctest build reusing the HTML build's parsed pages. The rest checks what a build cannot: that the pages
name the layers, modules and tests that really exist, and that nothing on them loads from the network.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # the docs extras install it there

DOCS = ROOT / "docs"


def _sphinx(builder: str, out) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", builder,
               "-d", str(out / "doctrees"), str(DOCS), str(out / builder)]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The HTML build: its folder, or the build's own output when it failed."""
    out = tmp_path_factory.mktemp("docs")
    done = _sphinx("html", out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _pages() -> dict[str, str]:
    return {path.relative_to(DOCS).as_posix(): path.read_text(encoding="utf-8") for path in DOCS.rglob("*.md")}


def test_the_docs_build_without_a_warning(built):
    html = built / "html"
    for page in ("index", "getting-started", "architecture", "exchange/index", "exchange/back-pressure", "api",
                 "scenario-reference"):  # fmt: skip
        assert (html / f"{page}.html").is_file(), page
    api = (html / "api.html").read_text(encoding="utf-8")
    for name in ("sim.run", "sim.Results", "sim.replicate", "sim.capacity.size.size", "sim.calibrate.calibrate"):
        assert f'id="{name}"' in api, f"{name} is missing from the API reference"
    fields = (html / "scenario-reference.html").read_text(encoding="utf-8")
    assert "max_concurrent_mailbox_submissions" in fields and 'id="scenario-backpressure"' in fields
    assert re.search(r'<table class="[^"]*scenario-fields', fields) and "<th" in fields
    formats = (html / "data-formats.html").read_text(encoding="utf-8")  # made from sim.formats' declarations
    assert re.search(r'<table class="[^"]*table-columns', formats)
    assert "<code" in formats and "latency_s" in formats and "(may be missing: NaN)" in formats


def test_the_examples_on_the_pages_run_and_print_what_they_show(built):
    done = _sphinx("doctest", built)
    report = (built / "doctest" / "output.txt").read_text(encoding="utf-8")
    assert done.returncode == 0, report[-4000:] + done.stderr[-2000:]
    tests = int(re.search(r"^\s+(\d+) tests$", report, re.M).group(1))
    assert tests >= 20 and re.search(r"^\s+0 failures in tests$", report, re.M), report[-2000:]


def test_the_architecture_pictures_are_drawn_and_nothing_loads_from_the_network(built):
    html = built / "html"
    page = (html / "architecture.html").read_text(encoding="utf-8")
    for picture in ("layers.svg", "flow.svg"):
        assert f'src="_images/{picture}"' in page and (html / "_images" / picture).stat().st_size > 10_000
    for path in html.rglob("*.html"):
        remote = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', path.read_text(encoding="utf-8"))
        assert not remote, f"{path.name} loads from the network: {remote}"


def test_the_architecture_page_names_every_layer_of_the_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    for row in contract["layers"]:
        for name in row.split("|"):
            assert f"| `{name.strip()}`" in page or f"\\| `{name.strip()}`" in page, f"layer {name.strip()}"


def test_every_path_the_pages_name_exists():
    """A module or test renamed or removed shows up here, not in a reader's failed search."""
    named = {
        path for text in _pages().values() for path in re.findall(r"`((?:sim|tests|benchmarks)/[\w/]+\.py)`", text)
    }
    assert len(named) > 60
    missing = sorted(path for path in named if not (ROOT / path).is_file())
    assert missing == [], missing


TOPICS = sorted(
    p for p in _pages() if p.startswith("exchange/") and p not in ("exchange/index.md", "exchange/sources.md")
)


@pytest.mark.parametrize("page", TOPICS)
def test_each_exchange_topic_says_what_it_rests_on_where_it_lives_and_what_tests_it(page):
    text = _pages()[page]
    facts, _, ours = text.partition("## In exsim")
    assert ours, "no 'In exsim' section"
    assert re.search(r"\*\*(\[E2007\]|\[later version|\[3rd-party\]|UNCONFIRMED)", facts), "no fact tagged"
    assert re.search(r"Sources?:|TechNet|learn \w+|help\s+\w+|the Wrox book|reference", facts), "no source cited"
    assert re.search(r"`sim/[\w/]+\.py`", ours) and re.search(r"Tested by `tests/test_\w+\.py`", ours)


def test_the_examples_in_docstrings_run():
    """Every `>>>` example in a module of sim/ runs and prints what it shows (doctest)."""
    import doctest
    import importlib

    modules = sorted(path for path in (ROOT / "sim").rglob("*.py") if ">>>" in path.read_text(encoding="utf-8"))
    assert modules, "no docstring examples found: the scan is broken"
    for path in modules:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        failed, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert tried and not failed, name
