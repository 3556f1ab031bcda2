"""The data format reference, made from the declarations themselves: one section per table, one row per column.

``.. exsim-tables::`` walks the table modules of `sim.formats` (DECLARED below, in reading order) and writes each
declared `Table` as a section: what one row is, then its columns with their type, unit and meaning. The model's
recorder, the results and tests/test_declared_tables.py read the same declarations, so the page cannot drift
from the tables a run produces.
"""

from __future__ import annotations

import importlib

from docutils import nodes
from scenario_fields import described, grid
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

DECLARED = (
    "messages",
    "queues",
    "events",
    "stations",
    "routes",
    "tracking_events",
    "tracking_fields",
    "queue_state",
    "counters",
)
"""The modules of sim.formats that declare tables, in the order the page shows them."""


def tables() -> list:
    """Every declared table, module by module, in the order each module declares them."""
    from sim.formats.declare import Table

    found = []
    for name in DECLARED:
        module = importlib.import_module(f"sim.formats.{name}")
        found += [(name, value) for value in vars(module).values() if isinstance(value, Table)]
    return found


def columns_table(table) -> nodes.table:
    """The table of one declared table's columns: name, type, unit, meaning."""
    rows = [[[nodes.literal(text=column.name)], [nodes.literal(text=column.dtype)], [nodes.Text(column.unit)],
             described(column.meaning + (" (may be missing: NaN)" if column.optional else ""))]
            for column in table.columns]  # fmt: skip
    return grid((24, 16, 12, 48), ("column", "type", "unit", "meaning"), rows, "table-columns")


class TableColumns(SphinxDirective):
    """Every declared table of sim.formats as a section with the table of its columns."""

    def run(self) -> list[nodes.Node]:
        """One section per declared table."""
        sections = []
        for module, table in tables():
            anchor = nodes.make_id(f"table-{module}-{table.name}")
            section = nodes.section(ids=[anchor], names=[anchor])
            section += nodes.title(text=table.name)
            section += described(f"One row: {table.meaning}. Declared in `sim/formats/{module}.py`.")
            section += columns_table(table)
            self.state.document.note_implicit_target(section, section)
            sections.append(section)
        return sections


def setup(app: Sphinx) -> dict:
    """Register the directive."""
    app.add_directive("exsim-tables", TableColumns)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
