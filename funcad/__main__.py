"""``python -m funcad``: the reverse-mode AD tutorial, retold with funcad.

The tutorial builds a graph for ``f(x) = 2 sin(x^3)^2``, evaluates it at a few points,
runs it backwards to get ``f'(x)``, then shows a two-input function in which ``x`` is
reached by two paths, so its adjoints must be summed. This demo does the same with the
library: ``make_jaxpr`` gives the graph (the IR), ``funcad.core.eval_jaxpr`` re-evaluates
it, ``grad`` differentiates, and ``make_jaxpr(grad(f))`` prints the backward pass itself
as equations.
"""

from __future__ import annotations

import re

import numpy as np

import funcad
import funcad.numpy as fnp
from funcad.core import eval_jaxpr


def f(x):
    """The tutorial's one-input function."""
    return 2 * fnp.sin(x ** 3) ** 2


def df_closed(x):
    """Its derivative by hand: 12 x^2 cos(x^3) sin(x^3)."""
    return 12 * x ** 2 * np.cos(x ** 3) * np.sin(x ** 3)


def g(x, y):
    """The tutorial's two-input function: x is used twice."""
    return fnp.cos((x ** 2 + fnp.sin(y)) * x)


def dg_closed(x, y):
    """Its partial derivatives by hand, with u = (x^2 + sin y) x."""
    u = (x ** 2 + np.sin(y)) * x
    return -np.sin(u) * (3 * x ** 2 + np.sin(y)), -np.sin(u) * x * np.cos(y)


def _heading(number: int, text: str) -> None:
    print()
    print(f"{number}. {text}")


def _indent(text: object, prefix: str = "   ") -> str:
    return "\n".join(prefix + line for line in str(text).splitlines())


def main() -> int:
    print(f"funcad {funcad.__version__}: the reverse-mode AD tutorial, retold with the library")

    # 1. The graph of f, traced once into the IR.
    _heading(1, "f(x) = 2 sin(x^3)^2, traced once into an IR by funcad.make_jaxpr(f)(10.0):")
    closed = funcad.make_jaxpr(f)(10.0)
    print(_indent(closed))

    # 2. The static graph re-evaluated, and the derivative beside the closed form.
    _heading(2, "The same IR re-evaluated (funcad.core.eval_jaxpr) and grad(f) beside the "
                "closed form")
    print("   f'(x) = 12 x^2 cos(x^3) sin(x^3):")
    print()
    header = (f"   {'x':>5}  {'f(x) from the IR':>17}  {'grad(f)(x)':>19}  "
              f"{'closed form':>19}  {'|difference|':>12}")
    print(header)
    print("   " + "-" * (len(header) - 3))
    df = funcad.grad(f)
    for x in (10.0, 5.0, 3.0):
        (value,) = eval_jaxpr(closed.jaxpr, closed.consts, x)
        derivative = df(x)
        exact = df_closed(x)
        print(f"   {x:5.1f}  {float(value):17.12f}  {float(derivative):19.12f}  "
              f"{float(exact):19.12f}  {abs(derivative - exact):12.1e}")

    # 3. Two inputs, two paths to x.
    x0, y0 = 1.5, 0.5
    _heading(3, "Two inputs: f(x, y) = cos((x^2 + sin y) x), and its IR:")
    print(_indent(funcad.make_jaxpr(g)(x0, y0)))
    print()
    print("   x feeds the graph twice: through x^2 and as the outer factor of u = (x^2 + sin y) x.")
    print("   The backward pass sends an adjoint to x along each path and sums them:")
    print("   df/dx = -sin(u) (3x^2 + sin y),  df/dy = -sin(u) x cos(y).")
    print()
    value = g(x0, y0)
    dx, dy = funcad.grad(g, argnums=(0, 1))(x0, y0)
    exact_dx, exact_dy = dg_closed(x0, y0)
    print(f"   at x = {x0}, y = {y0}:  f = {float(value):.12f}")
    print(f"   {'':5}  {'grad(f, argnums=(0, 1))':>23}  {'closed form':>19}  {'|difference|':>12}")
    for name, got, exact in (("df/dx", dx, exact_dx), ("df/dy", dy, exact_dy)):
        print(f"   {name:5}  {float(got):23.12f}  {float(exact):19.12f}  "
              f"{abs(got - exact):12.1e}")

    # 4. The backward pass, itself traced.
    _heading(4, "The backward pass as equations: make_jaxpr(grad(f, argnums=(0, 1)))(x, y)")
    backward = str(funcad.make_jaxpr(funcad.grad(g, argnums=(0, 1)))(x0, y0))
    print("   The forward pass comes first, then the reverse sweep; the outputs are "
          "(df/dx, df/dy).")
    adds = re.findall(r"^\s*(\w+):\S+ = add (\w+) (\w+)\s*$", backward, re.MULTILINE)
    if adds:
        out, left, right = adds[-1]
        print(f"   The last add, {out} = {left} + {right}, is the sum of x's two adjoints.")
    print(_indent(backward))
    print()
    print("More: examples/ (tutorial.py, regression.py, mlp.py) and README.md.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
