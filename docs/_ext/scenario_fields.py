"""The scenario file reference, made from the schema itself: one section per model, one row per field.

``.. scenario-fields::`` walks `sim.scenario.schema.Scenario` and every model its fields hold, in the order
first reached, and writes each as a section: the model's docstring, then a table of its fields with the
key as written in YAML, the type (a model's name links to its section), the default and the description.
Built from the same pydantic models that `exsim schema` and `exsim validate` read, so the page cannot
drift from what the loader accepts.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Iterator

from docutils import nodes
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

QUANTITIES = {"parse_duration": "duration", "parse_size": "size", "parse_bandwidth": "bandwidth", "parse_rate": "rate"}
"""The unit parsers of sim.scenario.units, by the kind of quantity they read ("30s", "50KB", "10Mbps", "2/s")."""


def section_id(model: type[BaseModel]) -> str:
    """The anchor of a model's section."""
    return nodes.make_id(f"scenario-{model.__name__}")


def models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """`root` and every model reachable through its fields, each once, in the order first reached."""
    found: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in found:
            return
        found.append(model)
        for field in model.model_fields.values():
            for inner in _inner_models(field.annotation):
                visit(inner)

    visit(root)
    return found


def _inner_models(annotation) -> Iterator[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _inner_models(argument)


def _quantity(metadata, annotation=None) -> str | None:
    """The kind of quantity a field holds, from its validators or those of the type inside an Optional."""
    for item in metadata:
        name = getattr(getattr(item, "func", None), "__name__", "")
        if name in QUANTITIES:
            return QUANTITIES[name]
    if typing.get_origin(annotation) is typing.Annotated:
        return _quantity(typing.get_args(annotation)[1:])
    for argument in typing.get_args(annotation):
        found = _quantity((), argument)
        if found:
            return found
    return None


def type_nodes(annotation, metadata=()) -> list[nodes.Node]:
    """A field's type in words, with links to the sections of the models it holds."""
    quantity = _quantity(metadata)
    if quantity:
        return [nodes.Text(quantity)]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_nodes(args[0], args[1:])
    if origin is typing.Literal:
        return _joined([[nodes.literal(text=str(value))] for value in args], " | ")
    if origin in (typing.Union, types.UnionType):
        kept = [type_nodes(arg) for arg in args if arg is not type(None)]
        empty = [[nodes.Text("empty")]] if type(None) in args else []
        return _joined(kept + empty, " or ")
    if origin is list:
        return [nodes.Text("list of "), *type_nodes(args[0])]
    if origin is tuple:
        return [nodes.Text("pair of " if len(args) == 2 else "tuple of "), *type_nodes(args[0])]
    if origin is dict:
        return [nodes.Text("mapping of "), *type_nodes(args[0]), nodes.Text(" to "), *type_nodes(args[1])]
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        link = nodes.reference("", "", refid=section_id(annotation))
        link += nodes.literal(text=annotation.__name__)
        return [link]
    return [nodes.Text(getattr(annotation, "__name__", str(annotation)))]


def _joined(parts: list[list[nodes.Node]], separator: str) -> list[nodes.Node]:
    joined: list[nodes.Node] = []
    for i, part in enumerate(parts):
        if i:
            joined.append(nodes.Text(separator))
        joined.extend(part)
    return joined


def quantity_text(kind: str | None, value):
    """A value in base units as a scenario file would write it: 8h, 10MB, 100Mbps, 2/s."""
    from sim.scenario.units import format_duration

    if kind is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if kind == "duration":
        return format_duration(value)
    if kind == "rate":
        return f"{value:g}/s"
    base, units = (1024, ("B", "KB", "MB", "GB")) if kind == "size" else (1000, ("bps", "kbps", "Mbps", "Gbps"))
    power = 0
    while power < len(units) - 1 and value and value % base ** (power + 1) == 0:
        power += 1
    return f"{value / base**power:g}{units[power]}"


def default_text(field) -> tuple[str, bool]:
    """A field's default as a scenario file would write it, and whether that is a value (else words)."""
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required", False
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, BaseModel):
        shown = value.model_dump(exclude_none=True)
        if len(shown) > 4 or any(isinstance(item, (dict, list)) for item in shown.values()):
            return "see its fields", False
        return ", ".join(_setting(value, key, item) for key, item in shown.items() if item != 0 or key == "mean"), True
    if value is None:
        return "empty", False
    value = quantity_text(_quantity(field.metadata, field.annotation), value)
    if isinstance(value, bool):
        return str(value).lower(), True
    return (str(value) if value != "" else "''"), True


def _setting(model: BaseModel, key: str, value) -> str:
    field = type(model).model_fields[key]
    return f"{key}={quantity_text(_quantity(field.metadata, field.annotation), value)}"


def described(text: str) -> nodes.paragraph:
    """A description with `code` in backticks as literals; everything else plain text, never markup."""
    paragraph = nodes.paragraph()
    for i, piece in enumerate(re.split(r"`([^`]+)`", text)):
        if piece:
            paragraph += nodes.literal(text=piece) if i % 2 else nodes.Text(piece)
    return paragraph


def _row(cells: list[list[nodes.Node] | nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        if isinstance(cell, nodes.paragraph):
            entry += cell
        else:
            paragraph = nodes.paragraph()
            paragraph.extend(cell)
            entry += paragraph
        row += entry
    return row


def grid(widths: tuple[int, ...], titles: tuple[str, ...], rows: list[list], css: str) -> nodes.table:
    """A docutils table: column widths (relative), a header row of titles, one row per list of cells."""
    group = nodes.tgroup(cols=len(widths))
    group.extend(nodes.colspec(colwidth=width) for width in widths)
    head = nodes.thead()
    head += _row([[nodes.Text(title)] for title in titles])
    body = nodes.tbody()
    for cells in rows:
        body += _row(cells)
    group += head
    group += body
    table = nodes.table(classes=[css, "colwidths-given"])
    table += group
    return table


def fields_table(model: type[BaseModel]) -> nodes.table:
    """The table of one model's fields: key, type, default, description."""
    rows = []
    for name, field in model.model_fields.items():
        text, is_value = default_text(field)
        rows.append([
            [nodes.literal(text=field.alias or name)],
            type_nodes(field.annotation, field.metadata),
            [nodes.literal(text=text) if is_value else nodes.Text(text)],
            described(field.description or ""),
        ])  # fmt: skip
    return grid((20, 20, 17, 43), ("key", "type", "default", "description"), rows, "scenario-fields")


class ScenarioFields(SphinxDirective):
    """Every model of the scenario schema as a section with the table of its fields."""

    def run(self) -> list[nodes.Node]:
        """One section per model, from sim.scenario.schema.Scenario down."""
        from sim.scenario.schema import Scenario

        sections = []
        for model in models(Scenario):
            section = nodes.section(ids=[section_id(model)], names=[section_id(model)])
            section += nodes.title(text=model.__name__)
            section += described(" ".join((model.__dict__.get("__doc__") or "").split()))
            section += fields_table(model)
            self.state.document.note_implicit_target(section, section)
            sections.append(section)
        return sections


def setup(app: Sphinx) -> dict:
    """Register the directive."""
    app.add_directive("scenario-fields", ScenarioFields)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
