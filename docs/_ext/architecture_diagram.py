"""The architecture pictures, drawn with matplotlib at build time: the layers and a run's data flow.

The first: the layers of the import-linter contract, read from pyproject.toml, top to bottom (a package imports
only from the rows below it; packages on one row may not import each other). The second: what one `sim.run`
hands from stage to stage, each box coloured as the layer that owns it. The layers come from the contract
itself, so a package added there shows up here (with "see its docstring" until OWNS says what it holds);
the flow is the list FLOW below. Written as SVG (text as paths: no font needed to view it), byte for byte
the same on every build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sphinx.application import Sphinx

if sys.version_info >= (3, 11):
    import tomllib
else:  # Sphinx 8.1 and older still run on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = "_generated"
"""Where the pictures are written (layers.svg, flow.svg), under the docs' source folder (ignored by git)."""

OWNS = {
    "__main__": "python -m sim",
    "cli": "the exsim command: options, exit status",
    "terminal": "progress bar, Ctrl-C, size guard",
    "capacity": "replications, sweeps, size, compare",
    "calibrate": "a scenario from tracking logs",
    "runner": "sim.run: where model and results meet",
    "model": "the SimPy world: stations, roles, faults",
    "results": "Results from a RunRecord: tables, figures",
    "smtp": "SMTP session model, audit, smtpd",
    "formats": "RunRecord, table declarations, Exchange logs",
    "exchange": "Exchange's rules (no SimPy)",
    "scenario": "schema, units, YAML, validation",
}
"""What each package holds, in a few words (the architecture page says more)."""

FLOW = [
    ("scenario.yaml", "YAML, --set overrides", None, "load_scenario"),
    ("Scenario", "sim.scenario: validated, every default", "scenario", "Topology(scenario)"),
    ("Topology", "sim.exchange.topology: sites, links, routes", "exchange", "Model(scenario, seed); run"),
    ("Model", "sim.model: roles, stations, sources, faults", "model", "snapshot(model)"),
    ("RunRecord", "sim.formats.record: declared numpy columns", "formats", "Results(record)"),
    ("Results", "sim.results: tables, summary, figures, files", "results", None),
]
"""A run's stages top to bottom: (name, what and where, owning layer, the call that makes the next one)."""

COLOURS = ["#f2f2f2", "#dbe9f6", "#d9f0d3", "#fde0c5", "#e5dbf0", "#fbd9d7", "#fff3bf", "#e2f0d9", "#d7eef0",
           "#eadfd3"]  # fmt: skip


def layers(pyproject: Path = ROOT / "pyproject.toml") -> list[list[str]]:
    """The contract's layers, top first, each a list of the packages on that row."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [[name.strip() for name in row.split("|")] for row in contract["layers"]]


def _box(ax, x, y, w, h, colour, title, text, mono=True):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.08", fc=colour, ec="#555555"))
    family = "monospace" if mono else "sans-serif"
    ax.text(x + w / 2, y + h * 0.64, title, ha="center", va="center", fontsize=10, weight="bold", family=family)
    ax.text(x + w / 2, y + h * 0.28, text, ha="center", va="center", fontsize=7.5, color="#333333")


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "exsim-docs"
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax


def _save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})


def colours() -> dict[str, str]:
    """Each package's colour: one per row of the contract, the same in both pictures."""
    return {name: COLOURS[i % len(COLOURS)] for i, row in enumerate(layers()) for name in row}


def draw_layers(path: Path) -> None:
    """The layers of the contract, top first, as an SVG at `path`."""
    rows, colour = layers(), colours()
    step, height, left, width = 0.76, 0.62, 0.15, 5.6
    fig, ax = _figure(6.6, 0.75 + len(rows) * step)
    top = len(rows) * step - height + 0.1
    for i, row in enumerate(rows):
        y = top - i * step
        w = (width - 0.1 * (len(row) - 1)) / len(row)
        for j, name in enumerate(row):
            _box(ax, left + j * (w + 0.1), y, w, height, colour[name], name, OWNS.get(name, "see its docstring"))
    ax.annotate("", xy=(6.0, 0.1), xytext=(6.0, top + height),
                arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 1.5})  # fmt: skip
    ax.text(6.15, (top + height) / 2, "may import", rotation=270, va="center", fontsize=9, color="#555555")
    ax.text(left, top + height + 0.2, "Layers: imports only go down", fontsize=12, weight="bold")
    _save(fig, path)


def draw_flow(path: Path) -> None:
    """A run's data flow, each stage coloured as its layer, as an SVG at `path`."""
    colour = colours()
    step, height, left, width = 1.15, 0.72, 0.15, 4.2
    fig, ax = _figure(6.6, 0.55 + len(FLOW) * step)
    top = len(FLOW) * step - height - 0.1
    for i, (name, text, layer, call) in enumerate(FLOW):
        y = top - i * step
        _box(ax, left, y, width, height, colour.get(layer, "#ffffff"), name, text, mono=layer is not None)
        if call:
            ax.annotate("", xy=(left + width / 2, y - step + height), xytext=(left + width / 2, y),
                        arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.2})  # fmt: skip
            ax.text(left + width / 2 + 0.12, y - (step - height) / 2, call, va="center", fontsize=8, family="monospace")
    model = top - 3 * step + height / 2
    results = top - 5 * step + height / 2
    ax.annotate("", xy=(left + width, model), xytext=(left + width, results),
                arrowprops={"arrowstyle": "-|>", "color": "#8a3b3b", "lw": 1.2, "ls": "--",
                            "connectionstyle": "arc3,rad=0.45"})  # fmt: skip
    ax.text(left + width + 0.75, (model + results) / 2, "queue_view(at):\nthe run replayed\nto that instant\n(sim.model.instant)",
            fontsize=7.5, color="#8a3b3b", va="center")  # fmt: skip
    ax.text(left, top + height + 0.2, "A run's data flow (sim.run)", fontsize=12, weight="bold")
    _save(fig, path)


def _on_builder_inited(app: Sphinx) -> None:
    folder = Path(app.srcdir) / OUTPUT
    draw_layers(folder / "layers.svg")
    draw_flow(folder / "flow.svg")


def setup(app: Sphinx) -> dict:
    """Draw the picture before the pages are read."""
    app.connect("builder-inited", _on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
