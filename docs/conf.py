"""Sphinx configuration for funcad's documentation (MyST Markdown pages, the furo theme)."""

from __future__ import annotations

import inspect
import os
import re
import sys
import typing

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

# API pages: every public name (``__all__``) in source order, with or without a docstring, no
# inherited NumPy methods. Docstrings are free-form text written for ``help()``, so napoleon
# reads Google and NumPy sections, and docstring-markup warnings stay quiet.
autodoc_default_options = {"members": True, "undoc-members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autodoc_inherit_docstrings = False
autosummary_generate = False
napoleon_google_docstring = True
napoleon_numpy_docstring = True
# Docstrings are written for help() and use |x| for absolute values, which reStructuredText
# reads as substitutions: _absolute_values escapes their bars.
nitpicky = False


def _foreign(obj) -> bool:
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and not module.startswith("funcad")


def _skip_foreign(app, what, name, obj, skip, options):
    """Leave out NumPy's own classes and constants that funcad re-exports (dtypes, ``finfo``,
    ``ndarray``, ``pi``): their docstrings are NumPy's, with cross-references into NumPy's own
    documentation. Re-exported NumPy functions stay, with a one-line docstring, and so do the
    type aliases of ``funcad.typing``."""
    kept = inspect.isfunction(obj) or inspect.isbuiltin(obj) or typing.get_origin(obj) is not None
    if _foreign(obj) and not kept:
        return True
    return None


def _describe_foreign(app, what, name, obj, options, lines):
    if _foreign(obj) and what == "function":
        lines[:] = [f"NumPy's own ``{obj.__module__}.{obj.__name__}``, re-exported unchanged "
                    "(see NumPy's documentation)."]


_ABSOLUTE_VALUE = re.compile(r"(?<![`|\w])\|([^|`\n]+?)\|(?![`|_\w])")


def _absolute_values(app, what, name, obj, options, lines):
    """``|x|`` in a docstring is an absolute value (plain text for ``help()``), not a
    reStructuredText substitution: escape its bars."""
    lines[:] = [_ABSOLUTE_VALUE.sub(r"\\|\1\\|", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _absolute_values)
    app.connect("autodoc-skip-member", _skip_foreign)
    app.connect("autodoc-process-docstring", _describe_foreign)
