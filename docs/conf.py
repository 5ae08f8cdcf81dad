"""Sphinx configuration for funcad's documentation (MyST Markdown pages, the furo theme)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "funcad"
author = "the funcad authors"
copyright = "the funcad authors"
release = "0.1.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
]

source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = "funcad"

# API pages: documented members in source order, no inherited NumPy methods. Docstrings are
# free-form text written for ``help()``, so napoleon reads Google and NumPy sections and
# duplicate-object and docstring-markup warnings from re-exported names stay quiet.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autodoc_inherit_docstrings = False
autosummary_generate = False
napoleon_google_docstring = True
napoleon_numpy_docstring = True
suppress_warnings = [
    "autodoc",
    "autodoc.import_object",
    "docutils",
    "ref.python",
    "myst.header",
    "misc.highlighting_failure",
]
nitpicky = False


def _skip_foreign(app, what, name, obj, skip, options):
    """Leave out names funcad re-exports from NumPy (dtypes, ``finfo``, ``ndarray``...): their
    docstrings are NumPy's, with cross-references into NumPy's own documentation."""
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and not module.startswith("funcad"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign)
