"""Every public name of every public namespace has a docstring, and the ``>>>`` examples in
the docstrings of every funcad module run and print what they say.

A public name is one in a namespace's ``__all__``; non-callables (type aliases, constants
such as ``pi``) are skipped. The missing names are listed in full in the failure message.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import typing
from types import ModuleType

import numpy as np
import pytest

import funcad
import funcad.numpy
import funcad.scipy.stats

NAMESPACES = [
    "funcad",
    "funcad.numpy",
    "funcad.numpy.linalg",
    "funcad.numpy.fft",
    "funcad.lax",
    "funcad.scipy.special",
    "funcad.scipy.stats",
    *sorted(f"funcad.scipy.stats.{info.name}"
            for info in pkgutil.iter_modules(funcad.scipy.stats.__path__)
            if not info.name.startswith("_")),
    "funcad.scipy.linalg",
    "funcad.scipy.signal",
    "funcad.scipy.integrate",
    "funcad.scipy.optimize",
    "funcad.nn",
    "funcad.nn.initializers",
    "funcad.random",
    "funcad.tree_util",
    "funcad.tree",
    "funcad.flatten_util",
    "funcad.example_libraries.optimizers",
    "funcad.example_libraries.stax",
    "funcad.test_util",
    "funcad.typing",
]


def _undocumented(namespace: str) -> list[str]:
    module = importlib.import_module(namespace)
    missing = []
    for name in module.__all__:
        value = getattr(module, name)
        if typing.get_origin(value) is not None or not callable(value):
            continue  # a type alias or a constant: its documentation is the namespace's
        if not (getattr(value, "__doc__", None) or "").strip():
            missing.append(f"{namespace}.{name}")
    return missing


def test_every_public_name_has_a_docstring() -> None:
    missing = [name for namespace in NAMESPACES for name in _undocumented(namespace)]
    assert not missing, (f"{len(missing)} public names have no docstring:\n  "
                         + "\n  ".join(missing))


def test_the_numpy_namespaces_are_documented() -> None:
    """The funcad.numpy part on its own, so that it fails separately from the rest."""
    missing = [name for namespace in ("funcad.numpy", "funcad.numpy.linalg", "funcad.numpy.fft")
               for name in _undocumented(namespace)]
    assert not missing, (f"{len(missing)} public names have no docstring:\n  "
                         + "\n  ".join(missing))


def _modules() -> list[ModuleType]:
    names = ["funcad"] + sorted(
        info.name for info in pkgutil.walk_packages(funcad.__path__, "funcad.")
        if info.name != "funcad.__main__")
    return [importlib.import_module(name) for name in names]


@pytest.mark.parametrize("module", _modules(), ids=lambda module: module.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    saved = np.get_printoptions()
    np.set_printoptions(legacy=False, precision=8, linewidth=75)
    try:
        for test in finder.find(module, module.__name__, globs={"funcad": funcad}):
            runner.run(test)
    finally:
        np.set_printoptions(**saved)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} examples in {module.__name__} failed"
