"""Sphinx configuration of exsim's documentation (`make docs` builds it into docs/_build/html).

Everything builds offline: no intersphinx inventories, a theme whose assets ship in its package, the
architecture picture drawn locally (docs/_ext/architecture_diagram.py). Pages are Markdown (MyST) but the
API reference (api.rst) and the scenario reference, which are written by autodoc and docs/_ext from the code.
The examples on the pages run as tests with Sphinx's doctest builder (`make docs-test`, tests/test_docs.py),
from a folder of their own with the repository's scenarios/ linked in (docs/_ext/exsim_examples.py).
"""

import sys
from importlib import metadata
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS / "_ext"), str(DOCS.parent)]

project = "exsim"
author = "the exsim developers"
release = metadata.version("exsim")
version = release
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "myst_parser",
    "exsim_examples",
    "scenario_fields",
    "table_columns",
    "architecture_diagram",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated"]
default_role = "literal"  # the docstrings write `name` for code, as Markdown does
myst_heading_anchors = 3
smartquotes = False  # `--set` in a docstring stays two hyphens

autodoc_member_order = "bysource"

doctest_global_setup = "from exsim_examples import enter_workdir, exsim, write_scenario\nenter_workdir()\n"

html_theme = "furo"
html_title = f"exsim {release}"
html_static_path = ["_static"]
html_css_files = ["exsim.css"]
html_last_updated_fmt = None


def _no_model_signature(app, what, name, obj, options, signature, return_annotation):
    """A scenario model's signature lists every field; the scenario file reference shows them as a table."""
    from pydantic import BaseModel

    if what == "class" and isinstance(obj, type) and issubclass(obj, BaseModel):
        return "", None
    return None


def setup(app):
    """Hooks of this project's own."""
    app.connect("autodoc-process-signature", _no_model_signature)
