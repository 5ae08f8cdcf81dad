"""Pictures of the reverse-mode AD tutorial's two functions, with values and adjoints.

    f(x)    = 2 sin(x^3)^2            at x = 10: a chain, each adjoint a product
    g(x, y) = cos((x^2 + sin y) x)    at (0.8, 2): x is reached by two paths, and its
                                      adjoint is the sum of the two contributions

Prints each graph's text form and x's adjoint beside ``funcad.grad``'s, and writes the
Graphviz ``.dot`` files (and ``.svg`` when Graphviz's ``dot`` program is installed) to a
temporary directory.

Run: ``python examples/pictures.py``
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Callable

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad import viz


def f(x):
    return 2 * fnp.sin(x ** 3) ** 2


def g(x, y):
    return fnp.cos((x ** 2 + fnp.sin(y)) * x)


def main() -> None:
    folder = tempfile.mkdtemp(prefix="funcad-pictures-")
    render = shutil.which("dot") is not None
    cases: list[tuple[str, Callable[..., Any], tuple[float, ...]]] = [
        ("f", f, (10.0,)), ("g", g, (0.8, 2.0))]
    for name, function, args in cases:
        picture = viz.graph(function, adjoints=True, backward_edges=True)(*args)
        print(f"{name}{args}:")
        print(picture.to_text())
        x = picture.inputs()[0]
        want = funcad.grad(function)(*args)
        assert np.isclose(x.adjoint_array, want), (x.adjoint_array, want)
        summed = [n.label for n in picture.nodes if n.summed]
        print(f"adjoint of x {x.adjoint}, funcad.grad {float(want)!r}; "
              f"summed at: {', '.join(summed) or 'nowhere'}")
        written = picture.save(os.path.join(folder, f"{name}.svg" if render else f"{name}.dot"))
        print("wrote", ", ".join(written))
        print()
    if not render:
        print("(Graphviz's dot program is not installed: .dot files only. Render one with "
              "`dot -Tsvg f.dot -o f.svg` once it is.)")


if __name__ == "__main__":
    main()
