"""The Figure every exsim figure is: a matplotlib Figure that Jupyter shows as a picture by itself.

A bare `matplotlib.figure.Figure` (no pyplot) shows in Jupyter as the text `<Figure size 1050x720 with 3 Axes>`
unless `%matplotlib inline` has registered a formatter for it, and exsim never touches pyplot, so a learner
saw no picture at all. `_repr_png_` is IPython's rich display hook: the figure draws itself to PNG when it is
the value of a cell or passed to `display()`, with no global state and nothing shown by the library. Where the inline
backend is active its own formatter takes precedence; either way one picture is shown.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

DPI = 90
"""Jupyter's picture: a 12-inch-wide figure is about 1,080 pixels, the width of a notebook's output area."""


class ExsimFigure(Figure):
    """A matplotlib Figure (it is one in every way) that Jupyter shows as a PNG."""

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes, for IPython's display formatter."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()


def new_figure(width: float, height: float) -> ExsimFigure:
    """A figure with constrained layout, the size in inches."""
    return ExsimFigure(figsize=(width, height), layout="constrained")
